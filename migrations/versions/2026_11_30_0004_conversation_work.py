"""Conversation work state: assignee, snooze, handled-by, SLA due time,
priority rank (derived by the database), and internal notes.

Revision ID: 20261130_0004
Revises: 20261130_0003
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0004"
down_revision: str | None = "20261130_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRIORITY_RANK_SQL = (
    "CASE priority WHEN 'hot' THEN 0 WHEN 'cold' THEN 1 WHEN 'noise' THEN 2 ELSE 3 END"
)


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column(
                "priority_rank",
                sa.SmallInteger(),
                sa.Computed(PRIORITY_RANK_SQL, persisted=True),
                nullable=False,
            )
        )
        batch.add_column(sa.Column("assignee_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("snoozed_until", domain.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("handled_by", sa.String(length=10), nullable=True))
        batch.add_column(
            sa.Column("sla_due_at", domain.db.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_conversations_assignee_id_users"),
            "users",
            ["assignee_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            op.f("ix_conversations_tenant_id_priority_rank_sla_due_at_opened_at_id"),
            ["tenant_id", "priority_rank", "sla_due_at", "opened_at", "id"],
        )
        batch.create_index(
            op.f("ix_conversations_tenant_id_assignee_id_status"),
            ["tenant_id", "assignee_id", "status"],
        )
    op.create_table(
        "conversation_notes",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("author_kind", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", domain.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_notes_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_conversation_notes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_notes")),
    )
    op.create_index(
        op.f("ix_conversation_notes_tenant_id_conversation_id_created_at"),
        "conversation_notes",
        ["tenant_id", "conversation_id", "created_at"],
    )
    op.create_index(op.f("ix_conversation_notes_tenant_id"), "conversation_notes", ["tenant_id"])
    enable_tenant_rls("conversation_notes")


def downgrade() -> None:
    disable_tenant_rls("conversation_notes")
    op.drop_table("conversation_notes")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index(op.f("ix_conversations_tenant_id_assignee_id_status"))
        batch.drop_index(op.f("ix_conversations_tenant_id_priority_rank_sla_due_at_opened_at_id"))
        batch.drop_constraint(op.f("fk_conversations_assignee_id_users"), type_="foreignkey")
        batch.drop_column("sla_due_at")
        batch.drop_column("handled_by")
        batch.drop_column("snoozed_until")
        batch.drop_column("assignee_id")
        batch.drop_column("priority_rank")
