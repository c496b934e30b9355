"""The declarative base, naming convention and the tenant-owned mixin."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.db.types import JSONType, UtcDateTime
from domain.shared.clock import utcnow
from domain.shared.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every Parley table: UUID keys, aware timestamps, portable JSON."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime,
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        list[str]: JSONType,
        uuid.UUID: Uuid,
    }

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantOwned:
    """Mixin of every tenant-owned table.

    The column is NOT NULL and belongs in every unique key of the table; on
    PostgreSQL the table gets FORCE ROW LEVEL SECURITY in its migration.
    Sessions fill it from the scope and refuse rows of another tenant.
    """

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )


#: Tables that carry `tenant_id` but are read before any tenant is known, so
#: they have no row-level security: routing only (ids, no content, no secrets).
ROUTING_TABLES = frozenset({"webhook_endpoints", "identity_provider_routes"})


def tenant_owned_tables() -> list[str]:
    """Names of all tenant-owned tables (for RLS and its tests)."""
    return sorted(
        table.name
        for table in Base.metadata.sorted_tables
        if "tenant_id" in table.columns and table.name not in ROUTING_TABLES
    )
