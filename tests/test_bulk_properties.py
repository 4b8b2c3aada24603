"""A bulk step is the steps one at a time, on random calls (R-SCOPE-4, R-AUDIT).

``take_many`` decides every review through the same kernel as a single step and writes them in
one change set. Against the same calls one review at a time (``take``), on the demonstration
quarter with random reviews started and waived first, a random actor, step and list of ids
(unknown ids and repeats included: a review named again after it was taken is refused as named
twice, and logged), on the memory store and on SQLite, with a clock that moves at every
reading: the same results (reviews, error types and messages), the same histories byte for
byte (digests included), the same attempt log, the same records, and the same events.

Both ways run the same kernel, so agreeing proves nothing about scope or the attempt log. The
oracle of its own (:func:`predict`, from tests/scope_oracle.py and RULES.md §5): which names are
refused (an unknown id, a review named again after it was taken, an actor who is none of the
step's parties, a step not open in the review's state or whose prerequisites are not met) and
why; the results must be those, and the attempt log must grow by exactly those refusals.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import reviewflow as rf
from reviewflow.demo import OFFICE, QUARTER, run_quarter, scenario_roster
from reviewflow.domain.serial import canonical_json
from reviewflow.reasons import because
from scope_oracle import OPEN, ScenarioScope

START = datetime(2023, 12, 28, 9, tzinfo=rf.Policy.default().zone)
ACTORS = [
    "wang", "he", "liu", "zhang", "zhou", "qian", "li", "zhao", "sun", OFFICE, "nobody",
]  # fmt: skip
TRIGGERS = [
    "start", "start", "start", "begin_rectification", "close", "conclude_review",
    "declare_no_rectification", "conclude_fact_finding",
]  # fmt: skip
REVIEWER = "<the reviewer of the first review named>"


def ticking() -> Iterator[datetime]:
    moment = START
    while True:
        yield moment
        moment += timedelta(seconds=1)


def build(cls: type[rf.ReviewService], url: str, started: list[int], waived: list[int]):  # type: ignore[no-untyped-def]
    clock = ticking()
    service = cls(rf.open_store(url), clock=lambda: next(clock), ids=rf.sequential_ids())
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    run_quarter(service)
    reviews = service.reviews(OFFICE, within=QUARTER)
    for n in started:
        review = reviews[n % len(reviews)]
        with contextlib.suppress(rf.ReviewflowError):
            service.start(review.reviewer_id, review.id)
    for n in waived:
        review = reviews[n % len(reviews)]
        with contextlib.suppress(rf.ReviewflowError):
            service.waive(OFFICE, review.id, reason="免于点评")
    return service


def snapshot(service: rf.ReviewService) -> tuple[object, ...]:
    reviews = service.reviews(OFFICE)
    histories = [service.store.history(r.id) for r in reviews]
    attempts = [(a.id, a.at, a.actor_id, a.action, a.review_id, a.error, a.message, a.details)
                for a in service.attempts(OFFICE)]  # fmt: skip
    return tuple(reviews), histories, attempts


def ready(review: rf.Review, trigger: str) -> bool:
    """Whether the review's own record meets the prerequisites RULES.md names for ``trigger``
    (R-STEP-1..4; the triggers of :data:`TRIGGERS`), read from its plain fields."""
    if trigger == "conclude_fact_finding":
        return bool(review.reports)  # R-STEP-1: a situation report heard
    if trigger == "conclude_review":  # R-STEP-2
        commented = {c.aspect for c in review.comments}
        cited = {pid for r in review.requirements for pid in r.problem_ids}
        raised = {p.id for c in review.comments for p in c.problems}
        return (
            review.method is not None
            and review.method.held_on is not None
            and commented >= set(review.aspects)
            and any(c.achievements.strip() for c in review.comments)
            and bool(review.direction.strip())
            and (review.no_rectification_needed or raised <= cited)
        )
    if trigger == "begin_rectification":  # R-STEP-3: filled in, filed, publicized
        return None not in (review.form, review.filing, review.publicity)
    if trigger == "close":  # R-STEP-4: ledger done, replied, closeout confirmed
        planned = {i.requirement_id for i in review.ledger}
        return (
            all(r.id in planned for r in review.requirements)
            and all(i.status is rf.ItemStatus.DONE for i in review.ledger)
            and (review.reply is not None or not review.requirements)
            and review.closeout is not None
        )
    return True  # start, declare_no_rectification: no prerequisite but the state


def predict(
    before: dict[str, rf.Review], actor: str, trigger: str, ids: list[str]
) -> list[tuple[str, type[rf.ReviewflowError] | None]]:
    """R-SCOPE-4, R-STEP-1..4: for each name in ``ids``, in order, the refusal it must meet (its
    error's class), or None where the step is taken."""
    scope = ScenarioScope()
    taken: set[str] = set()
    predicted: list[tuple[str, type[rf.ReviewflowError] | None]] = []
    for review_id in ids:
        review = before.get(review_id)
        refusal: type[rf.ReviewflowError] | None = None
        if review is None:
            refusal = rf.NotFound
        elif review_id in taken:
            refusal = rf.InvalidInput  # named again after it was taken
        elif not scope.may(actor, trigger, review):
            refusal = rf.OutOfScope
        elif trigger not in OPEN.get(review.state, ()):
            refusal = rf.TransitionNotAllowed
        elif not ready(review, trigger):
            refusal = rf.StepRefused
        else:
            taken.add(review_id)
        predicted.append((review_id, refusal))
    return predicted


def check_oracle(
    service: rf.ReviewService,
    before: tuple[dict[str, rf.Review], tuple[rf.Attempt, ...]],
    call: tuple[str, str, list[str]],
    got: tuple[rf.StepResult, ...],
) -> None:
    """The results and the attempt log are what :func:`predict` says: each refusal of its
    class, the others taken, and one attempt logged for each refusal, in order, and no more."""
    reviews, attempts = before
    actor, trigger, ids = call
    predicted = predict(reviews, actor, trigger, ids)
    first: dict[str, type[rf.ReviewflowError] | None] = {}
    for review_id, refusal in predicted:
        first.setdefault(review_id, refusal)
    assert [r.review_id for r in got] == list(first)
    for result in got:
        refusal = first[result.review_id]
        if refusal is None:
            assert result.ok, f"{actor} was refused {trigger} on {result.review_id}: {result.error}"
        else:
            assert isinstance(result.error, refusal), (actor, trigger, result)
    logged = service.attempts(OFFICE)
    assert logged[: len(attempts)] == attempts, "R-AUDIT: the attempt log is append-only"
    new = [(a.actor_id, a.action, a.review_id, a.error) for a in logged[len(attempts) :]]
    refused = [(review_id, refusal) for review_id, refusal in predicted if refusal is not None]
    assert [(a, t, r) for a, t, r, _ in new] == [(actor, trigger, r) for r, _ in refused], new
    for (*_, error), (_, refusal) in zip(new, refused, strict=True):
        assert issubclass(getattr(rf, error), refusal), (error, refusal)


def one_at_a_time(
    service: rf.ReviewService, actor: str, trigger: str, ids: list[str]
) -> list[rf.StepResult]:
    """What ``take_many`` does, a review at a time: each step taken alone, a review named
    again after it was taken refused as named twice (and logged, as the bulk call logs it)."""
    results: dict[str, rf.StepResult] = {}
    for review_id in ids:
        if review_id in results and results[review_id].ok:
            twice = rf.InvalidInput("review_ids", review_id, because("named_twice"))
            service._core.log_refusal(actor, trigger, review_id, twice)
            continue
        try:
            results[review_id] = rf.StepResult(review_id, service.take(actor, trigger, review_id))
        except rf.ReviewflowError as error:
            results.setdefault(review_id, rf.StepResult(review_id, error=error))
    return list(results.values())


def compare(  # noqa: PLR0917 - the property's draws
    store: str,
    started: list[int],
    waived: list[int],
    actor: str,
    trigger: str,
    picks: list[int],
) -> int:
    """Run the call both ways; assert they agree; return how many steps were taken."""
    with tempfile.TemporaryDirectory() as folder:
        services = []
        for n in range(2):
            url = "memory://" if store == "memory" else f"sqlite:///{Path(folder) / f'{n}.db'}"
            services.append(build(rf.ReviewService, url, started, waived))
        bulk, single = services
        heard: tuple[list[rf.Event], list[rf.Event]] = ([], [])
        bulk.subscribe(heard[0].append)
        single.subscribe(heard[1].append)
        # By reviewer: ids named near each other tend to be one reviewer's.
        reviews = sorted(bulk.reviews(OFFICE, within=QUARTER), key=lambda r: r.reviewer_id)
        ids = [reviews[p % len(reviews)].id if p >= 0 else "no-such-review" for p in picks]
        if actor == REVIEWER:  # the reviewer of the first review named
            actor = reviews[picks[0] % len(reviews)].reviewer_id if picks else "wang"
        before = {r.id: r for r in bulk.reviews(OFFICE)}, bulk.attempts(OFFICE)
        got = bulk.take_many(actor, trigger, ids)
        check_oracle(bulk, before, (actor, trigger, ids), got)
        want = one_at_a_time(single, actor, trigger, ids)
        assert [(r.review_id, r.review, type(r.error), str(r.error)) for r in got] == [
            (r.review_id, r.review, type(r.error), str(r.error)) for r in want
        ]
        assert snapshot(bulk) == snapshot(single)
        assert heard[0] == heard[1]
        for service in services:
            service.store.close()
        return sum(r.ok for r in got)


@functools.cache
def scheduled_of(reviewer: str) -> tuple[int, ...]:
    """The positions (as ``compare`` sorts them) of ``reviewer``'s reviews of the quarter that
    the demonstration leaves scheduled."""
    with tempfile.TemporaryDirectory() as folder:
        service = build(rf.ReviewService, f"sqlite:///{Path(folder) / 'x.db'}", [], [])
        reviews = sorted(service.reviews(OFFICE, within=QUARTER), key=lambda r: r.reviewer_id)
        service.store.close()
    return tuple(
        n
        for n, r in enumerate(reviews)
        if r.reviewer_id == reviewer and r.state is rf.ReviewState.SCHEDULED
    )


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_r_scope_4_r_audit_a_bulk_step_takes_and_refuses_as_single_steps(store: str) -> None:
    """wang starts his scheduled reviews, one of them named twice, with another's, an unknown
    id and a waived one among them: taken and refused alike."""
    picks = [19, 20, 21, 20, 9, -1, 22, 0, 23]
    assert compare(store, [], [], "wang", "start", picks) == 5


@given(
    store=st.sampled_from(["memory", "sqlite"]),
    started=st.lists(st.integers(0, 200), max_size=4),
    waived=st.lists(st.integers(0, 200), max_size=3),
    actor=st.sampled_from([*[REVIEWER] * 8, *ACTORS]),
    trigger=st.sampled_from(TRIGGERS),
    base=st.integers(0, 40),
    offsets=st.lists(st.integers(-1, 8), max_size=25),
)
def test_r_scope_4_r_audit_a_bulk_step_is_the_steps_one_at_a_time(  # noqa: PLR0917 - the property's draws
    store: str,
    started: list[int],
    waived: list[int],
    actor: str,
    trigger: str,
    base: int,
    offsets: list[int],
) -> None:
    picks = [base + n if n >= 0 else -1 for n in offsets]
    event(f"steps taken: {min(compare(store, started, waived, actor, trigger, picks), 2)}")


TEXT = st.text(max_size=12)


@given(
    ids=st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT), min_size=1, max_size=4),
    actor=TEXT, at=st.datetimes(timezones=st.just(START.tzinfo)),
    kind=st.sampled_from(list(rf.ReviewKind)), basis=st.sampled_from(list(rf.Basis)),
    method=st.sampled_from(list(rf.Method)),
    period=st.sampled_from(["2024-01", "2024-Q3", "2024"]),
)  # fmt: skip
def test_r_audit_schedule_records_are_the_schedule_data(  # noqa: PLR0917 - an entry's fields
    ids: list[tuple[str, str, str, str]],
    actor: str,
    at: datetime,
    kind: rf.ReviewKind,
    basis: rf.Basis,
    method: rf.Method,
    period: str,
) -> None:
    """Scheduling makes each review's first entry from its slot (`schedule_record`): the data
    and the digest of the entry made from the whole record as planned (`schedule_data`)."""
    from reviewflow.domain.review import MethodRecord, schedule_data, schedule_record  # noqa: PLC0415
    from reviewflow.domain.serial import unstructure  # noqa: PLC0415

    record = MethodRecord(method)
    for review_id, reviewer_id, subject_id, org_id in ids:
        planned = rf.Review(  # the record as planned, before its first entry
            review_id, kind, reviewer_id, subject_id, rf.Period.parse(period), basis, org_id,
            planned_method=record,
        )  # fmt: skip
        data = schedule_record(
            review_id, kind.value, reviewer_id, subject_id, period, basis.value, org_id,
            unstructure(record),
        )  # fmt: skip
        assert canonical_json(data) == canonical_json(schedule_data(planned))
        entry = rf.HistoryEntry.create(
            review_id=review_id, seq=1, at=at, actor_id=actor, action="schedule",
            from_state=None, to_state=rf.ReviewState.SCHEDULED, data=data,
            reason="", prev_digest="",
        )  # fmt: skip
        assert rf.apply_entry(None, entry) == attrs.evolve(planned, last_digest=entry.digest)
