"""The outbox (issue #15, item 2): events queued with their change on every store, and the
dispatcher's retries, backoff and dead list, on a clock of the test's (nothing sleeps)."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import reviewflow as rf
from reviewflow.cli import main
from reviewflow.demo import OFFICE
from reviewflow.testing import CLOCK, scenario_on
from steps import find

EXAMPLE = Path(__file__).parent.parent / "examples" / "outbox" / "chat_webhook.py"
_spec = importlib.util.spec_from_file_location("chat_webhook", EXAMPLE)
assert _spec is not None
assert _spec.loader is not None
chat_webhook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chat_webhook)
Receiver = chat_webhook.Receiver
chat_body = chat_webhook.chat_body


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = CLOCK) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class FlakySender:
    """Fails ``failures`` times for each message id in ``flaky``, then takes it."""

    def __init__(self, failures: int = 0, flaky: frozenset[str] | None = None) -> None:
        self.failures = failures
        self.flaky = flaky
        self.tries: Counter[str] = Counter()
        self.received: list[rf.OutboxMessage] = []

    def __call__(self, message: rf.OutboxMessage) -> None:
        self.tries[message.id] += 1
        hit = self.flaky is None or message.id in self.flaky
        if hit and self.tries[message.id] <= self.failures:
            raise ConnectionError(f"webhook down ({self.tries[message.id]})")
        self.received.append(message)


def queue(store: rf.Store, *ids: str) -> None:
    messages = tuple(rf.OutboxMessage(i, "StepTaken", "{}", CLOCK) for i in ids)
    store.apply(rf.ChangeSet(outbox=messages))


# -- the backoff ---------------------------------------------------------------------------------


@given(
    first=st.integers(1, 600),
    factor=st.floats(1, 4),
    longest=st.integers(1, 100_000),
    attempts=st.integers(1, 20),
)
def test_backoff_grows_by_its_factor_up_to_its_longest_and_ends_at_its_attempts(
    first: int, factor: float, longest: int, attempts: int
) -> None:
    rule = rf.Backoff(timedelta(seconds=first), factor, timedelta(seconds=longest), attempts)
    delays = [rule.delay(n) for n in range(1, attempts + 1)]
    assert delays[-1] is None
    waits = [d for d in delays[:-1] if d is not None]
    assert len(waits) == attempts - 1
    for n, wait in enumerate(waits, 1):
        expected = min(first * factor ** (n - 1), longest)
        assert abs(wait.total_seconds() - expected) < 1e-3
    assert waits == sorted(waits)


@pytest.mark.parametrize(
    ("field", "value"), [("first", timedelta(0)), ("factor", 0.5), ("attempts", 0)]
)
def test_a_backoff_that_would_never_wait_or_never_try_is_refused(field: str, value: object) -> None:
    with pytest.raises(rf.InvalidInput, match=field):
        rf.Backoff(**{field: value})  # type: ignore[arg-type]


# -- the dispatcher (on the memory store: the kit holds the others to the same tier) -------------


def test_dispatch_hands_each_due_message_over_once_in_order() -> None:
    store = rf.MemoryStore()
    queue(store, "m-1", "m-2", "m-3")
    sender = FlakySender()
    report = rf.dispatch(store, sender, clock=Clock(), batch=2)
    assert report == rf.DispatchReport(delivered=("m-1", "m-2", "m-3"))
    assert [m.id for m in sender.received] == ["m-1", "m-2", "m-3"]
    assert rf.dispatch(store, sender, clock=Clock()) == rf.DispatchReport()


def test_a_failed_send_is_retried_after_a_delay_that_doubles() -> None:
    store = rf.MemoryStore()
    queue(store, "m-1")
    clock = Clock()
    sender = FlakySender(failures=3)
    rule = rf.Backoff(first=timedelta(seconds=10), attempts=5)
    waits = []
    for _ in range(3):
        assert rf.dispatch(store, sender, clock=clock, backoff=rule).retrying == ("m-1",)
        due = store.delivery("m-1").due
        waits.append(due - clock.now)
        clock.now = due - timedelta(microseconds=1)
        assert rf.dispatch(store, sender, clock=clock, backoff=rule) == rf.DispatchReport()
        clock.now = due
    assert waits == [timedelta(seconds=s) for s in (10, 20, 40)]
    assert rf.dispatch(store, sender, clock=clock, backoff=rule).delivered == ("m-1",)
    found = store.delivery("m-1")
    assert (found.state, found.attempts) == (rf.DeliveryState.DELIVERED, 3)
    assert found.last_error == "ConnectionError: webhook down (3)"
    assert [m.id for m in sender.received] == ["m-1"]


def test_a_message_that_keeps_failing_goes_dead_and_a_requeue_delivers_it() -> None:
    store = rf.MemoryStore()
    queue(store, "m-1", "m-2")
    clock = Clock()
    sender = FlakySender(failures=99, flaky=frozenset({"m-2"}))
    rule = rf.Backoff(first=timedelta(seconds=1), attempts=3)
    reports = []
    for _ in range(3):
        reports.append(rf.dispatch(store, sender, clock=clock, backoff=rule))
        clock.now += timedelta(hours=1)
    assert [r.dead for r in reports] == [(), (), ("m-2",)]
    assert reports[0].delivered == ("m-1",)
    (dead,) = store.dead_messages()
    assert (dead.message.id, dead.attempts, sender.tries["m-2"]) == ("m-2", 3, 3)
    clock.now += timedelta(days=30)
    assert rf.dispatch(store, sender, clock=clock, backoff=rule) == rf.DispatchReport()
    sender.failures = 0
    store.requeue("m-2", clock.now)
    assert rf.dispatch(store, sender, clock=clock, backoff=rule).delivered == ("m-2",)
    assert [m.id for m in sender.received] == ["m-1", "m-2"]


def test_dispatch_stops_at_its_limit() -> None:
    store = rf.MemoryStore()
    queue(store, *(f"m-{n}" for n in range(5)))
    report = rf.dispatch(store, FlakySender(), clock=Clock(), batch=2, limit=3)
    assert report.delivered == ("m-0", "m-1", "m-2")
    assert rf.dispatch(store, FlakySender(), clock=Clock()).delivered == ("m-3", "m-4")


def test_dispatch_refuses_a_naive_clock() -> None:
    store = rf.MemoryStore()
    with pytest.raises(rf.InvalidInput, match="timezone-aware"):
        rf.dispatch(store, FlakySender(), clock=lambda: datetime(2023, 12, 28, 9))  # noqa: DTZ001 - the point


# -- the service queues its events, on every store ------------------------------------------------


@pytest.fixture
def store(any_service: rf.ReviewService) -> rf.Store:
    """The scenario's roster on each store: memory, SQLite, PostgreSQL, MariaDB."""
    return any_service.store


