"""reviewflow schema 1: The roster, the reviews, their history and ledger items, the attempt log,
the orders and the exemplars.

Revision ID: reviewflow_0001
Revises: (none: the branch's base)
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0001"
down_revision = None
branch_labels = ("reviewflow",)
depends_on = None


def upgrade() -> None:
    alembic_upgrade(1)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
