"""The library's schema as Django migrations: one migration per schema version
(``migrations/000N_schema_N.py``), each running the library's own statements for that version
(:data:`reviewflow.store.sql.MIGRATIONS` and the dialect's) on the migration's connection.

Adding schema version N to the library adds ``migrations/000N_schema_N.py``: a copy of the
previous one with the numbers changed (a test fails until it is there).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def schema_version(version: int) -> Any:
    """The migration operation that brings the library's tables to schema ``version``, in the
    database ``REVIEWFLOW["DATABASE"]`` only (on another database it does nothing). A database
    already at ``version`` or later, set up by ``reviewflow db upgrade`` before the project
    took the app in, is left as it is."""

    def forward(_apps: Any, schema_editor: Any) -> None:
        from reviewflow.contrib.django import database, make_store  # noqa: PLC0415 - settings

        alias = schema_editor.connection.alias
        if alias != database():
            return
        make_store(alias, check=False).upgrade(to=version)

    forward.__name__ = f"to_schema_{version}"
    forward.__qualname__ = forward.__name__
    # Not wrapped in a transaction of its own: where DDL is transactional (SQLite,
    # PostgreSQL) the migration is one already, and each version's statements run in a
    # savepoint in it; MySQL commits DDL as it goes, which would end any savepoint around it.
    return migrations.RunPython(forward, reverse_code=None, atomic=False, elidable=False)
