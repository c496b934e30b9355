"""SLA policies and clocks, teams and agent availability, brand events.

Revision ID: 20261130_0006
Revises: 20261130_0005
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

revision: str = "20261130_0006"
down_revision: str | None = "20261130_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
