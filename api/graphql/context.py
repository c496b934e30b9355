"""The per-request GraphQL context: who asks, what they may do, and how to open a unit of work."""

from dataclasses import dataclass, field
from functools import cached_property

from starlette.requests import Request
from starlette.websockets import WebSocket

from api.auth.backend import TokenPrincipal
from api.auth.tokens import AccessToken
from api.graphql.errors import UnauthenticatedError
from api.graphql.loaders import Loaders
from api.services import Services
from domain.authz.policy import Grantee
from domain.db.uow import UnitOfWork
from domain.oauth.service import load_client_principal
from domain.shared.errors import NotFoundError
from domain.shared.tenancy import Actor, ActorKind, TenantScope
from domain.tenants.service import load_member


@dataclass
class ParleyContext:
    request: Request | WebSocket
    services: Services
    _grantee: Grantee | None = field(default=None, init=False, repr=False)

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

    async def grantee(self) -> Grantee:
        """What the policy knows about the caller, loaded once per request.

        A user's membership (role, granted brands) or, for client-credentials
        tokens, the API client's own role; both narrowed by the token's scopes.
        `UnauthenticatedError` when the membership or client is no longer active.
        """
        if self._grantee is None:
            async with self.unit_of_work() as uow:
                return await self.grantee_in(uow)
        return self._grantee

    async def grantee_in(self, uow: UnitOfWork) -> Grantee:
        """`grantee()`, loaded in the caller's own unit of work when not loaded yet.

        A resolver that opens a unit of work anyway loads the caller in it, so
        the membership and the resolver's reads share one transaction instead
        of two. `uow` must be in the caller's tenant (see `unit_of_work`).
        """
        if self._grantee is None:
            token = self.token
            try:
                if token.user_id is None:
                    principal = await load_client_principal(
                        uow, client_id=token.client_id or token.subject, scopes=token.scopes
                    )
                    self._grantee = principal.grantee
                else:
                    member = await load_member(uow, user_id=token.user_id, scopes=token.scopes)
                    self._grantee = member.grantee
            except NotFoundError as error:
                raise UnauthenticatedError("no active membership or client") from error
        return self._grantee

    @cached_property
    def loaders(self) -> Loaders:
        """This request's DataLoaders: one batch per relation, each in a short unit of work."""
        return Loaders(self.unit_of_work, self.grantee)
