"""The review (领导点评), its history and the attempt log (R-AUDIT).

A review's current record is the fold of its history: :func:`apply_entry` turns one entry into the
next record, so the history replays to the current state, and a store that keeps both can check
one against the other.
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from reviewflow.domain.content import (
    AspectComment,
    Closeout,
    Commitment,
    CommitmentJudgement,
    Filing,
    FormRecord,
    MethodRecord,
    Participant,
    Publicity,
    RectificationItem,
    RectificationRequirement,
    SituationReport,
    WrittenReply,
)
from reviewflow.domain.periods import Period
from reviewflow.domain.serial import (
    canonical_json,
    structure,
    unstructure,
)
from reviewflow.domain.vocabulary import Aspect, Basis, ItemStatus, Labelled, ReviewKind

__all__ = [
    "CREATING_ACTIONS",
    "NOT_APPLICABLE_ACTION",
    "REASSIGN_ACTION",
    "REOPEN_ACTION",
    "SCHEDULE_ACTION",
    "Attempt",
    "HistoryEntry",
    "ItemUpdate",
    "Review",
    "ReviewRef",
    "ReviewState",
    "created_by",
    "reassigned_by",
    "schedule_data",
    "schedule_record",
]


class ReviewState(Labelled):
    """The states of the four-step workflow (§5)."""

    SCHEDULED = "scheduled", "待点评", "scheduled"
    """待点评: scheduled for its period; step 1 has not begun."""
    FACT_FINDING = "fact_finding", "了解情况", "fact finding"
    """了解情况 (step 1, R-STEP-1): the reviewer hears the subject's situation report."""
    REVIEWING = "reviewing", "实施点评", "reviewing"
    """实施点评 (step 2, R-STEP-2): the reviewer comments on each aspect and sets requirements."""
    PUBLICIZING = "publicizing", "整理公开", "compiling and publicizing"
    """整理公开 (step 3, R-STEP-3): the form is filled in, filed with the office and made public."""
    RECTIFYING = "rectifying", "整改落实", "rectifying"
    """整改落实 (step 4, R-STEP-4): the ledger items are carried out, then the written reply."""
    CLOSED = "closed", "已销号", "closed"
    """已销号: every ledger item done, the reply recorded and the closeout confirmed; final."""
    WAIVED = "waived", "免于点评", "waived"
    """免于点评: the office waived the review with a reason; final, shown as waived, never as
    covered."""
    CANCELLED = "cancelled", "已撤销", "cancelled"
    """已撤销: cancelled (a roster change, or by the office with a reason); final, but the office
    may open its slot again (R-REOPEN)."""
    NOT_APPLICABLE = "not_applicable", "不适用", "not applicable"
    """不适用 (R-NA): the slot should never have existed; final, counted neither as covered nor as a
    gap."""

    @property
    def final(self) -> bool:
        """Whether no step leaves this state."""
        return self in _FINAL

    @property
    def reviewed(self) -> bool:
        """Whether the review itself has been held (step 2 concluded)."""
        return self in _REVIEWED


_FINAL = frozenset(
    {ReviewState.CLOSED, ReviewState.WAIVED, ReviewState.CANCELLED, ReviewState.NOT_APPLICABLE}
)
_REVIEWED = frozenset({ReviewState.PUBLICIZING, ReviewState.RECTIFYING, ReviewState.CLOSED})


