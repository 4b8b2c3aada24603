"""reviewflow schema 8: The outbox (:mod:`reviewflow.store.outbox`): the notifications queued with
the changes they tell of, each with its delivery's state, due time (UTC text of fixed width, so
that text order is time order), failed attempts and last error.

Revision ID: reviewflow_0008
Revises: reviewflow_0007
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0008"
down_revision = "reviewflow_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(8)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
