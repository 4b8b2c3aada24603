"""reviewflow schema 3: SQLite keeps the history in a table of its own again, in order of writing,
with its primary key's index beside it (as schema 1 did).

Revision ID: reviewflow_0003
Revises: reviewflow_0002
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0003"
down_revision = "reviewflow_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(3)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
