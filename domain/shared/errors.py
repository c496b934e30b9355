"""Errors every domain area shares."""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"


class NotFoundError(DomainError):
    """The object does not exist in the caller's tenant.

    Raised for other tenants' objects too: not found and forbidden look alike.
    """

    code = "not_found"


class PermissionDeniedError(DomainError):
    """The actor may not do this."""

    code = "permission_denied"


class MissingTenantScopeError(DomainError):
    """A tenant-owned table was queried or written without a tenant scope."""

    code = "missing_tenant_scope"


class ValidationError(DomainError):
    """Input that breaks a rule; `field` names the offending input."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(DomainError):
    """The object already exists (a unique key is taken)."""

    code = "conflict"
