"""The per-request GraphQL context: who asks, and how to open a unit of work."""

from dataclasses import dataclass

from starlette.requests import Request
from starlette.websockets import WebSocket

from api.auth.backend import TokenPrincipal
from api.auth.tokens import AccessToken
from api.graphql.errors import UnauthenticatedError
from api.services import Services
from domain.db.uow import UnitOfWork
from domain.shared.tenancy import Actor, ActorKind, TenantScope


@dataclass
class ParleyContext:
    request: Request | WebSocket
    services: Services

    @property
    def token(self) -> AccessToken:
        """The caller's validated token; `UnauthenticatedError` for anonymous callers."""
        user = self.request.scope.get("user")
        if not isinstance(user, TokenPrincipal):
            raise UnauthenticatedError()
        return user.token

    def actor(self) -> Actor:
        token = self.token
        if token.user_id is not None:
            return Actor.user(token.user_id)
        return Actor(kind=ActorKind.API_CLIENT, id=token.client_id or token.subject)

    def unit_of_work(self) -> UnitOfWork:
        """A unit of work in the caller's tenant, for one resolver's use case."""
        token = self.token
        return UnitOfWork(
            self.services.database, actor=self.actor(), scope=TenantScope(token.tenant_id)
        )
