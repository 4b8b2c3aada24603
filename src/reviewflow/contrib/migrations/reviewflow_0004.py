"""reviewflow schema 4: PostgreSQL: each history entry keeps the id of the transaction that wrote
it (``xid``, from ``pg_current_xact_id()``), so that coverage can ask for what was written after
the snapshot its facts were counted in (``coverage_changes``): serial numbers are not committed
in their order, transaction ids against a snapshot say exactly which writes it saw.

Revision ID: reviewflow_0004
Revises: reviewflow_0003
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "reviewflow_0004"
down_revision = "reviewflow_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    alembic_upgrade(4)


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