def outbox_service(store: rf.Store) -> rf.ReviewService:
    """The scenario on ``store``, with the outbox on and 2023-12 scheduled, the outbox emptied."""
    rf.ReviewService(store, clock=lambda: CLOCK).schedule(OFFICE, "2023-12")
    rf.dispatch(store, lambda _m: None, clock=lambda: CLOCK)  # type: ignore[arg-type]
    return rf.ReviewService(store, clock=lambda: CLOCK, outbox=True)


def drain(store: rf.Store) -> list[rf.OutboxMessage]:
    sent: list[rf.OutboxMessage] = []
    rf.dispatch(store, sent.append, clock=lambda: CLOCK + timedelta(days=1))  # type: ignore[arg-type]
    return sent


def test_a_step_queues_its_event_and_the_listeners_still_hear_it(store: rf.Store) -> None:
    service = outbox_service(store)
    heard: list[rf.Event] = []
    service.subscribe(heard.append)
    review = find(service, "zhou", "wu", "2023-12")
    started = service.start("zhou", review.id)
    (message,) = drain(store)
    assert message.kind == "StepTaken"
    assert message.at == CLOCK
    assert rf.event_of(message) == heard[0] == rf.StepTaken(started, store.history(review.id)[-1])


def test_a_refused_step_queues_nothing(store: rf.Store) -> None:
    service = outbox_service(store)
    review = find(service, "zhou", "wu", "2023-12")
    with pytest.raises(rf.OutOfScope):
        service.start("qian", review.id)
    with pytest.raises(rf.TransitionNotAllowed):
        service.close("zhou", review.id)
    assert drain(store) == []


def test_a_bulk_step_queues_only_the_steps_it_wrote(store: rf.Store) -> None:
    service = outbox_service(store)
    ids = [find(service, "zhou", m, "2023-12").id for m in ("wu", "sun")]
    service.start("zhou", ids[0])
    drain(store)
    results = service.take_many("zhou", "start", ids)
    assert [r.ok for r in results] == [False, True]
    (message,) = drain(store)
    event = rf.event_of(message)
    assert isinstance(event, rf.StepTaken)
    assert event.review.id == ids[1]


