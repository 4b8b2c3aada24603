"""reviewflow schema 7: A slot opened again (R-REOPEN): each review keeps its round
(``slot_round``, 1 for every review already there), and the one-per-slot constraint takes it in
(``reviews_one_per_round``), so a cancelled review's slot can hold a later review, and
scheduling still creates nothing twice (R-CAD-4).

Revision ID: reviewflow_0007
Revises: reviewflow_0006
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0007"
down_revision = "reviewflow_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(7)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
