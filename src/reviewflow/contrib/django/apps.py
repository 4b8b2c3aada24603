"""The app's configuration: its label (``reviewflow``) and its system checks."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class ReviewflowConfig(AppConfig):  # type: ignore[misc] # Django ships no types
    name = "reviewflow.contrib.django"
    label = "reviewflow"
    verbose_name = "领导点评"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        checks.register(check_settings)


def check_settings(**_kwargs: Any) -> list[checks.CheckMessage]:
    """reviewflow.W001: on SQLite, two requests that step one review each begin a deferred
    transaction, read, and then both want the write lock: one fails with "database is locked"
    instead of waiting. ``"transaction_mode": "IMMEDIATE"`` makes the second wait for the
    first, and then see its change (a ConcurrencyConflict, not a lost update)."""
    from django.conf import settings  # noqa: PLC0415 - read when the check runs

    from reviewflow.contrib.django import database  # noqa: PLC0415

    found: list[checks.CheckMessage] = []
    alias = database()
    config = settings.DATABASES[alias]
    mode = str(config.get("OPTIONS", {}).get("transaction_mode") or "").upper()
    if config.get("ENGINE", "").endswith("sqlite3") and mode != "IMMEDIATE":
        found.append(
            checks.Warning(
                f"the SQLite database {alias!r} begins deferred transactions: two requests "
                "on one review may fail with 'database is locked' instead of waiting",
                hint=f'set DATABASES[{alias!r}]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"',
                id="reviewflow.W001",
            )
        )
    return found