def test_scheduling_queues_one_announcement_per_new_review(store: rf.Store) -> None:
    service = outbox_service(store)
    created = service.schedule(OFFICE, "2024-01").created
    sent = drain(store)
    assert {m.kind for m in sent} == {"ReviewsScheduled"}
    announced = [rf.event_of(m) for m in sent]
    assert [e.created for e in announced] == [(r,) for r in created]  # type: ignore[union-attr]
    service.schedule(OFFICE, "2024-01")  # everything exists: nothing new to announce
    assert drain(store) == []


def test_office_events_are_queued(store: rf.Store) -> None:
    service = outbox_service(store)
    order = service.issue_order(
        OFFICE, kind="organization", subject_id="cdc", criticism="台账不全", requirement="补齐",
        deadline="2024-01-05",
    )  # fmt: skip
    service.report_order("he", order.id, report="已补齐")
    service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
    assert [m.kind for m in drain(store)] == ["OrderIssued", "OrderChanged", "ExemplarRecorded"]


def test_reminders_are_queued_once_a_day_however_often_checked(store: rf.Store) -> None:
    service = outbox_service(store)
    found = service.check_deadlines(OFFICE)
    assert found
    service.check_deadlines(OFFICE)
    service.check_deadlines("zhou")  # a part of the same reminders, seen by another
    sent = drain(store)
    assert [rf.event_of(m) for m in sent] == list(found)
    assert all(m.id.startswith("reminder-2023-12-28-") for m in sent)
    service.check_deadlines(OFFICE, as_of=CLOCK.date() + timedelta(days=1))
    assert len(drain(store)) == len(service.check_deadlines(OFFICE, CLOCK.date() + timedelta(1)))


def test_the_outbox_off_queues_nothing(store: rf.Store) -> None:
    outbox_service(store)
    service = rf.ReviewService(store, clock=lambda: CLOCK)
    service.start("zhou", find(service, "zhou", "wu", "2023-12").id)
    service.check_deadlines(OFFICE)
    assert drain(store) == []


class PlainStore:
    """A store without the outbox tier (every member but the tier's, from a memory store)."""

    def __init__(self) -> None:
        self._inner = rf.MemoryStore()

    def __getattr__(self, name: str) -> object:
        if name in {"claim", "mark_delivered", "mark_failed", "delivery", "dead_messages",
                    "requeue"}:  # fmt: skip
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_the_outbox_is_refused_on_a_store_without_the_tier() -> None:
    plain = PlainStore()
    assert isinstance(plain, rf.Store)
    assert not isinstance(plain, rf.OutboxStore)
    with pytest.raises(rf.InvalidInput, match="has no outbox"):
        rf.ReviewService(plain, outbox=True)  # type: ignore[arg-type]


# -- two dispatchers at once ----------------------------------------------------------------------


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ],
)
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reviews.db'}"
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


def test_two_dispatchers_at_once_hand_over_each_message_once(sql_url: str) -> None:
    """Each dispatcher on a connection of its own, claiming in small batches at the same time
    (SKIP LOCKED on PostgreSQL and MariaDB, the one writer on SQLite): every message is sent,
    none twice."""
    setup = rf.open_store(sql_url)
    ids = [f"m-{n:03}" for n in range(120)]
    queue(setup, *ids)
    setup.close()
    sent: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def send(message: rf.OutboxMessage) -> None:
        with lock:
            sent.append(message.id)

    def work() -> None:
        store = rf.open_store(sql_url)
        start.wait()
        try:
            rf.dispatch(store, send, clock=lambda: CLOCK, batch=3)  # type: ignore[arg-type]
        finally:
            store.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(sent) == ids


# -- a crash between the commit and the notification (the issue's test) -------------------------

CRASHING = Path(__file__).parent / "workers" / "outbox_crash.py"


def run_worker(*args: str) -> int:
    """Run the crashing worker to its end; its exit code (negative: the signal that ended it)."""
    command = [sys.executable, str(CRASHING), *args]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert "still alive" not in done.stderr, done.stderr
    return done.returncode


