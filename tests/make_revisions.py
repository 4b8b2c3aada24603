"""Write the Alembic revision of each schema version that has none yet
(src/reviewflow/contrib/migrations/, one file per version; see reviewflow.contrib.sqlalchemy).

Run after adding a schema version: ``.venv/bin/python tests/make_revisions.py``.
tests/test_contrib_sqlalchemy.py fails while a version has no revision.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from reviewflow.store.sql import MIGRATIONS

HERE = Path(__file__).parent.parent / "src" / "reviewflow" / "contrib" / "migrations"

TEMPLATE = '''"""{summary}

Revision ID: {revision}
Revises: {down}
"""

from __future__ import annotations

from reviewflow.contrib.sqlalchemy import alembic_upgrade

revision = "{revision}"
down_revision = {down_repr}
branch_labels = {labels}
depends_on = None


def upgrade() -> None:
    alembic_upgrade({version})


def downgrade() -> None:
    raise NotImplementedError("reviewflow has no downgrades: restore the backup taken before")
'''


def revision_id(version: int) -> str:
    """The Alembic revision id of schema ``version``."""
    return f"reviewflow_{version:04d}"


def revision_text(version: int) -> str:
    """The revision file of schema ``version``."""
    doc = " ".join((MIGRATIONS[version].__doc__ or "").split()).split(". ")[0].rstrip(".")
    first = f"reviewflow schema {version}: {doc or 'see reviewflow.store.sql.schema'}."
    summary = textwrap.fill(first, width=96)
    down = revision_id(version - 1) if version > 1 else None
    return TEMPLATE.format(
        version=version,
        summary=summary,
        revision=revision_id(version),
        down=down or "(none: the branch's base)",
        down_repr=f'"{down}"' if down else "None",
        labels='("reviewflow",)' if version == 1 else "None",
    )


def main() -> None:
    for version in MIGRATIONS:
        path = HERE / f"{revision_id(version)}.py"
        if not path.exists():
            path.write_text(revision_text(version), encoding="utf-8")
            print(f"wrote {path}")  # noqa: T201


if __name__ == "__main__":
    main()
