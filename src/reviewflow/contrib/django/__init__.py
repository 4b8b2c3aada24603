"""reviewflow in a Django project: add ``"reviewflow.contrib.django"`` to ``INSTALLED_APPS``.

- :func:`service` is a :class:`~reviewflow.ReviewService` whose store runs on Django's own
  connection to the configured database, each write inside ``transaction.atomic`` (a savepoint
  in the view's atomic block, a transaction of its own outside one), its events delivered by
  ``transaction.on_commit`` (the :data:`review_event` signal, or the service's own listeners);
- ``manage.py migrate`` creates and upgrades the library's tables (a migration per schema
  version, running the library's own DDL);
- ``manage.py reviewflow ...`` is the ``reviewflow`` command line on that database.

Settings (all optional)::

    REVIEWFLOW = {
        "DATABASE": "default",          # the alias of the database the tables live in
        "POLICY": "policy.toml",        # a policy file (docs/policy.md), or a reviewflow.Policy
        "CALENDAR": "holidays.toml",    # a holiday calendar file for later years
    }

A service is made once per thread and database (Django's connections are per thread): it
keeps its parsed reviews and the roster between requests, and finds the thread's current
connection at each transaction, so a connection Django closed or replaced is no matter.
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.dispatch import Signal

import reviewflow as rf
from reviewflow.events import Event
from reviewflow.store.sql import (
    Dialect,
    HostTransaction,
    MysqlDialect,
    PostgresDialect,
    SchemaMismatch,
    SqliteDialect,
    SqlStore,
)
from reviewflow.store.sql.dialect import Connection

__all__ = ["VENDORS", "database", "make_store", "review_event", "service"]

_log = logging.getLogger(__name__)

VENDORS: dict[str, type[Dialect]] = {
    "sqlite": SqliteDialect,
    "postgresql": PostgresDialect,
    "mysql": MysqlDialect,
}
"""Django's ``connection.vendor`` → the dialect that speaks to that database."""

_DRIVER_HINTS = {
    "postgresql": "install psycopg 3 (pip install 'reviewflow[postgres]'); Django uses it "
    "in preference to psycopg2 once it is installed",
    "mysql": "reviewflow drives MySQL through PyMySQL, not mysqlclient: have Django use "
    "PyMySQL in its place (pymysql.install_as_MySQLdb() in settings; see docs/django.md)",
}

review_event = Signal()
"""Sent with ``event=`` (a :class:`reviewflow.events.Event`) for each event of a change, once
the transaction that made it commits; never for a change rolled back. Receivers that raise are
logged and skipped."""

_threads = threading.local()


def _settings() -> dict[str, Any]:
    found = getattr(settings, "REVIEWFLOW", {})
    if not isinstance(found, dict):
        raise ImproperlyConfigured("settings.REVIEWFLOW must be a dict (see docs/django.md)")
    unknown = set(found) - {"DATABASE", "POLICY", "CALENDAR"}
    if unknown:
        raise ImproperlyConfigured(
            f"settings.REVIEWFLOW has unknown keys {sorted(unknown)}; "
            "it knows DATABASE, POLICY and CALENDAR"
        )
    return found


def database() -> str:
    """The alias of the database reviewflow's tables live in (``REVIEWFLOW["DATABASE"]``)."""
    alias = _settings().get("DATABASE", "default")
    if alias not in settings.DATABASES:
        raise ImproperlyConfigured(
            f'settings.REVIEWFLOW["DATABASE"] is {alias!r}, which is not in settings.DATABASES'
        )
    return str(alias)


def _dialect(alias: str) -> Dialect:
    """The dialect of the database ``alias``, once its driver is known to be one it drives."""
    wrapper = connections[alias]
    kind = VENDORS.get(wrapper.vendor)
    if kind is None:
        raise ImproperlyConfigured(
            f"reviewflow cannot keep its tables in the {wrapper.vendor} database {alias!r}; "
            f"it runs on {', '.join(VENDORS)}"
        )
    dialect = kind()
    wrapper.ensure_connection()
    if not dialect.drives(wrapper.connection):
        driver = type(wrapper.connection).__module__.partition(".")[0]
        raise ImproperlyConfigured(
            f"the database {alias!r} is {wrapper.vendor} through {driver}, which reviewflow "
            f"does not drive: {_DRIVER_HINTS.get(wrapper.vendor, 'use another database')}"
        )
    return dialect


def make_store(alias: str, *, check: bool = True) -> SqlStore:
    """A store on Django's connection ``alias`` (the current thread's, found at each
    transaction), each write inside ``transaction.atomic(using=alias)``. ``check=False``
    opens it whatever its schema version (the migrations do, to upgrade it)."""
    dialect = _dialect(alias)

    def connection() -> Connection:
        wrapper = connections[alias]
        wrapper.ensure_connection()  # Django opens one lazily, and again after closing it
        conn: Connection = wrapper.connection
        return conn

    source = HostTransaction(connection, nested=functools.partial(transaction.atomic, alias))
    try:
        return SqlStore(f"django://{alias}", dialect, source=source, check=check)
    except SchemaMismatch as error:
        if error.found > error.expected:
            raise
        # Not migrated yet: the project's migrations bring the schema, not reviewflow's command.
        raise SchemaMismatch(
            error.url, error.found, error.expected, upgrade="python manage.py migrate reviewflow"
        ) from None


def service(using: str | None = None) -> rf.ReviewService:
    """The :class:`~reviewflow.ReviewService` on the database ``using`` (default:
    :func:`database`) for this thread, made on first use. Its writes join the caller's
    ``transaction.atomic`` block; its listeners and :data:`review_event` hear of a change once
    Django commits it."""
    alias = using if using is not None else database()
    services: dict[str, rf.ReviewService] = _threads.__dict__.setdefault("services", {})
    found = services.get(alias)
    if found is None:
        found = services[alias] = _make_service(alias)
    return found


def _make_service(alias: str) -> rf.ReviewService:
    options = _settings()
    policy = options.get("POLICY")
    if policy is not None and not isinstance(policy, rf.Policy):
        policy = rf.Policy.load(policy)
    calendar = options.get("CALENDAR")
    made = rf.ReviewService(
        make_store(alias),
        policy=policy,
        calendar=rf.HolidayCalendar.load(calendar) if calendar is not None else None,
        after_commit=functools.partial(transaction.on_commit, using=alias),
    )
    made.subscribe(_send_review_event)
    return made


def _send_review_event(event: Event) -> None:
    for receiver, outcome in review_event.send_robust(sender=rf.ReviewService, event=event):
        if isinstance(outcome, Exception):
            _log.error(
                "review_event receiver %r failed on %s",
                receiver,
                type(event).__name__,
                exc_info=outcome,
            )
