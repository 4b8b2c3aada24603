"""reviewflow schema 2: Cheaper steps: a step changes a review's state, version and digest and adds
one history entry, so no index of ``reviews`` holds those columns any longer (PostgreSQL can
then update the row in place, a HOT update, and leaves room for it in each page), and SQLite
keeps the history in its primary key's own b-tree (``WITHOUT ROWID``): one b-tree written per
entry instead of two.

Revision ID: reviewflow_0002
Revises: reviewflow_0001
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0002"
down_revision = "reviewflow_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(2)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
