"""reviewflow schema 5: The effective-dated roster (R-ROSTER-1): an organization's founding day,
the day its head took office and its former heads' terms; a member's former organizations (each
until the day of the transfer).

Revision ID: reviewflow_0005
Revises: reviewflow_0004
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0005"
down_revision = "reviewflow_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(5)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