@attrs.frozen
class Review:
    """One review of one subject by one reviewer for one period, and all it has recorded."""

    id: str
    """The review's id, unique in the store."""
    kind: ReviewKind
    """Whether the subject is an organization or a member."""
    reviewer_id: str
    """The member who reviews: a committee member for a liaison point, a head for its members
    (R-SCOPE-1..3)."""
    subject_id: str
    """The organization or member reviewed (an organization id or a member id, by ``kind``)."""
    period: Period
    """The month, quarter or year the review belongs to (R-CAD-1..2)."""
    basis: Basis
    """Why this reviewer reviews this subject: liaison point, head, or the parent's head
    (R-SCOPE-1..3)."""
    org_id: str
    """The organization the review belongs to: the subject organization, or the subject member's
    organization. Coverage and scope checks by subtree use it."""
    state: ReviewState = ReviewState.SCHEDULED
    """Where the review stands in the four-step workflow."""
    version: int = 1
    """The number of history entries so far; a step given ``expected_version`` is refused with
    ``ConcurrencyConflict`` if it has moved on."""
    planned_method: MethodRecord | None = None
    """The method the policy plans for this kind of review (R-METH), set when scheduled."""
    method: MethodRecord | None = None
    """How and when the review was actually held (R-METH), recorded in step 2."""
    reports: tuple[SituationReport, ...] = ()
    """The situation reports heard in step 1 (R-STEP-1), oldest first."""
    judgements: tuple[CommitmentJudgement, ...] = ()
    """The reviewer's judgements of the reported commitments (R-COMMIT)."""
    comments: tuple[AspectComment, ...] = ()
    """The reviewer's comment on each aspect: achievements and problems (R-CONT-ORG, R-CONT-MEM)."""
    direction: str = ""
    """The direction of effort (努力方向) the reviewer states in step 2."""
    suggestions: str = ""
    """The reviewer's opinions and suggestions (意见建议)."""
    participants: tuple[Participant, ...] = ()
    """The members and masses representatives invited, with their opinions (R-PART)."""
    requirements: tuple[RectificationRequirement, ...] = ()
    """The rectification requirements (整改要求) set in step 2, each citing the problems it
    answers."""
    no_rectification_needed: bool = False
    """Whether the reviewer declared that the problems raised need no requirement (R-STEP-2)."""
    form: FormRecord | None = None
    """The review form (点评表) as confirmed filled in by the organization (step 3)."""
    filing: Filing | None = None
    """The office's filing (备案) of the form, with its filing number (step 3)."""
    publicity: Publicity | None = None
    """How the review was made public in writing (step 3)."""
    ledger: tuple[RectificationItem, ...] = ()
    """The rectification ledger (整改台账): one item per measure, with owner, due date and status
    (step 4)."""
    reply: WrittenReply | None = None
    """The subject's written reply (书面回复) once every item is done (step 4)."""
    closeout: Closeout | None = None
    """The reviewer's confirmation that the ledger is done (销号), which closes the review."""
    extras: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    """What the steps a deployment adds record (plain JSON data by key): see
    :func:`~reviewflow.domain.effects.put_extra`. Empty for the document's own workflow."""
    end_reason: str = ""
    """Why the review ended as waived, cancelled or not applicable (the reason given); empty
    otherwise."""
    last_digest: str = ""
    """The digest of the review's latest history entry: the end of its hash chain (R-AUDIT)."""
    round: int = 1
    """Which time the slot is held: 1 when scheduled, one more each time the office opens a
    cancelled review's slot again (R-REOPEN)."""
    reopens: str | None = None
    """The cancelled review this one opens again (R-REOPEN); None for a review scheduled."""

    @property
    def key(self) -> tuple[str, ReviewKind, str, Period]:
        """The slot this review fills: scheduling creates at most one review per key (R-CAD-4)."""
        return (self.reviewer_id, self.kind, self.subject_id, self.period)

    @property
    def round_key(self) -> tuple[str, ReviewKind, str, Period, int]:
        """The slot and its round: what a store holds unique (R-CAD-4, R-REOPEN)."""
        return (self.reviewer_id, self.kind, self.subject_id, self.period, self.round)

    @property
    def aspects(self) -> tuple[Aspect, ...]:
        """The four aspects this review covers (R-CONT-ORG / R-CONT-MEM)."""
        return Aspect.for_kind(self.kind)

    def comment_on(self, aspect: Aspect) -> AspectComment | None:
        """The reviewer's comment on an aspect, if recorded."""
        return next((c for c in self.comments if c.aspect is aspect), None)

    def problem_ids(self) -> tuple[str, ...]:
        """The ids of every problem raised, in order."""
        return tuple(p.id for c in self.comments for p in c.problems)

    def commitments(self) -> tuple[Commitment, ...]:
        """Every commitment reported in step 1, in order."""
        return tuple(c for r in self.reports for c in r.commitments)


