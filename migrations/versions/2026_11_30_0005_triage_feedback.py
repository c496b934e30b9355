"""Triage feedback (persisted corrections) and incidents.

Both tables are tenant-owned and get forced row-level security on PostgreSQL.

Revision ID: 20261130_0005
Revises: 20261130_0004
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0005"
down_revision: str | None = "20261130_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED_TABLES = ("triage_feedback", "incidents")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamp() -> domain.db.types.UtcDateTime:
    return domain.db.types.UtcDateTime(timezone=True)


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "triage_feedback",
        sa.Column("correction_id", sa.Uuid(), nullable=False),
        sa.Column("mention_id", sa.Uuid(), nullable=False),
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column(
            "field",
            sa.Enum(
                "priority",
                "category",
                "sentiment",
                "department",
                "language",
                "needs_private",
                name="feedbackfield",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("old_value", sa.String(length=60), nullable=True),
        sa.Column("new_value", sa.String(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        _foreign_key("triage_feedback", "brand_id", "brands"),
        _foreign_key("triage_feedback", "mention_id", "mentions"),
        _foreign_key("triage_feedback", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_feedback")),
    )
    op.create_index(
        op.f("ix_triage_feedback_tenant_id"), "triage_feedback", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_triage_feedback_tenant_id_created_at"),
        "triage_feedback",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_triage_feedback_tenant_id_mention_id"),
        "triage_feedback",
        ["tenant_id", "mention_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_triage_feedback_tenant_id_brand_id_created_at"),
        "triage_feedback",
        ["tenant_id", "brand_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "incidents",
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("terms", _json(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "resolved", name="incidentstatus", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("started_at", _timestamp(), nullable=False),
        sa.Column("last_seen_at", _timestamp(), nullable=False),
        sa.Column("mention_count", sa.Integer(), nullable=False),
        sa.Column("planned_event", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", _timestamp(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        _foreign_key("incidents", "brand_id", "brands"),
        _foreign_key("incidents", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint(
            "tenant_id", "brand_id", "key", name=op.f("uq_incidents_tenant_id_brand_id_key")
        ),
    )
    op.create_index(op.f("ix_incidents_tenant_id"), "incidents", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_incidents_tenant_id_status_last_seen_at"),
        "incidents",
        ["tenant_id", "status", "last_seen_at"],
        unique=False,
    )

    for table in TENANT_OWNED_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_OWNED_TABLES:
        disable_tenant_rls(table)
    op.drop_index(op.f("ix_incidents_tenant_id_status_last_seen_at"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_tenant_id"), table_name="incidents")
    op.drop_table("incidents")
    op.drop_index(
        op.f("ix_triage_feedback_tenant_id_brand_id_created_at"), table_name="triage_feedback"
    )
    op.drop_index(op.f("ix_triage_feedback_tenant_id_mention_id"), table_name="triage_feedback")
    op.drop_index(op.f("ix_triage_feedback_tenant_id_created_at"), table_name="triage_feedback")
    op.drop_index(op.f("ix_triage_feedback_tenant_id"), table_name="triage_feedback")
    op.drop_table("triage_feedback")
