"""Row-level security helpers for migrations (PostgreSQL only).

Every tenant-owned table gets ENABLE + FORCE ROW LEVEL SECURITY and one policy
that admits only rows of the transaction's tenant, `app.tenant_id`, which the
unit of work sets with `set_config(..., true)`. With no tenant set the policy
admits nothing: NULLIF turns the empty setting into NULL, and NULL matches no row.
"""

from alembic import op

POLICY = "tenant_isolation"
_CONDITION = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(table: str) -> None:
    """Turn on forced RLS with the tenant policy for `table` (no-op off PostgreSQL)."""
    if not _is_postgresql():
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY {POLICY} ON "{table}" USING ({_CONDITION}) WITH CHECK ({_CONDITION})'
    )


def disable_tenant_rls(table: str) -> None:
    """Undo `enable_tenant_rls` (no-op off PostgreSQL)."""
    if not _is_postgresql():
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
