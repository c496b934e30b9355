"""Replies: drafts, deliveries, twin conversations.

Both tables are tenant-owned and get forced row-level security on PostgreSQL.

Revision ID: 20261130_0008
Revises: 20261130_0007
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0008"
down_revision: str | None = "20261130_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED_TABLES = ("replies", "conversation_twins")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamp(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, domain.db.types.UtcDateTime(timezone=True), nullable=nullable)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade() -> None:
    op.create_table(
        "replies",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("in_reply_to_mention_id", sa.Uuid(), nullable=True),
        sa.Column("author_user_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            _enum("replykind", "public_reply", "private_message", "reaction"),
            nullable=False,
        ),
        sa.Column(
            "status",
            _enum(
                "replystatus",
                "draft",
                "pending_approval",
                "approved",
                "queued",
                "sending",
                "sent",
                "failed",
                "cancelled",
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reaction", sa.String(length=20), nullable=True),
        sa.Column("tone_findings", _json(), nullable=False),
        sa.Column("qna_version_ids", _json(), nullable=False),
        sa.Column("tone_version_id", sa.Uuid(), nullable=True),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("approval_reasons", _json(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("platform_message_id", sa.String(length=200), nullable=True),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        _timestamp("submitted_at"),
        _timestamp("queued_at"),
        _timestamp("last_attempt_at"),
        _timestamp("sent_at"),
        sa.Column("twin_conversation_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_replies_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_replies_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_replies_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_replies_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["in_reply_to_mention_id"],
            ["mentions.id"],
            name=op.f("fk_replies_in_reply_to_mention_id_mentions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_replies_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["twin_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_replies_twin_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_replies_tenant_id_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_replies_tenant_id_conversation_id_created_at"),
        "replies",
        ["tenant_id", "conversation_id", "created_at"],
    )
    op.create_index(
        op.f("ix_replies_tenant_id_brand_id_status"), "replies", ["tenant_id", "brand_id", "status"]
    )
    op.create_index(op.f("ix_replies_tenant_id"), "replies", ["tenant_id"])

    op.create_table(
        "conversation_twins",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("twin_conversation_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_twins_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_conversation_twins_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["twin_conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_twins_twin_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_twins")),
        sa.UniqueConstraint(
            "tenant_id",
            "conversation_id",
            name=op.f("uq_conversation_twins_tenant_id_conversation_id"),
        ),
    )
    op.create_index(op.f("ix_conversation_twins_tenant_id"), "conversation_twins", ["tenant_id"])

    for table in TENANT_OWNED_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TENANT_OWNED_TABLES):
        disable_tenant_rls(table)
    op.drop_index(op.f("ix_conversation_twins_tenant_id"), table_name="conversation_twins")
    op.drop_table("conversation_twins")
    op.drop_index(op.f("ix_replies_tenant_id"), table_name="replies")
    op.drop_index(op.f("ix_replies_tenant_id_brand_id_status"), table_name="replies")
    op.drop_index(op.f("ix_replies_tenant_id_conversation_id_created_at"), table_name="replies")
    op.drop_table("replies")
