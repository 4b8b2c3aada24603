"""A minimal Django app for the django-fsm-2 peer of ``benchmarks/case_peers.py``.

:func:`use_database` configures Django in code (once per process: the sqlite3 engine, this app,
no migrations) and points the default connection at a SQLite file with the pragmas the library's
connection runs; a later call points it at another file. The models live in :mod:`.models`,
imported only once Django is set up.
"""

from __future__ import annotations

from pathlib import Path

import django
from django.conf import settings
from django.db import connections

_APP = "benchmarks.peer_django"


def use_database(path: Path, *, journal_mode: str, synchronous: int) -> None:
    """Make ``path`` Django's default database: WAL (or whatever ``journal_mode`` is), the given
    ``synchronous`` level, and write transactions begun with ``BEGIN IMMEDIATE``."""
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # Django >= 5.1: atomic() opens BEGIN IMMEDIATE, as the library and the floors do.
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                f"PRAGMA journal_mode = {journal_mode}; PRAGMA synchronous = {synchronous}"
            ),
        },
    }
    if not settings.configured:
        settings.configure(
            DEBUG=False,  # True would keep every query in memory
            USE_TZ=True,
            INSTALLED_APPS=[_APP],
            DATABASES={"default": database},
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        )
        django.setup()
        return
    connections.close_all()
    connections.settings["default"].update(database)
    del connections["default"]  # the next use opens a new connection with these settings
