"""Issue #15, async hosts: rf.AsyncReviewService runs the service on threads of its own.

Held here: it has every method of the service, with the service's signature and docstring; the
event loop keeps running while a step waits on a PostgreSQL row lock another connection holds;
coroutines racing on one database lose nothing (one ConcurrencyConflict where two write the same
review); errors, listeners and context variables arrive as documented; closing closes what it
made.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import runpy
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

import reviewflow as rf
from reviewflow.testing import CLOCK, OFFICE, scenario_on

QUARTER = "2023-Q4"
FACADE_OWN = {"run", "per_thread", "aclose"}


# -- the methods -----------------------------------------------------------------------------------


def _public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_every_method_of_the_service_is_a_coroutine_with_its_signature_and_docstring() -> None:
    methods = {
        n
        for n in _public(rf.ReviewService)
        if not isinstance(getattr(rf.ReviewService, n), property)
    }
    assert _public(rf.AsyncReviewService) == methods | FACADE_OWN
    for name in methods - {"subscribe"}:
        ours, theirs = getattr(rf.AsyncReviewService, name), getattr(rf.ReviewService, name)
        assert inspect.iscoroutinefunction(ours), name
        assert inspect.signature(ours) == inspect.signature(theirs), name
        if name != "forget_coverage":  # its own: it forgets in every thread's service
            assert ours.__wrapped__ is theirs, name
            assert ours.__doc__ == theirs.__doc__, name
    subscribe = rf.AsyncReviewService.subscribe
    assert not inspect.iscoroutinefunction(subscribe)
    assert inspect.signature(subscribe) == inspect.signature(rf.ReviewService.subscribe)


def test_workers_must_be_at_least_one() -> None:
    service = rf.ReviewService(rf.open_store("memory://"))
    with pytest.raises(rf.InvalidInput) as caught:
        rf.AsyncReviewService(service, workers=0)
    assert caught.value.params["field"] == "workers"


# -- a scenario on a database ----------------------------------------------------------------------


def _scheduled(url: str) -> list[rf.Review]:
    """The scenario's roster on ``url`` with 2023-Q4 scheduled; its member reviews."""
    store = rf.open_store(url)
    service = scenario_on(store)
    service.schedule(OFFICE, QUARTER)
    reviews = [r for r in store.reviews(rf.ReviewQuery()) if r.kind is rf.ReviewKind.MEMBER]
    store.close()
    return reviews


def _maker(url: str) -> Callable[[], rf.ReviewService]:
    return lambda: rf.ReviewService(rf.open_store(url), clock=lambda: CLOCK)


@pytest.fixture(params=["shared", "per_thread"])
def async_on(request: pytest.FixtureRequest) -> Iterator[Callable[[str], rf.AsyncReviewService]]:
    """How to make an async service over a URL: one shared service, or one per thread."""
    shared: list[rf.ReviewService] = []

    def make(url: str) -> rf.AsyncReviewService:
        if request.param == "per_thread":
            return rf.AsyncReviewService.per_thread(_maker(url), workers=4)
        service = _maker(url)()
        shared.append(service)
        return rf.AsyncReviewService(service, workers=4)

    yield make
    for service in shared:
        service.store.close()


def test_steps_on_different_reviews_at_once_all_succeed(
    empty_url: str, async_on: Callable[[str], rf.AsyncReviewService]
) -> None:
    reviews = _scheduled(empty_url)[:8]

    async def main() -> list[rf.Review]:
        async with async_on(empty_url) as aservice:
            return await asyncio.gather(
                *(aservice.start(r.reviewer_id, r.id, expected_version=r.version) for r in reviews)
            )

    started = asyncio.run(main())
    assert [r.id for r in started] == [r.id for r in reviews]
    store = rf.open_store(empty_url)
    for before in reviews:
        after = store.review(before.id)
        assert after is not None
        assert (after.state, after.version) == (rf.ReviewState.FACT_FINDING, before.version + 1)
    assert rf.ReviewService(store).verify(OFFICE) == ()
    store.close()


