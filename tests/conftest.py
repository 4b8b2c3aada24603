"""Shared fixtures: Hypothesis profiles and the scenario's service on the in-memory store."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest
from hypothesis import HealthCheck, settings

import reviewflow as rf
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
# The SQL adapters are tested against real servers. Locally a missing server skips its tests with
# the reason; in CI (CI=true) it fails them: CI must never skip them.

PG_URL = os.environ.get("REVIEWFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("REVIEWFLOW_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); start it (see .ci/run)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the server: {message}")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    name = f"rf_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.OperationalError as error:
        _unavailable("PostgreSQL", error)
    with admin:
        admin.execute(f"CREATE SCHEMA {name}")
        try:
            yield f"{PG_URL}?options=-csearch_path%3D{name}"
        finally:
            admin.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A URL to a fresh, empty database on the test MariaDB/MySQL server, dropped afterwards."""
    name = f"rf_{uuid.uuid4().hex[:12]}"
    base = urlsplit(MYSQL_URL)
    try:
        admin = pymysql.connect(
            host=base.hostname, port=base.port or 3306, user=base.username or "root",
            password=base.password or "", autocommit=True,
        )  # fmt: skip
    except pymysql.err.OperationalError as error:
        _unavailable("MariaDB/MySQL", error)
    with admin:
        admin.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        try:
            yield base._replace(path=f"/{name}").geturl()
        finally:
            admin.cursor().execute(f"DROP DATABASE {name}")
