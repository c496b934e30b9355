"""Engines and sessions, with tenant scoping and auditing built into the session.

`TenantSession` enforces the scope on every ORM statement:
- a SELECT/UPDATE/DELETE touching a tenant-owned entity without a tenant in
  `session.info` raises `MissingTenantScopeError`; with one, the tenant filter is
  added to every such entity (aliases and relationships included);
- on flush, new tenant-owned rows get the scope's tenant and rows of another
  tenant are refused; every change is written to the audit log;
- on PostgreSQL, every transaction the session begins runs
  `set_config('app.tenant_id', …, true)` so row-level security sees the tenant.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, with_loader_criteria

from domain.audit.recorder import audit_entries_for_flush
from domain.db.base import TenantOwned
from domain.shared.crypto import SecretBox
from domain.shared.errors import MissingTenantScopeError

#: `session.info` keys.
TENANT_KEY = "tenant_id"
ACTOR_KEY = "actor"

#: Execution option of the rare, named `unscoped_*` escape hatches.
UNSCOPED_OPTION = "parley_unscoped"


class TenantSession(Session):
    """The sync session class behind every `AsyncSession` Parley opens."""


def _tenant_of(session: Session) -> uuid.UUID | None:
    value = session.info.get(TENANT_KEY)
    return value if isinstance(value, uuid.UUID) else None


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(UNSCOPED_OPTION):
        return
    if not any(issubclass(mapper.class_, TenantOwned) for mapper in state.all_mappers):
        return
    tenant_id = _tenant_of(state.session)
    if tenant_id is None:
        raise MissingTenantScopeError("query on a tenant-owned table without a tenant scope")
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


@event.listens_for(TenantSession, "before_flush")
def _check_and_audit(session: Session, flush_context: Any, instances: Any) -> None:
    tenant_id = _tenant_of(session)
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if tenant_id is None:
                raise MissingTenantScopeError("insert into a tenant-owned table without scope")
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise MissingTenantScopeError("row of another tenant refused")
    for obj in _changed(session.dirty, session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant_id != tenant_id:
            raise MissingTenantScopeError("change to a row outside the tenant scope refused")
    if tenant_id is not None:
        for entry in audit_entries_for_flush(session, tenant_id, session.info.get(ACTOR_KEY)):
            session.add(entry)


def _changed(*groups: Iterable[object]) -> Iterable[object]:
    for group in groups:
        yield from group


@event.listens_for(TenantSession, "after_begin")
def _set_transaction_tenant(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    tenant_id = _tenant_of(session)
    if tenant_id is not None and connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config('app.tenant_id', :tenant_id, true)"),
            {"tenant_id": str(tenant_id)},
        )


#: Connections a PostgreSQL engine keeps; all of them stay open once made (no overflow).
DEFAULT_POOL_SIZE = 20

#: Seconds after which a pooled connection is replaced rather than reused.
POOL_RECYCLE_SECONDS = 1800

_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = DEFAULT_POOL_SIZE
) -> AsyncEngine:
    """An async engine for `url`; SQLite gets foreign keys and WAL.

    PostgreSQL engines keep `pool_size` connections and open no overflow ones:
    under load, overflow connections were closed and reopened for every burst,
    and a request waiting briefly for a pooled connection is cheaper than a new
    one. There is no ping at checkout (it cost a round trip per transaction):
    a connection that turns out dead raises a disconnect error, which makes
    SQLAlchemy invalidate the whole pool, so the next checkout reconnects; and
    `POOL_RECYCLE_SECONDS` retires connections before servers or firewalls drop
    idle ones.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=POOL_RECYCLE_SECONDS,
        connect_args=_postgresql_connect_args(url),
    )


def _postgresql_connect_args(url: str) -> dict[str, Any]:
    """Driver options: no TLS to a loopback server unless the URL asks for it.

    asyncpg's default (`ssl='prefer'`) negotiates TLS whenever the server offers
    it, which costs a handshake per connection and encryption per query for
    traffic that never leaves the machine. Remote hosts keep the default, and
    an explicit `ssl` or `sslmode` in the URL always wins.
    """
    parsed = make_url(url)
    if parsed.get_driver_name() != "asyncpg":
        return {}
    if "ssl" in parsed.query or "sslmode" in parsed.query:
        return {}
    if parsed.host is None or parsed.host not in _LOOPBACK_HOSTS:
        return {}
    return {"ssl": False}


class Database:
    """The engine, its session factory and the key box for secrets."""

    def __init__(self, engine: AsyncEngine, secret_box: SecretBox) -> None:
        self.engine = engine
        self.secret_box = secret_box
        self.sessionmaker: async_sessionmaker[Any] = async_sessionmaker(
            engine, sync_session_class=TenantSession, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