def test_a_step_killed_after_its_commit_is_delivered_afterwards_exactly_once(
    tmp_path: Path,
) -> None:
    """The step's process is killed (SIGKILL) after the commit and before any notification;
    a dispatcher is then killed after its post was answered and before it marked the message
    delivered; a second dispatcher sends it again once the first one's claim ran out. The
    receiver got the step twice and handled it once; later runs send nothing more."""
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    store = rf.open_store(url)
    scenario_on(store).schedule(OFFICE, "2023-12")
    review = find(rf.ReviewService(store), "zhou", "wu", "2023-12")
    store.close()

    assert run_worker("step", url, review.id) == -signal.SIGKILL
    store = rf.open_store(url)
    stepped = store.review(review.id)
    assert stepped is not None
    assert stepped.state is rf.ReviewState.FACT_FINDING  # committed before the kill
    (queued,) = store.claim(CLOCK, 10, timedelta(0))  # a zero lease: only a look
    assert queued.message.kind == "StepTaken"

    with Receiver() as receiver:
        assert run_worker("dispatch", url, receiver.url) == -signal.SIGKILL
        assert [i for i, _ in receiver.posts] == [queued.message.id]
        left = store.delivery(queued.message.id)
        assert left is not None
        assert left.state is rf.DeliveryState.QUEUED  # sent, never marked

        send = rf.webhook(receiver.url, body=chat_body)
        claimed_until = left.due
        early = rf.dispatch(store, send, clock=lambda: claimed_until - timedelta(seconds=1))
        assert early == rf.DispatchReport()  # the dead dispatcher's claim still holds
        late = rf.dispatch(store, send, clock=lambda: claimed_until)
        assert late.delivered == (queued.message.id,)
        assert rf.dispatch(store, send, clock=lambda: claimed_until + timedelta(days=1)) == (
            rf.DispatchReport()
        )

    assert [i for i, _ in receiver.posts] == [queued.message.id] * 2  # at least once...
    assert list(receiver.handled) == [queued.message.id]  # ...and handled exactly once
    event = rf.event_of(queued.message)
    assert isinstance(event, rf.StepTaken)
    assert (event.review.id, event.entry.action) == (review.id, "start")
    assert store.history(review.id)[-1] == event.entry
    store.close()


def test_the_chat_webhook_example_posts_steps_and_reminders_once_each(tmp_path: Path) -> None:
    """examples/outbox/chat_webhook.py: the schedule's announcements, the step and the day's
    reminders (checked twice, queued once), as group-robot text posts in Chinese."""
    texts = chat_webhook.main(tmp_path)
    kinds = Counter(text.split("】")[0] + "】" for text in texts)
    assert kinds["【领导点评】"] == 11  # ten reviews of 2023-12 announced, one step
    assert (
        texts[10]
        == "【领导点评】2023年12月 wu 的点评（点评领导 zhou）：开始了解情况，当前环节“了解情况”。"
    )
    store = rf.open_store(f"sqlite:///{tmp_path / 'reviews.db'}")
    moment = datetime(2023, 12, 28, 9, tzinfo=chat_webhook.ZONE)
    due = rf.ReviewService(store, clock=lambda: moment).check_deadlines(OFFICE)
    assert kinds["【到期提醒】"] == len(due) > 0
    assert store.claim(CLOCK + timedelta(days=1), 100, timedelta(minutes=1)) == ()
    assert store.dead_messages() == ()
    store.close()


def test_a_receiver_that_refuses_leaves_the_message_to_retry(tmp_path: Path) -> None:
    """A post the receiver refuses (503) is a failed attempt, with the HTTP error kept, and is
    retried when it is due again."""
    store = rf.open_store(f"sqlite:///{tmp_path / 'reviews.db'}")
    queue(store, "m-1")
    with Receiver(refuse=1) as receiver:
        report = rf.dispatch(store, rf.webhook(receiver.url), clock=lambda: CLOCK)
        assert report.retrying == ("m-1",)
        assert receiver.posts == []
        found = store.delivery("m-1")
        assert found is not None
        assert "HTTP Error 503" in found.last_error
        later = rf.dispatch(store, rf.webhook(receiver.url), clock=lambda: found.due)
        assert later.delivered == ("m-1",)
        assert receiver.posts == [("m-1", "StepTaken")]
    store.close()


# -- the command line -----------------------------------------------------------------------------


def cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", url, *args], catch_exceptions=False)


