"""Errors of OAuth2 client management."""

from domain.shared.errors import ValidationError


class InvalidClientRegistrationError(ValidationError):
    """A client's grant types, redirect URIs, scopes or role do not fit together."""

    code = "invalid_client_registration"
