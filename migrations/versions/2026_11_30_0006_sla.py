"""SLA policies and clocks, teams and agent availability, brand events.

Every table is tenant-owned and gets forced row-level security on PostgreSQL.
The sweep reads `sla_clocks` through two partial indexes (warnings and breaches
still to emit on running clocks), so it is an index scan however many clocks
have stopped.

Revision ID: 20261130_0006
Revises: 20261130_0005
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0006"
down_revision: str | None = "20261130_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: In creation order (dropped in reverse).
TENANT_OWNED_TABLES = (
    "agent_availability",
    "brand_events",
    "sla_policies",
    "teams",
    "team_members",
    "sla_clocks",
)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "agent_availability",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("online", "away", "offline", name="availability", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("changed_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_agent_availability_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_agent_availability_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_availability")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", name=op.f("uq_agent_availability_tenant_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_agent_availability_tenant_id"), "agent_availability", ["tenant_id"], unique=False
    )
    op.create_table(
        "brand_events",
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "campaign_launch",
                "product_launch",
                "price_increase",
                "outage_window",
                "data_breach_notice",
                "celebrity_partnership",
                "other",
                name="brandeventkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.Column("affected_products", _json(), nullable=False),
        sa.Column("affected_channel_ids", _json(), nullable=False),
        sa.Column(
            "expected_impact",
            sa.Enum("raises", "lowers", name="expectedimpact", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("sla_factor", sa.Double(), nullable=False),
        sa.Column("briefing", sa.Text(), nullable=False),
        sa.Column("qna_entry_ids", _json(), nullable=False),
        sa.Column("external_key", sa.String(length=100), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_brand_events_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_brand_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_events")),
        sa.UniqueConstraint(
            "tenant_id",
            "brand_id",
            "external_key",
            name=op.f("uq_brand_events_tenant_id_brand_id_external_key"),
        ),
    )
    op.create_index(op.f("ix_brand_events_tenant_id"), "brand_events", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_brand_events_tenant_id_brand_id_starts_at_ends_at"),
        "brand_events",
        ["tenant_id", "brand_id", "starts_at", "ends_at"],
        unique=False,
    )
    op.create_table(
        "sla_policies",
        sa.Column("lineage_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("service_tier", sa.String(length=20), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("warning_minutes", sa.Integer(), nullable=False),
        sa.Column("around_the_clock", sa.Boolean(), nullable=False),
        sa.Column("business_hours", _json(), nullable=True),
        sa.Column("breach_actions", _json(), nullable=False),
        sa.Column("retired_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_sla_policies_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sla_policies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint(
            "tenant_id",
            "lineage_id",
            "version",
            name=op.f("uq_sla_policies_tenant_id_lineage_id_version"),
        ),
    )
    op.create_index(op.f("ix_sla_policies_tenant_id"), "sla_policies", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_sla_policies_tenant_id_brand_id_retired_at"),
        "sla_policies",
        ["tenant_id", "brand_id", "retired_at"],
        unique=False,
    )
    op.create_table(
        "teams",
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_user_id", sa.Uuid(), nullable=True),
        sa.Column(
            "strategy",
            sa.Enum(
                "round_robin",
                "least_loaded",
                name="assignmentstrategy",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("unassign_after_minutes", sa.Integer(), nullable=True),
        sa.Column("last_assigned_user_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_teams_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["last_assigned_user_id"],
            ["users.id"],
            name=op.f("fk_teams_last_assigned_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_user_id"],
            ["users.id"],
            name=op.f("fk_teams_lead_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_teams_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint(
            "tenant_id", "brand_id", "name", name=op.f("uq_teams_tenant_id_brand_id_name")
        ),
    )
    op.create_index(op.f("ix_teams_brand_id"), "teams", ["brand_id"], unique=False)
    op.create_index(op.f("ix_teams_tenant_id"), "teams", ["tenant_id"], unique=False)
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_team_members_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_team_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint(
            "tenant_id",
            "team_id",
            "user_id",
            name=op.f("uq_team_members_tenant_id_team_id_user_id"),
        ),
    )
    op.create_index(op.f("ix_team_members_tenant_id"), "team_members", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_team_members_user_id"), "team_members", ["user_id"], unique=False)
    op.create_table(
        "sla_clocks",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "first_response",
                "next_response",
                "resolution",
                name="clockkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("due_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("warn_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("paused_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("stopped_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("warned_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("breached_at", domain.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("event_factor", sa.Double(), nullable=True),
        sa.Column("event_reason", sa.String(length=400), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_sla_clocks_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sla_clocks_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["brand_events.id"],
            name=op.f("fk_sla_clocks_event_id_brand_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["sla_policies.id"],
            name=op.f("fk_sla_clocks_policy_id_sla_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_sla_clocks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clocks")),
    )
    op.create_index(
        "ix_sla_clocks_breach_due",
        "sla_clocks",
        ["tenant_id", "due_at"],
        unique=False,
        postgresql_where=sa.text(
            "breached_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL"
        ),
        sqlite_where=sa.text("breached_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL"),
    )
    op.create_index(op.f("ix_sla_clocks_policy_id"), "sla_clocks", ["policy_id"], unique=False)
    op.create_index(op.f("ix_sla_clocks_tenant_id"), "sla_clocks", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_sla_clocks_tenant_id_conversation_id"),
        "sla_clocks",
        ["tenant_id", "conversation_id"],
        unique=False,
    )
    op.create_index(
        "ix_sla_clocks_warning_due",
        "sla_clocks",
        ["tenant_id", "warn_at"],
        unique=False,
        postgresql_where=sa.text("warned_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL"),
        sqlite_where=sa.text("warned_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL"),
    )
    op.create_index(
        "uq_sla_clocks_running",
        "sla_clocks",
        ["tenant_id", "conversation_id", "kind"],
        unique=True,
        postgresql_where=sa.text("stopped_at IS NULL"),
        sqlite_where=sa.text("stopped_at IS NULL"),
    )

    for table in TENANT_OWNED_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TENANT_OWNED_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
