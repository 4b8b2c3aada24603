"""What every part of the service shares: the store, the policy, the clock, the ids, the
workflow, the listeners, and the attempt log every refusal goes to (R-AUDIT)."""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any

import attrs

from reviewflow.domain.limits import ID_MAX, check_id, cut, cut_text
from reviewflow.domain.office import CoverageFacts
from reviewflow.domain.periods import Period, WorkCalendar
from reviewflow.domain.policy import Policy
from reviewflow.domain.review import Attempt, Review, ReviewRef
from reviewflow.domain.serial import canonical_json, unstructure
from reviewflow.domain.workflow import WorkflowDefinition
from reviewflow.errors import NotFound, ReviewflowError, StoreUnavailable
from reviewflow.events import DeadlineNear, Event, Listener, ReviewsScheduled
from reviewflow.store.base import (
    ChangeSet,
    CountingStore,
    OutboxMessage,
    ReviewQuery,
    Store,
    facts_of,
    refs_of,
    slot_keys_of,
)

__all__ = ["Clock", "Core", "IdFactory", "sequential_ids"]

log = logging.getLogger("reviewflow")

Clock = Callable[[], datetime]
"""Returns the current time (timezone-aware)."""

IdFactory = Callable[[str], str]
"""Returns a new unique id for a record of the given kind ("review", "order", ...)."""


def uuid_ids(kind: str) -> str:
    """A new id: the kind and a random UUID."""
    return f"{kind}-{uuid.uuid4().hex}"


def sequential_ids(start: int = 1) -> IdFactory:
    """Readable, repeatable ids (``review-1``, ``review-2``, ``order-1`` ...), for tests and demos.

    Use it only with a store that starts empty: the default factory makes UUIDs.
    """
    counters: dict[str, Iterator[int]] = {}
    lock = threading.Lock()

    def make(kind: str) -> str:
        with lock:
            counter = counters.setdefault(kind, itertools.count(start))
            return f"{kind}-{next(counter)}"

    return make


class CountedFromReviews:
    """The optional tier (:class:`~reviewflow.store.base.CountingStore`) for a store without
    it: the same answers, computed from the store's reviews."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def refs(self, query: ReviewQuery) -> Sequence[ReviewRef]:
        """The references of the reviews ``query`` reads."""
        return refs_of(self._store.reviews(query))

    def slot_keys(self, query: ReviewQuery) -> tuple[frozenset[str], frozenset[str]]:
        """The slots of the live and of the cancelled reviews ``query`` reads."""
        return slot_keys_of(self._store.reviews(query))

    def coverage_facts(self, within: Period, org_ids: frozenset[str] | None) -> CoverageFacts:
        """The coverage facts of the reviews within ``within``, of ``org_ids``."""
        query = ReviewQuery(within=within, org_ids=org_ids)
        return facts_of(self._store.roster(), self._store.reviews(query))

    def coverage_changes(
        self,
        within: Period,  # noqa: ARG002
        org_ids: frozenset[str] | None,  # noqa: ARG002
        since: object,  # noqa: ARG002
        limit: int,  # noqa: ARG002
    ) -> CoverageFacts | None:
        """None: the reviews say what is, not what changed since; counted afresh."""
        return None


class Core:
    """The service's shared parts. Each part of the service (steps, scheduling, coverage, the
    office's work) holds the one core of its service."""

    def __init__(  # noqa: PLR0917 - the service's parts, as ReviewService takes them
        self,
        store: Store,
        policy: Policy,
        clock: Clock,
        ids: IdFactory,
        calendar: WorkCalendar,
        workflow: WorkflowDefinition,
        after_commit: Callable[[Callable[[], None]], object] | None = None,
        *,
        outbox: bool = False,
    ) -> None:
        self.store = store
        self.after_commit = after_commit
        self.outbox = outbox
        self.counts: CountingStore | CountedFromReviews = (
            store if isinstance(store, CountingStore) else CountedFromReviews(store)
        )
        self.policy = policy
        self.clock = clock
        self.ids = ids
        self.calendar = calendar
        self.workflow = workflow
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()

    def now(self) -> datetime:
        """The service's clock."""
        return self.clock()

    def today(self) -> date:
        """The date of the service's clock."""
        return self.clock().date()

    def load(self, review_id: str) -> Review:
        """The review ``review_id``, or :class:`NotFound`."""
        review = self.store.review(review_id)
        if review is None:
            raise NotFound("review", review_id)
        return review

    # -- listeners ---------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add ``listener``; returns how to remove it."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, events: Iterable[Event]) -> None:
        """Hand each event to every listener; a listener that raises is logged and skipped."""
        with self._listeners_lock:
            listeners = tuple(self._listeners)
        if not listeners:
            return  # nobody listens: the events (a bulk step's thousand) are not even made
        if self.after_commit is not None:  # once the host's transaction commits, if it does
            made = tuple(events)
            self.after_commit(lambda: _deliver(made, listeners))
            return
        _deliver(events, listeners)

    # -- the outbox --------------------------------------------------------------------------------

    def queue(self, events: Iterable[Event]) -> tuple[OutboxMessage, ...]:
        """The outbox messages of ``events``, for the change set that makes them; none when
        the outbox is off."""
        if not self.outbox:
            return ()
        at = self.now()
        return tuple(self._message(_message_id(), event, at) for event in events)

    def queue_scheduled(self, actor: str, reviews: Iterable[Review]) -> tuple[OutboxMessage, ...]:
        """One ``ReviewsScheduled`` message per new review, each queued only if the change set
        inserts its review (a slot another writer filled first is announced by that writer)."""
        if not self.outbox:
            return ()
        at = self.now()
        return tuple(
            attrs.evolve(
                self._message(_message_id(), ReviewsScheduled(r.period, (r,), actor), at),
                new_review_id=r.id,
            )
            for r in reviews
        )

    def queue_reminders(self, found: Sequence[DeadlineNear], on: date) -> None:
        """Queue the reminders ``found`` on ``on`` in a change set of their own. Each one's id
        is made from the day and what is due, so a reminder is queued once a day however often
        the deadlines are checked, and by whom."""
        if not self.outbox or not found:
            return
        at = self.now()
        messages = tuple(self._message(_reminder_id(d, on), d, at) for d in found)
        self.store.apply(ChangeSet(outbox=messages))

    @staticmethod
    def _message(message_id: str, event: Event, at: datetime) -> OutboxMessage:
        payload = canonical_json(unstructure(event)).decode()
        return OutboxMessage(message_id, type(event).__name__, payload, at)

    # -- refusals (R-AUDIT) ------------------------------------------------------------------------

    def attempt(
        self, actor: str, action: str, review_id: str | None, error: ReviewflowError
    ) -> Attempt:
        """The attempt-log entry of a refusal."""
        # R-INPUT: whatever the caller passed, the log takes it (an id that is no text or too
        # long, a value of megabytes, half a surrogate pair), cut to what every store holds.
        return Attempt(
            id=self.ids("attempt"),
            at=self.now(),
            actor_id=_logged_id(actor),
            action=_logged_id(action),
            review_id=None if review_id is None else _logged_id(review_id),
            error=type(error).__name__,
            message=cut_text(str(error), _MESSAGE_MAX),
            details=_plain(error.details()),
        )

    def log_refusal(
        self, actor: str, action: str, review_id: str | None, error: ReviewflowError
    ) -> None:
        """Write a refusal to the attempt log on its own (a bulk call writes its attempts with
        its steps)."""
        attempt = self.attempt(actor, action, review_id, error)
        try:
            self.store.apply(ChangeSet(attempts=(attempt,)))
        except ReviewflowError:
            log.exception("could not record the refused attempt %s", attempt)

    def refusals(self, actor: str, action: str, review_id: str | None = None) -> Refusals:
        """A context that logs every refusal raised in it, then lets it propagate."""
        return Refusals(self, actor, action, review_id)


