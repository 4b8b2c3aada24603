"""Notifications that are not lost: the outbox's dispatcher.

With ``ReviewService(store, outbox=True)`` every event is queued in the store's outbox in the
transaction of its change: a change that is stored has its message, a change refused or rolled
back has none. :func:`dispatch`, which the host's own worker (or ``reviewflow outbox run``)
calls, hands each queued message to the host's ``send`` at least once: a ``send`` that raises
is tried again later, after a delay that doubles with each failure (:class:`Backoff`), and a
message that keeps failing is put on the dead list (:meth:`OutboxStore.dead_messages`) until
someone queues it again (:meth:`OutboxStore.requeue`). A dispatcher that dies after ``send``
but before it marks the message delivered sends it again once its claim runs out, so a
receiver that remembers the message ids it has handled (:attr:`OutboxMessage.id`) handles
each message exactly once.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import attrs

from reviewflow.domain.limits import cut_text
from reviewflow.domain.serial import structure
from reviewflow.errors import InvalidInput
from reviewflow.events import (
    DeadlineNear,
    Event,
    ExemplarRecorded,
    OrderChanged,
    OrderIssued,
    ReviewsScheduled,
    StepTaken,
)
from reviewflow.reasons import because
from reviewflow.store.base import OutboxMessage
from reviewflow.store.outbox import Delivery, OutboxStore, check_aware

__all__ = [
    "MESSAGE_ID_HEADER",
    "Backoff",
    "DispatchReport",
    "Sender",
    "dispatch",
    "event_of",
    "message_json",
    "webhook",
]

Sender = Callable[[OutboxMessage], object]
"""The host's sender: hands one message on (a webhook post, a queue); raises when it could
not. Whatever it returns is ignored."""

_EVENTS: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        StepTaken,
        ReviewsScheduled,
        OrderIssued,
        OrderChanged,
        ExemplarRecorded,
        DeadlineNear,
    )
}
MESSAGE_ID_HEADER = "X-Reviewflow-Message-Id"
"""The header of a :func:`webhook` post that carries the message's id (what the receiver
deduplicates by)."""
_ERROR_MAX = 2_000
"""How much of a failed send's error the outbox keeps, in characters."""


@attrs.frozen
class Backoff:
    """When a failed message is tried again: ``first`` after the first failure, twice as long
    after each further one (``factor``), never longer than ``longest``; after ``attempts``
    failures the message is dead."""

    first: timedelta = timedelta(seconds=30)
    """The wait after the first failure."""
    factor: float = 2.0
    """What each further failure multiplies the wait by (at least 1)."""
    longest: timedelta = timedelta(hours=6)
    """The longest wait between two tries, however many failed."""
    attempts: int = 8
    """How many failed tries make a message dead (it then waits on the dead list)."""

    def __attrs_post_init__(self) -> None:
        if self.first <= timedelta(0):
            raise InvalidInput("first", self.first, because("first_delay"))
        if self.factor < 1:
            raise InvalidInput("factor", self.factor, because("at_least_one"))
        if self.attempts < 1:
            raise InvalidInput("attempts", self.attempts, because("at_least_one"))

    def delay(self, failures: int) -> timedelta | None:
        """How long to wait after the ``failures``-th failure; None: the message is dead."""
        if failures >= self.attempts:
            return None
        seconds = self.first.total_seconds() * self.factor ** (failures - 1)
        return min(timedelta(seconds=seconds), self.longest)


@attrs.frozen
class DispatchReport:
    """What one :func:`dispatch` did, by message id."""

    delivered: tuple[str, ...] = ()
    """Handed to the sender without error: never sent again."""
    retrying: tuple[str, ...] = ()
    """Failed this time, due again later."""
    dead: tuple[str, ...] = ()
    """Failed for the last time: on the dead list now."""


def dispatch(
    store: OutboxStore,
    send: Sender,
    *,
    clock: Callable[[], datetime] | None = None,
    backoff: Backoff | None = None,
    lease: timedelta = timedelta(minutes=5),
    batch: int = 100,
    limit: int | None = None,
) -> DispatchReport:
    """Hand every message due now to ``send``, ``batch`` claimed at a time, until none is due
    (or ``limit`` were handled); returns what happened to each.

    ``clock`` gives the current time (timezone-aware; default: the system's, in UTC).
    ``lease`` is how long a claimed message is kept from other dispatchers: longer than a
    ``send`` takes, since a message whose lease runs out is sent again. Nothing sleeps: a
    failed message is due again at a later time, for a later call.
    """
    now = clock if clock is not None else (lambda: datetime.now(UTC))
    rule = backoff if backoff is not None else Backoff()
    if batch < 1:
        raise InvalidInput("batch", batch, because("at_least_one"))
    if lease <= timedelta(0):
        raise InvalidInput("lease", lease, because("longer_than_zero"))
    delivered: list[str] = []
    retrying: list[str] = []
    dead: list[str] = []
    while True:
        room = batch if limit is None else min(batch, limit - len(delivered + retrying + dead))
        claimed = store.claim(check_aware("clock()", now()), room, lease) if room > 0 else ()
        for delivery in claimed:
            outcome = _deliver(store, send, delivery, now, rule)
            {"delivered": delivered, "retrying": retrying, "dead": dead}[outcome].append(
                delivery.message.id
            )
        if len(claimed) < room or not claimed:
            return DispatchReport(tuple(delivered), tuple(retrying), tuple(dead))


def _deliver(
    store: OutboxStore,
    send: Sender,
    delivery: Delivery,
    now: Callable[[], datetime],
    rule: Backoff,
) -> str:
    """Send one claimed message and mark what came of it."""
    message = delivery.message
    try:
        send(message)
    except Exception as error:  # any failure of the host's sender is a failed try
        text = cut_text(f"{type(error).__name__}: {error}", _ERROR_MAX)
        wait = rule.delay(delivery.attempts + 1)
        store.mark_failed(message.id, text, None if wait is None else now() + wait)
        return "dead" if wait is None else "retrying"
    store.mark_delivered(message.id, now())
    return "delivered"


def event_of(message: OutboxMessage) -> Event:
    """The event a message carries, rebuilt from its payload."""
    cls = _EVENTS.get(message.kind)
    if cls is None:
        raise InvalidInput("kind", message.kind, because("event_kind", kinds=sorted(_EVENTS)))
    event: Event = structure(json.loads(message.payload), cls)
    return event


def message_json(message: OutboxMessage) -> Mapping[str, object]:
    """The message as JSON-ready data: ``id``, ``kind``, ``at`` and the ``event`` (its payload
    parsed): what :func:`webhook` posts unless told otherwise."""
    return {
        "id": message.id,
        "kind": message.kind,
        "at": message.at.isoformat(),
        "event": json.loads(message.payload),
    }


def webhook(
    url: str,
    *,
    body: Callable[[OutboxMessage], Mapping[str, object]] = message_json,
    timeout: float = 10.0,
) -> Sender:
    """A sender that posts each message to ``url`` as JSON (``body(message)``; default
    :func:`message_json`), its id in the :data:`MESSAGE_ID_HEADER` header. An answer that is not
    2xx, or none within ``timeout`` seconds, is a failed attempt."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInput("url", url, because("webhook_url"))

    def post(message: OutboxMessage) -> None:
        data = json.dumps(body(message), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                MESSAGE_ID_HEADER: message.id,
            },
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            answer.read()

    return post