def test_two_writes_of_one_review_at_once_one_conflicts_and_nothing_is_lost(
    empty_url: str, async_on: Callable[[str], rf.AsyncReviewService]
) -> None:
    review = _scheduled(empty_url)[0]
    setup = _maker(empty_url)()
    review = setup.start(review.reviewer_id, review.id)
    setup.store.close()

    async def main() -> list[rf.Review | BaseException]:
        async with async_on(empty_url) as aservice:
            return await asyncio.gather(
                *(
                    aservice.report(
                        review.subject_id,
                        review.id,
                        summary=f"汇报{n}",
                        expected_version=review.version,
                    )
                    for n in range(2)
                ),
                return_exceptions=True,
            )

    outcomes = asyncio.run(main())
    conflicts = [o for o in outcomes if isinstance(o, rf.ConcurrencyConflict)]
    written = [o for o in outcomes if isinstance(o, rf.Review)]
    assert (len(written), len(conflicts)) == (1, 1), outcomes
    assert conflicts[0].params["expected"] == review.version
    store = rf.open_store(empty_url)
    after = store.review(review.id)
    assert after is not None
    assert after.version == review.version + 1
    assert [r.summary for r in after.reports] == [r.summary for r in written[0].reports]
    assert len(after.reports) == len(review.reports) + 1
    assert [a.error for a in store.attempts(review.id)] == ["ConcurrencyConflict"]
    assert rf.ReviewService(store).verify(OFFICE) == ()
    store.close()


# -- the event loop is not blocked -----------------------------------------------------------------


