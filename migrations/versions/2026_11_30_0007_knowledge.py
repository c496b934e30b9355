"""Q&A entries and versions, tone guideline versions, approvals.

Every table is tenant-owned and gets forced row-level security on PostgreSQL.
At most one approval request per subject is pending (a partial unique index,
which both PostgreSQL and SQLite support).

Revision ID: 20261130_0007
Revises: 20261130_0006
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import domain.db.types
from migrations.rls import disable_tenant_rls, enable_tenant_rls

revision: str = "20261130_0007"
down_revision: str | None = "20261130_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_OWNED_TABLES = (
    "qna_entries",
    "qna_versions",
    "tone_guideline_versions",
    "approval_requests",
    "approval_decisions",
    "approval_digest_items",
)

_VERSION_STATES = ("draft", "pending_approval", "approved", "changes_requested", "rejected")
_SUBJECT_KINDS = ("qna_version", "tone_version", "reply")
_APPROVAL_STATUSES = ("pending", "approved", "rejected", "changes_requested")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time() -> domain.db.types.UtcDateTime:
    return domain.db.types.UtcDateTime(timezone=True)


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def _common(table: str) -> list[Any]:
    """tenant_id, id, created_at, the tenant foreign key and the primary key."""
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f(f"fk_{table}_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _brand_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["brand_id"], ["brands.id"], name=op.f(f"fk_{table}_brand_id_brands"), ondelete="CASCADE"
    )


def _tenant_index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_tenant_id"), table, ["tenant_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "qna_entries",
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("external_key", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("status", _enum(_VERSION_STATES, "versionstate"), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("approved_version", sa.Integer(), nullable=True),
        sa.Column("review_at", _time(), nullable=True),
        sa.Column("retired_at", _time(), nullable=True),
        *_common("qna_entries"),
        _brand_fk("qna_entries"),
        sa.UniqueConstraint(
            "tenant_id",
            "brand_id",
            "external_key",
            name=op.f("uq_qna_entries_tenant_id_brand_id_external_key"),
        ),
    )
    _tenant_index("qna_entries")
    op.create_index(
        op.f("ix_qna_entries_tenant_id_brand_id_language"),
        "qna_entries",
        ["tenant_id", "brand_id", "language"],
        unique=False,
    )

    op.create_table(
        "qna_versions",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question_variants", _json(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("state", _enum(_VERSION_STATES, "versionstate"), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", _time(), nullable=True),
        *_common("qna_versions"),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["qna_entries.id"],
            name=op.f("fk_qna_versions_entry_id_qna_entries"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "entry_id",
            "number",
            name=op.f("uq_qna_versions_tenant_id_entry_id_number"),
        ),
    )
    _tenant_index("qna_versions")
    op.create_index(op.f("ix_qna_versions_entry_id"), "qna_versions", ["entry_id"], unique=False)

    op.create_table(
        "tone_guideline_versions",
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("config", _json(), nullable=False),
        sa.Column("state", _enum(_VERSION_STATES, "versionstate"), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", _time(), nullable=True),
        *_common("tone_guideline_versions"),
        _brand_fk("tone_guideline_versions"),
        sa.UniqueConstraint(
            "tenant_id",
            "brand_id",
            "language",
            "number",
            name=op.f("uq_tone_guideline_versions_tenant_id_brand_id_language_number"),
        ),
    )
    _tenant_index("tone_guideline_versions")
    op.create_index(
        op.f("ix_tone_guideline_versions_tenant_id_brand_id_language_state"),
        "tone_guideline_versions",
        ["tenant_id", "brand_id", "language", "state"],
        unique=False,
    )

    op.create_table(
        "approval_requests",
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("subject_kind", _enum(_SUBJECT_KINDS, "subjectkind"), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("status", _enum(_APPROVAL_STATUSES, "approvalstatus"), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", _time(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        *_common("approval_requests"),
        _brand_fk("approval_requests"),
    )
    _tenant_index("approval_requests")
    op.create_index(
        op.f("ix_approval_requests_tenant_id_brand_id_status"),
        "approval_requests",
        ["tenant_id", "brand_id", "status"],
        unique=False,
    )
    op.create_index(
        "uq_approval_requests_pending_subject",
        "approval_requests",
        ["tenant_id", "subject_kind", "subject_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "approval_decisions",
        sa.Column("approval_id", sa.Uuid(), nullable=False),
        sa.Column("brand_id", sa.Uuid(), nullable=False),
        sa.Column("subject_kind", _enum(_SUBJECT_KINDS, "subjectkind"), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_label", sa.String(length=500), nullable=False),
        sa.Column("decision", _enum(_APPROVAL_STATUSES, "approvalstatus"), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_by_role", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", _time(), nullable=False),
        *_common("approval_decisions"),
        _brand_fk("approval_decisions"),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_decisions_approval_id_approval_requests"),
            ondelete="CASCADE",
        ),
    )
    _tenant_index("approval_decisions")
    op.create_index(
        op.f("ix_approval_decisions_approval_id"),
        "approval_decisions",
        ["approval_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_approval_decisions_tenant_id_brand_id_decided_at"),
        "approval_decisions",
        ["tenant_id", "brand_id", "decided_at"],
        unique=False,
    )

    op.create_table(
        "approval_digest_items",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", _time(), nullable=False),
        *_common("approval_digest_items"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_approval_digest_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_digest_items_approval_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "approval_id",
            name=op.f("uq_approval_digest_items_tenant_id_user_id_approval_id"),
        ),
    )
    _tenant_index("approval_digest_items")
    op.create_index(
        op.f("ix_approval_digest_items_approval_id"),
        "approval_digest_items",
        ["approval_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_approval_digest_items_tenant_id_user_id_sent_at"),
        "approval_digest_items",
        ["tenant_id", "user_id", "sent_at"],
        unique=False,
    )

    for table in TENANT_OWNED_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TENANT_OWNED_TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