class ReviewRef(typing.NamedTuple):
    """A review's id, slot and state, without its record: what scheduling and coverage need
    of every review of a period, read without parsing a single record."""

    id: str
    """The review's id."""
    kind: ReviewKind
    """Whether the subject is an organization or a member."""
    reviewer_id: str
    """The member who reviews."""
    subject_id: str
    """The organization or member reviewed."""
    period: Period
    """The period the review belongs to."""
    org_id: str
    """The organization the review belongs to (as ``Review.org_id``)."""
    state: ReviewState
    """Where the review stands in the workflow."""

    @property
    def key(self) -> tuple[str, ReviewKind, str, Period]:
        """The slot (reviewer, kind, subject, period), as :attr:`Review.key`."""
        return (self.reviewer_id, self.kind, self.subject_id, self.period)

    @classmethod
    def of(cls, review: Review) -> ReviewRef:
        """The reference of a whole review."""
        return cls(
            review.id, review.kind, review.reviewer_id, review.subject_id, review.period,
            review.org_id, review.state,
        )  # fmt: skip


@attrs.frozen
class HistoryEntry:
    """One recorded change of a review: who, when, from, to, with what data and why (R-AUDIT).

    ``seq`` is the review's version after the change. ``digest`` chains the entry to the one
    before it (``prev_digest``), so an entry edited or removed behind the library's back shows.
    """

    review_id: str
    """The review changed."""
    seq: int
    """The review's version after the change: 1 for the entry that created it, then one more per
    entry."""
    at: datetime
    """When the change was made (the service's clock)."""
    actor_id: str
    """Who made it: a member or office staff id."""
    action: str
    """The step (trigger) taken, such as ``start`` or ``file``, or ``schedule`` for the entry that
    created the review."""
    from_state: ReviewState | None
    """The state before the change; None for the entry that created the review."""
    to_state: ReviewState
    """The state after the change."""
    data: Mapping[str, Any] = attrs.field(factory=dict)
    """What the step recorded, as plain JSON data (the step's arguments)."""
    reason: str = ""
    """Why, where the step takes a reason (a cancellation, a waiver, a reassignment); empty
    otherwise."""
    prev_digest: str = ""
    """The digest of the entry before; empty for the first."""
    digest: str = ""
    """SHA-256 of this entry's content and ``prev_digest``: an entry edited or removed shows."""

    @classmethod
    def create(
        cls,
        *,
        review_id: str,
        seq: int,
        at: datetime,
        actor_id: str,
        action: str,
        from_state: ReviewState | None,
        to_state: ReviewState,
        data: Mapping[str, Any],
        reason: str,
        prev_digest: str,
    ) -> HistoryEntry:
        """An entry with its digest computed."""
        digest = _digest(
            review_id, seq, at, actor_id, action, from_state, to_state, data, reason, prev_digest
        )
        return cls(
            review_id, seq, at, actor_id, action, from_state, to_state, data, reason,
            prev_digest, digest,
        )  # fmt: skip

    def compute_digest(self) -> str:
        """The SHA-256 of this entry's content and the previous entry's digest."""
        return _digest(
            self.review_id, self.seq, self.at, self.actor_id, self.action, self.from_state,
            self.to_state, self.data, self.reason, self.prev_digest,
        )  # fmt: skip


