"""What the host project does, one scenario a run: ``python scenarios.py NAME`` with
HOST_DATABASE set, after ``manage.py migrate``. Each prints what it saw as one JSON line, for
tests/test_contrib_django.py to check; the database is read back from outside Django (a store
of the library's own on HOST_DATABASE) where the test asks what was committed.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")

import django

django.setup()

from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from visits.models import Visit  # noqa: E402

import reviewflow as rf  # noqa: E402
import reviewflow.contrib.django as rf_django  # noqa: E402
from reviewflow.demo import OFFICE, scenario_roster  # noqa: E402

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
QUARTER = rf.Period.parse(f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}")


class HostFailed(Exception):
    """The host's own failure after the step, which rolls back its transaction."""


def prepared() -> rf.ReviewService:
    """The thread's service, with the scenario's roster imported and the quarter scheduled."""
    service = rf_django.service()
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    service.schedule(OFFICE, QUARTER)
    return service


def review_of(service: rf.ReviewService, subject: str) -> rf.Review:
    return next(r for r in service.reviews(OFFICE, within=QUARTER) if r.subject_id == subject)


def heard() -> list[str]:
    """The names of the events review_event delivers from now on (the list fills as they come)."""
    names: list[str] = []

    def receiver(sender: object, event: rf.events.Event, **_: Any) -> None:
        names.append(type(event).__name__)

    rf_django.review_event.connect(receiver, weak=False)
    return names


def outside(review_id: str) -> dict[str, Any]:
    """What another process sees: the review's state and history, the host's visits, verify."""
    service = rf.ReviewService(rf.open_store(os.environ["HOST_DATABASE"]))
    try:
        return {
            "state": service.review(OFFICE, review_id).state.value,
            "history": [e.action for e in service.history(OFFICE, review_id)],
            "verify": [str(t) for t in service.verify(OFFICE)],
            "visits": sorted(Visit.objects.values_list("note", flat=True)),
        }
    finally:
        service.store.close()


def scenario_commit() -> dict[str, Any]:
    service = prepared()
    review = review_of(service, "hospital")
    names = heard()
    with transaction.atomic():
        Visit.objects.create(review_id=review.id, note="走访市医院")
        service.start(review.reviewer_id, review.id)
        heard_inside = list(names)
    return {"heard_inside": heard_inside, "heard_after": names, **outside(review.id)}


def scenario_rollback() -> dict[str, Any]:
    service = prepared()
    review = review_of(service, "hospital")
    names = heard()

    def visit_then_fail() -> None:
        Visit.objects.create(review_id=review.id, note="走访市医院")
        service.start(review.reviewer_id, review.id)
        raise HostFailed

    try:
        with transaction.atomic():
            visit_then_fail()
    except HostFailed:
        pass
    return {"heard_after": names, **outside(review.id)}


def scenario_view() -> dict[str, Any]:
    """Requests through the host's view (transaction.atomic): one that commits, one that
    fails after the step, one the library refuses."""
    service = prepared()
    hospital, cdc = review_of(service, "hospital"), review_of(service, "cdc")
    client = Client(raise_request_exception=False)
    ok = client.post(f"/visits/{hospital.id}/start", {"actor": hospital.reviewer_id, "note": "一"})
    failed = client.post(
        f"/visits/{cdc.id}/start", {"actor": cdc.reviewer_id, "note": "二", "fail": "1"}
    )
    refused = client.post(f"/visits/{cdc.id}/start", {"actor": OFFICE, "note": "三"})
    seen = outside(hospital.id)
    return {
        "statuses": [ok.status_code, failed.status_code, refused.status_code],
        "ok": ok.json(),
        "refused": refused.json(),
        "cdc": outside(cdc.id)["state"],
        **seen,
    }


def scenario_concurrent() -> dict[str, Any]:
    """Two requests, each in a thread of its own (its own Django connection, its own service),
    on one review: A steps inside its transaction and holds it; B reads the review (the form
    its user sees), steps with the version it read, and waits for A's lock; A commits; B is
    refused with ConcurrencyConflict."""
    review = review_of(prepared(), "hospital")
    a_stepped, a_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def in_thread(work: Callable[[], None]) -> threading.Thread:
        def run() -> None:
            try:
                work()
            finally:
                connections.close_all()  # the thread's own connection

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def request_a() -> None:
        with transaction.atomic():
            outcome["a"] = rf_django.service().start(review.reviewer_id, review.id).version
            a_stepped.set()
            a_may_commit.wait(30)

    def request_b() -> None:
        # The version the user saw on the form, sent back with the step (as the view does).
        service = rf_django.service()
        seen = outcome["b_read"] = service.review(review.reviewer_id, review.id).version
        try:
            with transaction.atomic():
                service.start(review.reviewer_id, review.id, expected_version=seen)
            outcome["b"] = "stepped"
        except rf.ReviewflowError as error:
            outcome["b"] = type(error).__name__

    a = in_thread(request_a)
    a_stepped.wait(30)
    b = in_thread(request_b)
    b.join(1.5)
    outcome["b_waited"] = b.is_alive()
    a_may_commit.set()
    a.join(30)
    b.join(30)
    return {**outcome, **outside(review.id)}


def scenario_migrations() -> dict[str, Any]:
    """reviewflow's migrations: each one's name, its operation and what it depends on."""
    import reviewflow.contrib.django.migrations as package  # noqa: PLC0415

    found = {}
    for name in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        migration = importlib.import_module(f"{package.__name__}.{name}").Migration
        found[name] = {
            "operations": [op.code.__name__ for op in migration.operations],
            "dependencies": [list(d) for d in migration.dependencies],
        }
    return found


def scenario_docs_receiver() -> dict[str, Any]:
    """docs/django.md's receiver, run: does it connect to review_event, and hear a step?"""
    page = (Path(__file__).parent.parent.parent / "docs" / "django.md").read_text("utf-8")
    (block,) = [
        b for b in re.findall(r"^```python\n(.*?)^```$", page, re.M | re.S) if "@receiver" in b
    ]
    before = rf_django.review_event.has_listeners()
    namespace: dict[str, Any] = {}
    exec(block, namespace)  # noqa: S102 - the page's own example
    after = rf_django.review_event.has_listeners()
    names = heard()
    service = prepared()
    review = review_of(service, "hospital")
    service.start(review.reviewer_id, review.id)
    disconnected = rf_django.review_event.disconnect(namespace["remind"])
    return {"before": before, "after": after, "disconnected": disconnected, "heard": names}


if __name__ == "__main__":
    print(json.dumps(globals()[f"scenario_{sys.argv[1]}"](), ensure_ascii=False))  # noqa: T201
