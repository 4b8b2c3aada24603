"""Settings of the host project: its own app (visits) beside reviewflow's.

The database is the URL in HOST_DATABASE: ``sqlite:///path.db``,
``postgresql://user@host:port/db?options=-csearch_path%3Dschema`` or
``mysql://user@host:port/db`` (what tests/servers.py makes).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def database(url: str) -> dict[str, Any]:
    """Django's DATABASES entry for ``url``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parts.path,
            # Writers wait for each other instead of failing (reviewflow.W001; the test of
            # that warning turns it off with HOST_SQLITE_TRANSACTION_MODE=DEFERRED).
            "OPTIONS": {
                "transaction_mode": os.environ.get("HOST_SQLITE_TRANSACTION_MODE", "IMMEDIATE"),
                "timeout": 20,
            },
        }
    if parts.scheme == "mysql":
        # Django's MySQL backend speaks MySQLdb's interface; PyMySQL provides it (the driver
        # reviewflow drives), declared as the mysqlclient version Django asks for.
        import pymysql  # noqa: PLC0415 - only for a MySQL database

        pymysql.version_info = (2, 2, 1, "final", 0)
        pymysql.install_as_MySQLdb()
        engine, options = "mysql", {"charset": "utf8mb4"}
    else:  # options=-csearch_path=...: the test's own PostgreSQL schema
        engine, options = "postgresql", {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }


SECRET_KEY = "host-project-for-tests"  # noqa: S105 - a test project
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
INSTALLED_APPS = ["reviewflow.contrib.django", "visits"]
ROOT_URLCONF = "hostsite.urls"
DATABASES = {"default": database(os.environ["HOST_DATABASE"])}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
REVIEWFLOW = {"DATABASE": "default"}
LOGGING = {"version": 1, "disable_existing_loggers": False}