def test_cli_queues_the_days_reminders_once_and_runs_them_to_a_webhook(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    assert cli(url, "demo").exit_code == 0
    for _ in range(2):
        done = cli(url, "outbox", "remind", "--as", OFFICE)
        assert done.exit_code == 0, done.output
    due = int(done.output.split("已检查到期事项 ")[1].split(" ")[0])
    assert due > 0
    with Receiver() as receiver:
        done = cli(url, "outbox", "run", "--webhook", receiver.url, "--batch", "7")
        assert done.exit_code == 0, done.output
        assert f"已送达 {due} 条，待重试 0 条，停发 0 条" in done.output
        assert [text for _, text in receiver.posts] == ["DeadlineNear"] * due
        assert "已送达 0 条" in cli(url, "outbox", "run", "--webhook", receiver.url).output


def test_cli_lists_the_dead_and_queues_one_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    store = rf.open_store(url)
    queue(store, "m-1", "m-2")
    store.close()
    with Receiver(refuse=2) as receiver:
        done = cli(url, "outbox", "run", "--webhook", receiver.url, "--attempts", "1")
        assert "停发 2 条" in done.output
        listed = cli(url, "--lang", "en", "outbox", "dead")
        assert "2 dead message(s)" in listed.output
        assert "HTTPError: HTTP Error 503" in listed.output
        assert cli(url, "outbox", "retry", "m-2").exit_code == 0
        refused = cli(url, "outbox", "retry", "m-2")
        assert refused.exit_code == 1
        assert "不是“停发”：无需重新入队" in refused.output
        assert cli(url, "outbox", "retry", "m-404").exit_code == 1
        done = cli(url, "outbox", "run", "--webhook", receiver.url)
        assert "已送达 1 条" in done.output
        assert receiver.posts == [("m-2", "StepTaken")]
    assert "停发的通知 1 条" in cli(url, "outbox", "dead").output


def test_two_services_with_sequential_ids_lose_no_message() -> None:
    """Message ids are random whatever the id factory: a second service counting its ids from
    1 again (another process) queues its messages too."""
    store = rf.MemoryStore()
    first = scenario_on(store)
    first.schedule(OFFICE, "2023-12")
    ids = [find(first, "zhou", m, "2023-12").id for m in ("wu", "sun")]
    for review_id in ids:
        service = rf.ReviewService(store, clock=lambda: CLOCK, ids=rf.sequential_ids(), outbox=True)
        service.start("zhou", review_id)
    sent = drain(store)
    assert [rf.event_of(m).review.id for m in sent] == ids  # type: ignore[union-attr]


def test_cli_queues_its_changes_only_with_the_outbox_on(tmp_path: Path) -> None:
    """``--outbox`` (or REVIEWFLOW_OUTBOX=1): a deployment that sends from the outbox gets the
    steps taken on the command line queued too; without it, nothing is queued."""
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    assert cli(url, "demo").exit_code == 0
    store = rf.open_store(url)
    waiting = [r for r in store.reviews(rf.ReviewQuery()) if r.state is rf.ReviewState.SCHEDULED]
    first, second = waiting[0], waiting[1]
    store.close()
    done = cli(url, "step", first.id, "start", "--as", first.reviewer_id)
    assert done.exit_code == 0, done.output
    store = rf.open_store(url)
    assert now_drained(store) == []
    store.close()
    runner = CliRunner(env={"REVIEWFLOW_OUTBOX": "1"})
    done = runner.invoke(main, ["--store", url, "step", second.id, "start", "--as",
                                second.reviewer_id], catch_exceptions=False)  # fmt: skip
    assert done.exit_code == 0, done.output
    store = rf.open_store(url)
    sent = now_drained(store)
    assert [(m.kind, rf.event_of(m).review.id) for m in sent] == [  # type: ignore[union-attr]
        ("StepTaken", second.id)
    ]
    store.close()


def now_drained(store: rf.Store) -> list[rf.OutboxMessage]:
    """What the outbox holds, delivered by the real clock (the CLI's service keeps it)."""
    sent: list[rf.OutboxMessage] = []
    later = datetime.now(UTC) + timedelta(days=1)
    rf.dispatch(store, sent.append, clock=lambda: later)  # type: ignore[arg-type]
    return sent


def test_cli_purges_only_what_was_delivered_long_ago(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reviews.db'}"
    store = rf.open_store(url)
    queue(store, "old", "new", "waiting")
    assert isinstance(store, rf.OutboxStore)
    store.claim(datetime.now(UTC), 10, timedelta(minutes=5))
    store.mark_delivered("old", datetime.now(UTC) - timedelta(days=40))
    store.mark_delivered("new", datetime.now(UTC) - timedelta(days=3))
    store.close()
    done = cli(url, "outbox", "purge", "--days", "30")
    assert done.exit_code == 0, done.output
    assert "已删除 30 天前送达的通知 1 条" in done.output
    store = rf.open_store(url)
    assert isinstance(store, rf.OutboxStore)
    assert store.delivery("old") is None
    assert store.delivery("new") is not None
    assert store.delivery("waiting") is not None
    store.close()
