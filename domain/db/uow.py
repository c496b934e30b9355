"""The unit of work: one transaction for one actor, in one tenant or none."""

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncSession

from domain.db.session import ACTOR_KEY, TENANT_KEY, Database
from domain.shared.crypto import SecretBox
from domain.shared.errors import MissingTenantScopeError
from domain.shared.tenancy import Actor, TenantScope

AfterCommit = Callable[[], Awaitable[None]]


class UnitOfWork:
    """One use case's transaction.

    Rolls back unless `commit()` was called; commit once per use case.
    Callbacks registered with `after_commit` (job enqueues, notifications) run
    only after a successful commit and are dropped on rollback.
    Objects loaded in it stay readable (detached) after it ends.
    With `scope=None` only tables that are not tenant-owned can be used
    (tenants, users); anything else raises `MissingTenantScopeError`.
    """

    def __init__(self, database: Database, *, actor: Actor, scope: TenantScope | None) -> None:
        self._database = database
        self.actor = actor
        self.scope = scope
        self._session: AsyncSession | None = None
        self._after_commit: list[AfterCommit] = []
        self._committed = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    @property
    def secret_box(self) -> SecretBox:
        return self._database.secret_box

    @property
    def dialect(self) -> str:
        return self._database.dialect

    def require_scope(self) -> TenantScope:
        """The tenant scope, or `MissingTenantScopeError`."""
        if self.scope is None:
            raise MissingTenantScopeError("this operation needs a tenant scope")
        return self.scope

    async def __aenter__(self) -> Self:
        session: AsyncSession = self._database.sessionmaker()
        session.info[ACTOR_KEY] = self.actor
        if self.scope is not None:
            session.info[TENANT_KEY] = self.scope.tenant_id
        self._session = session
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self._committed:
                # Detach first: a rollback would expire every loaded object, and
                # read-only use cases hand what they read to their callers.
                session.expunge_all()
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    def after_commit(self, callback: AfterCommit) -> None:
        """Run `callback` once the transaction has committed."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        """Commit the transaction, then run the after-commit callbacks in order."""
        await self.session.commit()
        self._committed = True
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            await callback()

    async def flush(self) -> None:
        await self.session.flush()

    def __repr__(self) -> str:
        scope: Any = self.scope.tenant_id if self.scope else None
        return f"UnitOfWork(tenant={scope}, actor={self.actor.kind}:{self.actor.id})"
