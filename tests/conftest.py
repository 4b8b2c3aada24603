"""Shared fixtures: Hypothesis profiles and the scenario's service on the in-memory store."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pymysql
import pytest
from hypothesis import HealthCheck, settings

import reviewflow as rf
import servers
from reviewflow.demo import OFFICE, scenario_service

# dev: quick, for the edit-test loop; ci: thorough, chosen when CI=true. No test is timed:
# the per-example deadline is off, so a slow machine cannot fail a property.
settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)


@pytest.fixture
def service() -> rf.ReviewService:
    """The scenario's roster (区卫生局党委 ...) on a fresh in-memory store, clock on 2023-12-28."""
    return scenario_service(today=date(2023, 12, 28))


@pytest.fixture
def office() -> str:
    """The office staff id of the scenario."""
    return OFFICE


# -- database servers ----------------------------------------------------------------------------
# The SQL adapters are tested against real servers (tests/servers.py). Locally a missing server
# skips its tests with the reason; in CI (CI=true) it fails them: CI must never skip them.


def _server(fresh: Callable[[], tuple[str, Callable[[], None]]], what: str) -> Iterator[str]:
    try:
        url, drop = fresh()
    except (psycopg.OperationalError, pymysql.err.OperationalError) as error:
        message = f"{what} is not reachable ({error}); start it (see .ci/run)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the server: {message}")
        pytest.skip(message)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    yield from _server(servers.fresh_postgres, "PostgreSQL")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A URL to a fresh, empty database on the test MariaDB/MySQL server, dropped afterwards."""
    yield from _server(servers.fresh_mysql, "MariaDB/MySQL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("mysql", marks=pytest.mark.mysql)])  # fmt: skip
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to a fresh, empty database of each kind: SQLite, PostgreSQL, MariaDB/MySQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reviews.db'}"
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session", autouse=True)
def _drop_leftover_databases() -> Iterator[None]:
    """Drop what the agreement tests created per example, once the session ends."""
    yield
    servers.drop_all()


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def any_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[rf.ReviewService]:
    """The scenario on each store: memory, SQLite, PostgreSQL, MariaDB."""
    kind = request.param
    if kind in ("memory", "sqlite"):
        url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'reviews.db'}"
    else:
        url = request.getfixturevalue(f"{kind}_url")
    service = scenario_service(url, today=date(2023, 12, 28))
    yield service
    service.store.close()