def _digest(  # noqa: PLR0917 - the entry's fields, in their order
    review_id: str,
    seq: int,
    at: datetime,
    actor_id: str,
    action: str,
    from_state: ReviewState | None,
    to_state: ReviewState,
    data: Mapping[str, Any],
    reason: str,
    prev_digest: str,
) -> str:
    """SHA-256 over the canonical JSON of an entry's content (the format is fixed: stored
    histories are checked against it)."""
    content = {
        "review_id": review_id,
        "seq": seq,
        "at": at.isoformat(),
        "actor_id": actor_id,
        "action": action,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value,
        "data": data,
        "reason": reason,
        "prev_digest": prev_digest,
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


@attrs.frozen
class Attempt:
    """A refused attempt (R-AUDIT): who tried what, when, and why it was refused."""

    id: str
    """The attempt's id."""
    at: datetime
    """When it was refused."""
    actor_id: str
    """Who tried."""
    action: str
    """What they tried: the step or the service operation."""
    review_id: str | None
    """The review it concerned, if any."""
    error: str
    """The error class that refused it (``OutOfScope``, ``GuardFailed`` ...)."""
    message: str
    """The refusal's message, as the caller got it."""
    details: Mapping[str, Any] = attrs.field(factory=dict)
    """The error's data (its fields), as plain JSON data."""


@attrs.frozen
class ItemUpdate:
    """A change to a ledger item's status (R-STEP-4)."""

    item_id: str
    """The ledger item reported on."""
    status: ItemStatus = attrs.field(converter=ItemStatus)
    """Its new status."""
    done_on: date | None = None
    """The day it was done, for status ``done``."""
    note: str = ""
    """What the reporter adds (progress, evidence)."""


# -- the reducer -----------------------------------------------------------------------------


def _moved(
    review: Review, state: ReviewState, version: int, end_reason: str, digest: str
) -> Review:
    """``review`` after a step: its state, version, end reason and digest replaced.

    The constructor called with every field, as plain code: ``attrs.evolve`` does the same
    at two and a half times the cost (it looks the fields up on every call), and every step
    makes one (a test holds the two to the same review, every field set).
    """
    r = review
    return Review(
        r.id, r.kind, r.reviewer_id, r.subject_id, r.period, r.basis, r.org_id, state, version,
        r.planned_method, r.method, r.reports, r.judgements, r.comments, r.direction,
        r.suggestions, r.participants, r.requirements, r.no_rectification_needed, r.form,
        r.filing, r.publicity, r.ledger, r.reply, r.closeout, r.extras, end_reason, digest,
        r.round, r.reopens,
    )  # fmt: skip


SCHEDULE_ACTION = "schedule"
"""The action of a review's first history entry, which creates the record."""

REOPEN_ACTION = "reopen"
"""The action of the first history entry of a review that opens a cancelled review's slot
again (R-REOPEN): it creates the record, like ``schedule``, one round later."""

NOT_APPLICABLE_ACTION = "mark_slot_not_applicable"
"""The action of the first history entry of a review made for a planned slot that should never
have existed (R-NA): it creates the record already ended as not applicable."""

CREATING_ACTIONS = frozenset({SCHEDULE_ACTION, REOPEN_ACTION, NOT_APPLICABLE_ACTION})
"""The actions of an entry that creates a review: the first of every history, and only it."""

REASSIGN_ACTION = "reassign"
"""The action of an entry that hands an open review to another reviewer (R-ROSTER-2): its data
is ``{"from": <former reviewer>, "to": <new reviewer>}``; the state stays as it was."""


def reassigned_by(review: Review, entry: HistoryEntry) -> Review:
    """The record after a ``reassign`` entry: the new reviewer, nothing else changed."""
    return attrs.evolve(review, reviewer_id=str(entry.data["to"]))


def created_by(entry: HistoryEntry) -> Review:
    """The record a creating entry (:data:`CREATING_ACTIONS`) makes: its data, with the entry's
    id, state, version and digest, and its reason when it makes the review ended (the data
    leaves out the fields at their defaults: see :func:`schedule_data`)."""
    created = structure(dict(entry.data), Review)
    return attrs.evolve(
        created,
        id=entry.review_id,
        state=entry.to_state,
        version=entry.seq,
        last_digest=entry.digest,
        end_reason=entry.reason if entry.to_state.final else created.end_reason,
    )


def _blank_defaults() -> dict[str, Any]:
    """The record's fields that have defaults, at their defaults, in plain form."""
    blank = unstructure(
        Review("-", ReviewKind.MEMBER, "-", "-", Period.parse("2000-01"), Basis.HEAD, "-")
    )
    names = {a.name for a in attrs.fields(Review) if a.default is not attrs.NOTHING}
    return {name: value for name, value in blank.items() if name in names}


_RECORD_DEFAULTS = _blank_defaults()


def schedule_record(  # noqa: PLR0917 - a planned slot's fields, in their order
    review_id: str,
    kind: str,
    reviewer_id: str,
    subject_id: str,
    period: str,
    basis: str,
    org_id: str,
    planned_method: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """:func:`schedule_data` of a review just planned, from its fields in plain form: the
    record's other fields are at their defaults, so not in it (a test holds the two equal)."""
    record: dict[str, Any] = {
        "id": review_id, "kind": kind, "reviewer_id": reviewer_id, "subject_id": subject_id,
        "period": period, "basis": basis, "org_id": org_id,
    }  # fmt: skip
    if planned_method is not None:
        record["planned_method"] = planned_method
    return record


def schedule_data(review: Review) -> dict[str, Any]:
    """The data of a review's first (``schedule``) history entry: its record's fields, but
    for those at their defaults (:func:`apply_entry` gives those back). An entry written
    when the data held every field replays and verifies as it is."""
    plain: dict[str, Any] = unstructure(review)
    defaults = _RECORD_DEFAULTS
    return {
        name: value
        for name, value in plain.items()
        if name not in defaults or value != defaults[name]
    }
