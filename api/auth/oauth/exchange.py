"""One OAuth request's database work, bridged into authlib's worker thread."""

import uuid
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio.from_thread

from api.auth.oauth.adapter import OAuthResponse
from api.auth.oauth.records import OAuthClient
from domain.db.session import Database
from domain.db.uow import UnitOfWork
from domain.oauth import service as oauth_service
from domain.oauth.rules import tenant_of_client_id
from domain.shared.tenancy import Actor, TenantScope

T = TypeVar("T")


class OAuthExchange:
    """One unit of work for one OAuth request, usable from authlib's thread.

    Opened on the event loop in the tenant that the request's client id names;
    a client id naming no tenant opens none, and every lookup then finds
    nothing. authlib runs in a worker thread: its hooks call `run()`, which
    executes a coroutine on the event loop with this unit of work while the
    thread waits, so the session is never used from two places at once.
    `finish()` commits once: when the answer is a success, or when a reused
    code or refresh token was detected (that revocation must stick although
    the request fails). Otherwise everything rolls back.
    """

    def __init__(self, database: Database, *, client_id: str | None, actor: Actor) -> None:
        self.tenant_id: uuid.UUID | None = tenant_of_client_id(client_id)
        self._uow: UnitOfWork | None = (
            UnitOfWork(database, actor=actor, scope=TenantScope(self.tenant_id))
            if self.tenant_id is not None
            else None
        )
        self._clients: dict[str, OAuthClient | None] = {}
        self._commit_on_failure = False

    async def __aenter__(self) -> Self:
        if self._uow is not None:
            await self._uow.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._uow is not None:
            await self._uow.__aexit__(exc_type, exc, traceback)

    @property
    def uow(self) -> UnitOfWork:
        """The unit of work, for code on the event loop; `LookupError` when there is none."""
        if self._uow is None:
            raise LookupError("this request names no tenant")
        return self._uow

    @property
    def has_tenant(self) -> bool:
        return self._uow is not None

    def run(self, work: Callable[[UnitOfWork], Coroutine[Any, Any, T]]) -> T:
        """Run `work(uow)` on the event loop and wait for it (from the worker thread only)."""
        uow = self.uow
        return anyio.from_thread.run(work, uow)

    def client(self, client_id: str | None) -> OAuthClient | None:
        """The active client with this id in the exchange's tenant (worker thread; cached)."""
        if not client_id or self._uow is None:
            return None
        if client_id not in self._clients:
            found = self.run(
                lambda uow: oauth_service.get_active_client_or_none(uow, client_id=client_id)
            )
            self._clients[client_id] = OAuthClient(found) if found is not None else None
        return self._clients[client_id]

    def keep_on_failure(self) -> None:
        """Commit even though the answer will be an error (reuse-detection revocations)."""
        self._commit_on_failure = True

    async def finish(self, answer: OAuthResponse) -> None:
        """Commit when `answer` succeeded or a revocation must stick; else leave to roll back."""
        if self._uow is not None and (answer.succeeded or self._commit_on_failure):
            await self._uow.commit()

    async def commit(self) -> None:
        await self.uow.commit()
