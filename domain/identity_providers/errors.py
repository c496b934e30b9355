"""Errors of external identity provider management."""

from domain.shared.errors import ValidationError


class InvalidIdentityProviderError(ValidationError):
    """The issuer URL, audience, algorithms or member claim are not acceptable."""

    code = "invalid_identity_provider"


class IssuerAlreadyRegisteredError(ValidationError):
    """The tenant already trusts this issuer, or another tenant owns this issuer and audience."""

    code = "issuer_already_registered"
