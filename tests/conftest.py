"""Shared fixtures: Hypothesis profiles and the scenario's service on the in-memory store."""

from __future__ import annotations

import os
from datetime import date

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