class Refusals:
    """:meth:`Core.refusals`: logs a :class:`~reviewflow.errors.ReviewflowError` raised in the
    block (not a store that is unavailable: nothing could be logged there either)."""

    __slots__ = ("action", "actor", "core", "review_id")

    def __init__(self, core: Core, actor: str, action: str, review_id: str | None) -> None:
        self.core = core
        self.actor = actor
        self.action = action
        self.review_id = review_id

    def __enter__(self) -> None:
        # R-INPUT: the ids every operation names are checked first, and a refusal of them is
        # logged like any other.
        try:
            check_id("actor", self.actor)
            if self.review_id is not None:
                check_id("review_id", self.review_id)
        except ReviewflowError as error:
            self.core.log_refusal(self.actor, self.action, self.review_id, error)
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if isinstance(error, ReviewflowError) and not isinstance(error, StoreUnavailable):
            self.core.log_refusal(self.actor, self.action, self.review_id, error)


_MESSAGE_MAX = 2_000
"""How much of a refusal's message the attempt log keeps, in characters."""


def _message_id() -> str:
    """A new message id: random, whatever the service's id factory. A store skips a message
    whose id it holds, so an id made again (``sequential_ids`` in a second process) would lose
    the message without a word."""
    return uuid_ids("message")


def _reminder_id(due: DeadlineNear, on: date) -> str:
    """The id of the reminder of ``due`` on the day ``on``: the same all that day."""
    key = canonical_json(unstructure(attrs.evolve(due, description="")))
    return f"reminder-{on.isoformat()}-{hashlib.sha256(key).hexdigest()[:32]}"


def _logged_id(value: object) -> str:
    """An id as the attempt log keeps it: a text of at most ``ID_MAX`` characters."""
    text = value if isinstance(value, str) else repr(value)
    return cut_text(text, ID_MAX - 20)  # room for the "…(+4,872)" that says it was cut


def _plain(details: Mapping[str, Any]) -> Mapping[str, Any]:
    """Details reduced to JSON-friendly values, for the attempt log."""

    def plain(value: object) -> object:
        if isinstance(value, str):
            return cut(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, list | tuple | set | frozenset):
            return [plain(v) for v in value]
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        return str(value)

    return {str(k): plain(v) for k, v in details.items()}


def _deliver(events: Iterable[Event], listeners: Sequence[Listener]) -> None:
    """Hand each event to every listener; a listener that raises is logged and skipped."""
    for event in events:
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed on %s; the change stands", listener, event)
