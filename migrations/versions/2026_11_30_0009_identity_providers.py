"""External identity providers: the tenant-owned providers and the issuer routes.

`identity_providers` is tenant-owned and gets forced row-level security on
PostgreSQL. `identity_provider_routes` is a routing table (like
`webhook_endpoints`): read before a token's tenant is known, URLs and ids only.

Revision ID: 20261130_0009
Revises: 20261130_0008
Create Date: 2026-11-30 19:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0009"
down_revision: str | None = "20261130_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "identity_providers",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("audience", sa.String(length=500), nullable=False),
        sa.Column("algorithms", _json(), nullable=False),
        sa.Column(
            "member_claim",
            sa.Enum("email", "sub", name="memberclaim", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_identity_providers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_providers")),
        sa.UniqueConstraint(
            "tenant_id", "issuer", name=op.f("uq_identity_providers_tenant_id_issuer")
        ),
    )
    op.create_index(op.f("ix_identity_providers_tenant_id"), "identity_providers", ["tenant_id"])
    enable_tenant_rls("identity_providers")
    op.create_table(
        "identity_provider_routes",
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("audience", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["identity_providers.id"],
            name=op.f("fk_identity_provider_routes_provider_id_identity_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_identity_provider_routes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_provider_routes")),
        sa.UniqueConstraint(
            "issuer", "audience", name=op.f("uq_identity_provider_routes_issuer_audience")
        ),
    )
    op.create_index(
        op.f("ix_identity_provider_routes_provider_id"),
        "identity_provider_routes",
        ["provider_id"],
    )
    op.create_index(
        op.f("ix_identity_provider_routes_tenant_id"), "identity_provider_routes", ["tenant_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_identity_provider_routes_tenant_id"), table_name="identity_provider_routes"
    )
    op.drop_index(
        op.f("ix_identity_provider_routes_provider_id"), table_name="identity_provider_routes"
    )
    op.drop_table("identity_provider_routes")
    disable_tenant_rls("identity_providers")
    op.drop_index(op.f("ix_identity_providers_tenant_id"), table_name="identity_providers")
    op.drop_table("identity_providers")
