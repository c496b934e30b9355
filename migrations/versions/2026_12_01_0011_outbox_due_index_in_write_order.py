"""Outbox: the pending-rows index orders rows due together by when they were written.

Rows written by one transaction are due at the same moment; `created_at` keeps
their order (inbox events of one change are written a microsecond apart, and
subscribers must see them in that order). Replaces the index of `20261201_0010`
with one that ends in `created_at, id`, the order `claim_due_messages` now uses.

Revision ID: 20261201_0011
Revises: 20261201_0010
Create Date: 2026-12-01 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_0011"
down_revision: str | None = "20261201_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.drop_index(op.f("ix_outbox_tenant_id_topic_next_attempt_at_id"), table_name="outbox")
    op.create_index(
        op.f("ix_outbox_tenant_id_topic_next_attempt_at_created_at_id"),
        "outbox",
        ["tenant_id", "topic", "next_attempt_at", "created_at", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_outbox_tenant_id_topic_next_attempt_at_created_at_id"), table_name="outbox"
    )
    op.create_index(
        op.f("ix_outbox_tenant_id_topic_next_attempt_at_id"),
        "outbox",
        ["tenant_id", "topic", "next_attempt_at", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