def _waiting_on_a_lock(url: str) -> int:
    """How many backends of this database wait on a lock (pg_stat_activity)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
@pytest.mark.parametrize("per_thread", [False, True], ids=["shared", "per_thread"])
def test_the_loop_keeps_running_while_a_step_waits_on_a_row_lock(
    postgres_url: str, per_thread: bool
) -> None:
    review = _scheduled(postgres_url)[0]
    holder = psycopg.connect(postgres_url)  # another host's transaction holds the review's row
    holder.execute("SELECT id FROM reviews WHERE id = %s FOR UPDATE", (review.id,))
    # Should the loop block after all, the lock goes after 10 s and the test fails, not hangs.
    safety = threading.Timer(10, holder.commit)
    safety.start()
    shared = None if per_thread else _maker(postgres_url)()

    async def main() -> tuple[int, int, rf.Review, bool]:
        aservice = (
            rf.AsyncReviewService.per_thread(_maker(postgres_url))
            if shared is None
            else rf.AsyncReviewService(shared)
        )
        async with aservice:
            ticks = 0

            async def heartbeat() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            beating = asyncio.create_task(heartbeat())
            step = asyncio.create_task(
                aservice.start(review.reviewer_id, review.id, expected_version=review.version)
            )
            # Until the step's UPDATE waits on the row lock.
            while not await asyncio.to_thread(_waiting_on_a_lock, postgres_url):
                assert not step.done(), "the step did not wait on the row lock"
            waiting_from = ticks
            await asyncio.sleep(0.5)
            during = ticks - waiting_from
            still_waiting = not step.done()
            # Per thread, another call goes on meanwhile on a connection of its own.
            read = (
                await asyncio.wait_for(aservice.review(OFFICE, review.id), 5)
                if per_thread
                else None
            )
            assert read is None or read.version == review.version
            await asyncio.to_thread(holder.commit)
            started = await step
            beating.cancel()
            return during, ticks, started, still_waiting

    during, _, started, still_waiting = asyncio.run(main())
    safety.cancel()
    holder.close()
    if shared is not None:
        shared.store.close()
    assert still_waiting
    assert during >= 20, during  # 0.5 s of 10 ms beats, with room for a slow machine
    assert (started.state, started.version) == (rf.ReviewState.FACT_FINDING, review.version + 1)


# -- errors, listeners, context, closing -----------------------------------------------------------


@pytest.fixture
def memory_service() -> rf.ReviewService:
    """The scenario on the in-memory store, 2023-Q4 scheduled."""
    service = scenario_on(rf.open_store("memory://"))
    service.schedule(OFFICE, QUARTER)
    return service


def _first_member_review(service: rf.ReviewService) -> rf.Review:
    return next(r for r in service.reviews(OFFICE) if r.kind is rf.ReviewKind.MEMBER)


def test_errors_surface_as_the_service_raises_them(memory_service: rf.ReviewService) -> None:
    review = _first_member_review(memory_service)
    with pytest.raises(rf.OutOfScope) as sync:
        memory_service.start("nobody", review.id)
    with pytest.raises(rf.NotFound) as not_found:
        memory_service.review(OFFICE, "no-such-review")

    async def main() -> None:
        async with rf.AsyncReviewService(memory_service) as aservice:
            with pytest.raises(rf.OutOfScope) as caught:
                await aservice.start("nobody", review.id)
            assert (caught.value.code, caught.value.params) == (sync.value.code, sync.value.params)
            with pytest.raises(rf.NotFound) as missing:
                await aservice.review(OFFICE, "no-such-review")
            assert missing.value.params == not_found.value.params

    asyncio.run(main())
    assert memory_service.review(OFFICE, review.id).state is rf.ReviewState.SCHEDULED


def test_listeners_run_on_the_worker_thread_per_thread_too(empty_url: str) -> None:
    reviews = _scheduled(empty_url)[:3]
    heard: list[tuple[str, str]] = []

    def listener(event: rf.Event) -> None:
        if isinstance(event, rf.StepTaken):
            heard.append((event.review.id, threading.current_thread().name))

    async def main() -> None:
        async with rf.AsyncReviewService.per_thread(_maker(empty_url), workers=2) as aservice:
            await aservice.start(reviews[0].reviewer_id, reviews[0].id)  # a service made before
            unsubscribe = aservice.subscribe(listener)
            await asyncio.gather(*(aservice.start(r.reviewer_id, r.id) for r in reviews[1:]))
            unsubscribe()
            unsubscribe()  # twice does nothing
            await aservice.cancel(OFFICE, reviews[1].id, reason="调出")

    asyncio.run(main())
    assert sorted(rid for rid, _ in heard) == sorted(r.id for r in reviews[1:])
    assert all(name.startswith("reviewflow") for _, name in heard), heard


REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("REQUEST_ID", default="")


def test_the_callers_context_variables_are_seen_on_the_thread(
    memory_service: rf.ReviewService,
) -> None:
    async def main() -> str:
        REQUEST_ID.set("request-7")
        async with rf.AsyncReviewService(memory_service) as aservice:
            return await aservice.run(lambda service: f"{REQUEST_ID.get()} {service.policy.zone}")

    assert asyncio.run(main()) == "request-7 Asia/Shanghai"


def test_closing_closes_the_stores_it_made_not_a_service_it_was_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    _scheduled(url)
    made: list[rf.ReviewService] = []

    def make() -> rf.ReviewService:
        made.append(_maker(url)())
        return made[-1]

    given = _maker(url)()

    async def main() -> None:
        per_thread = rf.AsyncReviewService.per_thread(make, workers=2)
        shared = rf.AsyncReviewService(given)
        assert len(await per_thread.reviews(OFFICE)) == len(await shared.reviews(OFFICE))
        await per_thread.aclose()
        await shared.aclose()
        await shared.aclose()  # twice does nothing
        with pytest.raises(RuntimeError, match="closed"):
            await shared.roster()

    asyncio.run(main())
    assert len(made) >= 1
    for service in made:
        with pytest.raises(rf.ReviewflowError):
            service.roster()
    assert given.roster().organizations  # still open
    given.store.close()


# -- docs/async.md's FastAPI app ------------------------------------------------------------------


def _doc_app(tmp_path: Path) -> Callable[[str], Any]:
    """``create_app`` of the FastAPI block of docs/async.md, run as a module of its own."""
    page = (Path(__file__).parent.parent / "docs" / "async.md").read_text(encoding="utf-8")
    block = page.split("## A FastAPI app")[1].split("```python\n")[1].split("```")[0]
    module = tmp_path / "async_app.py"
    module.write_text(block, encoding="utf-8")
    create_app: Callable[[str], Any] = runpy.run_path(str(module))["create_app"]
    return create_app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each kind the page names, with the scenario and 2023-Q4 scheduled."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reviews.db'}"
    else:
        url = str(request.getfixturevalue("postgres_url"))
    _scheduled(url)
    return url


def test_the_fastapi_app_of_the_page_lists_reviews_takes_steps_and_maps_refusals(
    app_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415 - the dev extra's, tests only

    review = _scheduled_member(app_url)
    reviewer, subject = {"X-Person-Id": review.reviewer_id}, {"X-Person-Id": review.subject_id}
    steps = f"/reviews/{review.id}/steps"
    with TestClient(_doc_app(tmp_path)(app_url)) as client:
        listed = client.get(f"/people/{review.subject_id}/reviews", headers=reviewer)
        assert listed.status_code == 200
        assert review.id in [r["id"] for r in listed.json()]
        assert all(review.subject_id in (r["subject_id"], r["reviewer_id"]) for r in listed.json())

        started = client.post(
            f"{steps}/start", headers=reviewer, json={"expected_version": review.version}
        )
        assert started.status_code == 200, started.text
        assert started.json()["state"] == "fact_finding"
        assert started.json()["version"] == review.version + 1

        stale = client.post(
            f"{steps}/report",
            headers=subject,
            json={"expected_version": review.version, "arguments": {"summary": "汇报"}},
        )
        assert stale.status_code == 409
        assert stale.json()["code"] == "concurrency_conflict"
        assert stale.json()["params"]["expected"] == review.version

        early = client.post(f"{steps}/conclude_fact_finding", headers=reviewer, json={})
        assert early.status_code == 409
        assert early.json()["code"] == "guard_failed"
        assert early.json()["params"]["guard"] == "has_situation_report"

        outsider = client.post(
            f"{steps}/report",
            headers={"X-Person-Id": "nobody"},
            json={"arguments": {"summary": "汇报"}},
        )
        assert (outsider.status_code, outsider.json()["code"]) == (403, "out_of_scope")
        assert outsider.json()["params"]["actor"] == "nobody"

        missing = client.post("/reviews/no-such-review/steps/start", headers=reviewer, json={})
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")

        reported = client.post(
            f"{steps}/report",
            headers=subject,
            json={"expected_version": review.version + 1, "arguments": {"summary": "汇报"}},
        )
        assert reported.status_code == 200, reported.text
        assert reported.json()["version"] == review.version + 2

        assert client.get(f"/people/{review.subject_id}/reviews").status_code == 422  # no login
    store = rf.open_store(app_url)
    after = store.review(review.id)
    assert after is not None
    assert (after.version, len(after.reports)) == (review.version + 2, 1)
    assert rf.ReviewService(store).verify(OFFICE) == ()
    store.close()


def _scheduled_member(url: str) -> rf.Review:
    store = rf.open_store(url)
    review = next(r for r in store.reviews(rf.ReviewQuery()) if r.kind is rf.ReviewKind.MEMBER)
    store.close()
    return review


def test_nothing_of_the_process_changes_and_closing_ends_its_threads(
    memory_service: rf.ReviewService,
) -> None:
    policy = asyncio.get_event_loop_policy()

    async def main() -> tuple[object, object, int]:
        loop = asyncio.get_running_loop()
        handler = loop.get_exception_handler()
        async with rf.AsyncReviewService(memory_service, workers=3) as aservice:
            await asyncio.gather(*(aservice.roster() for _ in range(6)))
            alive = sum(t.name.startswith("reviewflow") for t in threading.enumerate())
        return handler, loop.get_exception_handler(), alive

    before, after, alive = asyncio.run(main())
    assert asyncio.get_event_loop_policy() is policy
    assert before is after
    assert 1 <= alive <= 3
    assert not [t for t in threading.enumerate() if t.name.startswith("reviewflow")]
