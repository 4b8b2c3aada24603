"""Fresh databases on the test servers: a schema on PostgreSQL, a database on MariaDB/MySQL.

The servers are the ones this machine kind runs (see .ci/run); their URLs can be changed with
REVIEWFLOW_TEST_POSTGRES and REVIEWFLOW_TEST_MYSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import psycopg
import pymysql

PG_URL = os.environ.get("REVIEWFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("REVIEWFLOW_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")

_leftovers: list[Callable[[], None]] = []


def fresh_postgres() -> tuple[str, Callable[[], None]]:
    """A URL to a new empty schema, and how to drop it."""
    name = f"rf_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f"CREATE SCHEMA {name}")

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

    return f"{PG_URL}?options=-csearch_path%3D{name}", drop


def fresh_mysql() -> tuple[str, Callable[[], None]]:
    """A URL to a new empty database, and how to drop it."""
    name = f"rf_{uuid.uuid4().hex[:12]}"
    base = urlsplit(MYSQL_URL)

    def admin() -> pymysql.connections.Connection:  # type: ignore[type-arg]
        return pymysql.connect(
            host=base.hostname, port=base.port or 3306, user=base.username or "root",
            password=base.password or "", autocommit=True, connect_timeout=5,
        )  # fmt: skip

    with admin() as conn:
        conn.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")

    def drop() -> None:
        with admin() as conn:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")

    return base._replace(path=f"/{name}").geturl(), drop


def later(fresh: Callable[[], tuple[str, Callable[[], None]]]) -> str:
    """A fresh database whose drop waits for the end of the session (see conftest)."""
    url, drop = fresh()
    _leftovers.append(drop)
    return url


def drop_all() -> None:
    """Drop every database :func:`later` made."""
    while _leftovers:
        _leftovers.pop()()
