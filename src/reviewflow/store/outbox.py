"""The outbox tier: the notifications a store queued with its changes, read and marked by a
dispatcher (:func:`reviewflow.outbox.dispatch`).

A message is queued by :meth:`~reviewflow.store.base.Store.apply`, in the transaction of its
change (:attr:`~reviewflow.store.base.ChangeSet.outbox`). From then on it is in one of three
states: ``queued`` (due at :attr:`Delivery.due`), ``delivered`` or ``dead`` (it kept failing;
:meth:`OutboxStore.requeue` queues it again). A dispatcher *claims* the messages that are due:
their ``due`` moves on by a lease, so that a second dispatcher does not claim them too, and a
dispatcher that dies before it marks them lets them come due again when the lease runs out.
Delivery is therefore at least once; the message's id lets a receiver make it exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import attrs

from reviewflow.domain.vocabulary import Labelled
from reviewflow.errors import InvalidInput
from reviewflow.reasons import because
from reviewflow.store.base import OutboxMessage

__all__ = ["Delivery", "DeliveryState", "OutboxStore", "check_aware", "utc_text"]


class DeliveryState(Labelled):
    """Where a queued message stands."""

    QUEUED = "queued", "待发送", "queued"
    """Waiting to be sent, first or again (after a failure, or a claim that ran out)."""
    DELIVERED = "delivered", "已送达", "delivered"
    """Handed to the host's sender: never sent again."""
    DEAD = "dead", "发送失败", "dead"
    """Failed as often as the backoff allows: on the dead list until requeued."""


@attrs.frozen
class Delivery:
    """A message in the outbox with how its delivery stands."""

    message: OutboxMessage
    """The message as queued."""
    state: DeliveryState
    """Queued, delivered or dead."""
    due: datetime
    """When it is (next) to be sent; for a claimed message, when its claim runs out."""
    attempts: int = 0
    """The failed attempts so far."""
    last_error: str = ""
    """What the sender raised on the last failed attempt, in one line ("" if none failed)."""
    delivered: datetime | None = None
    """When it was handed over; None while it is queued or dead."""


@runtime_checkable
class OutboxStore(Protocol):
    """The optional outbox tier: a store that queues :attr:`ChangeSet.outbox` with its changes
    and lets a dispatcher claim and mark the messages. Every time is timezone-aware.
    :class:`reviewflow.testing.OutboxStoreContract` holds an adapter to it."""

    def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[Delivery]:
        """Up to ``limit`` queued messages due at ``now``, oldest first, each claimed until
        ``now + lease`` (their ``due``): no other claim returns them before then. Two
        dispatchers claiming at once get different messages."""
        ...

    def mark_delivered(self, message_id: str, at: datetime) -> None:
        """The message was handed over: never claimed again."""
        ...

    def mark_failed(self, message_id: str, error: str, retry_at: datetime | None) -> None:
        """A failed attempt: one attempt more, ``error`` kept; due again at ``retry_at``, or
        dead when it is None."""
        ...

    def delivery(self, message_id: str) -> Delivery | None:
        """One message and how its delivery stands."""
        ...

    def dead_messages(self) -> Sequence[Delivery]:
        """The messages that kept failing, oldest first."""
        ...

    def requeue(self, message_id: str, at: datetime) -> Delivery:
        """Queue a dead message again, due at ``at`` with its attempts counted afresh; raises
        :class:`~reviewflow.errors.NotFound` for an unknown id and
        :class:`~reviewflow.errors.InvalidInput` for a message that is not dead."""
        ...

    def purge(self, delivered_before: datetime) -> int:
        """Delete the messages delivered before ``delivered_before``; returns how many. Queued
        and dead messages stay. A reminder's id names its day, so a purged day's reminders are
        not queued again by a later check of another day."""
        ...


def check_aware(name: str, value: datetime) -> datetime:
    """``value``, refused unless it is a timezone-aware datetime."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(name, value, because("aware_datetime"))
    return value


def utc_text(value: datetime) -> str:
    """``value`` in UTC as fixed-width ISO text: such texts sort as their times do (how the
    SQL stores compare due times)."""
    return check_aware("time", value).astimezone(UTC).isoformat(timespec="microseconds")
