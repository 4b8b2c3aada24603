"""reviewflow schema 6: The office's records (R-SUPERVISE, R-EXEMPLAR, R-SUMMARY-SUBMIT):
inspections, the publicity of exemplars and the yearly summaries submitted, each a record in
order of writing like the exemplars; a submission keeps its year beside it, one per organization
and year.

Revision ID: reviewflow_0006
Revises: reviewflow_0005
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0006"
down_revision = "reviewflow_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(6)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
