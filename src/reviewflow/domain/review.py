"""The review (领导点评), its history and the attempt log (R-AUDIT).

A review's current record is the fold of its history: :func:`apply_entry` turns one entry into the
next record, so the history replays to the current state, and a store that keeps both can check
one against the other.
"""

from __future__ import annotations

import hashlib
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs
import orjson
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

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
    converter,
    register_unrolled,
    structure,
    unstructure,
)
from reviewflow.domain.vocabulary import Aspect, Basis, ItemStatus, Labelled, ReviewKind
from reviewflow.errors import InvalidInput

__all__ = [
    "Attempt",
    "HistoryEntry",
    "ItemUpdate",
    "Review",
    "ReviewRef",
    "ReviewState",
    "apply_entry",
    "moves_state_alone",
    "replay",
]


class ReviewState(Labelled):
    """The states of the four-step workflow (§5)."""

    SCHEDULED = "scheduled", "待点评", "scheduled"
    FACT_FINDING = "fact_finding", "了解情况", "fact finding"
    REVIEWING = "reviewing", "实施点评", "reviewing"
    PUBLICIZING = "publicizing", "整理公开", "compiling and publicizing"
    RECTIFYING = "rectifying", "整改落实", "rectifying"
    CLOSED = "closed", "已销号", "closed"
    WAIVED = "waived", "免于点评", "waived"
    CANCELLED = "cancelled", "已撤销", "cancelled"

    @property
    def final(self) -> bool:
        """Whether no step leaves this state."""
        return self in _FINAL

    @property
    def reviewed(self) -> bool:
        """Whether the review itself has been held (step 2 concluded)."""
        return self in _REVIEWED


_FINAL = frozenset({ReviewState.CLOSED, ReviewState.WAIVED, ReviewState.CANCELLED})
_REVIEWED = frozenset({ReviewState.PUBLICIZING, ReviewState.RECTIFYING, ReviewState.CLOSED})


@attrs.frozen
class Review:
    """One review of one subject by one reviewer for one period, and all it has recorded."""

    id: str
    kind: ReviewKind
    reviewer_id: str
    subject_id: str
    period: Period
    basis: Basis
    org_id: str
    state: ReviewState = ReviewState.SCHEDULED
    version: int = 1
    planned_method: MethodRecord | None = None
    method: MethodRecord | None = None
    reports: tuple[SituationReport, ...] = ()
    judgements: tuple[CommitmentJudgement, ...] = ()
    comments: tuple[AspectComment, ...] = ()
    direction: str = ""
    suggestions: str = ""
    participants: tuple[Participant, ...] = ()
    requirements: tuple[RectificationRequirement, ...] = ()
    no_rectification_needed: bool = False
    form: FormRecord | None = None
    filing: Filing | None = None
    publicity: Publicity | None = None
    ledger: tuple[RectificationItem, ...] = ()
    reply: WrittenReply | None = None
    closeout: Closeout | None = None
    end_reason: str = ""
    last_digest: str = ""

    @property
    def key(self) -> tuple[str, ReviewKind, str, Period]:
        """The slot this review fills: at most one review per key (R-CAD-4)."""
        return (self.reviewer_id, self.kind, self.subject_id, self.period)

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
    kind: ReviewKind
    reviewer_id: str
    subject_id: str
    period: Period
    org_id: str
    state: ReviewState

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
    seq: int
    at: datetime
    actor_id: str
    action: str
    from_state: ReviewState | None
    to_state: ReviewState
    data: Mapping[str, Any] = attrs.field(factory=dict)
    reason: str = ""
    prev_digest: str = ""
    digest: str = ""

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
    if data.__class__ is dict and not data and seq.__class__ is int:
        # Most steps carry no data: the canonical JSON is spliced by a digester (kept for the
        # last fields that stay the same from entry to entry: a bulk step makes a thousand
        # entries with them). Anything orjson will not take goes the general way.
        key = (actor_id, action, from_state, to_state, reason)
        last = _LAST_DIGESTER[0]
        try:
            if last[0] != key:
                last = _LAST_DIGESTER[0] = (key, digester(*key))
            return last[1](_iso(at), review_id, seq, prev_digest)
        except TypeError:
            pass
    content = {
        "review_id": review_id,
        "seq": seq,
        "at": _iso(at),
        "actor_id": actor_id,
        "action": action,
        "from_state": from_state.value if from_state else None,
        "to_state": to_state.value,
        "data": data,
        "reason": reason,
        "prev_digest": prev_digest,
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


def digester(
    actor_id: str,
    action: str,
    from_state: ReviewState | None,
    to_state: ReviewState,
    reason: str,
) -> Callable[[str, str, int, str], str]:
    """``digest(at, review_id, seq, prev_digest)`` (``at`` in ISO form): the digest of an
    entry with no data and these fields, the SHA-256 of its canonical JSON (a test holds the
    two to the same bytes) spliced around the parts that differ from entry to entry: what a
    bulk step chains its thousand entries with, and :func:`_digest` such an entry."""
    dumps, sha256, join = orjson.dumps, hashlib.sha256, b"".join
    head = b'{"action":' + dumps(action) + b',"actor_id":' + dumps(actor_id) + b',"at":'
    states = b',"data":{},"from_state":' + dumps(from_state._value_ if from_state else None)
    middle = states + b',"prev_digest":'
    before_id = b',"reason":' + dumps(reason) + b',"review_id":'
    end = b',"to_state":' + dumps(to_state._value_) + b"}"

    def digest(at: str, review_id: str, seq: int, prev_digest: str) -> str:
        parts = (
            head, dumps(at), middle, dumps(prev_digest), before_id, dumps(review_id),
            b',"seq":', b"%d" % seq, end,
        )  # fmt: skip
        return sha256(join(parts)).hexdigest()

    return digest


_LAST_DIGESTER: list[tuple[tuple[Any, ...], Callable[[str, str, int, str], str]]] = [
    ((), lambda *_: "")
]
"""The digester :func:`_digest` made last, with the fields it was made for."""


@attrs.frozen
class Attempt:
    """A refused attempt (R-AUDIT): who tried what, when, and why it was refused."""

    id: str
    at: datetime
    actor_id: str
    action: str
    review_id: str | None
    error: str
    message: str
    details: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ItemUpdate:
    """A change to a ledger item's status (R-STEP-4)."""

    item_id: str
    status: ItemStatus = attrs.field(converter=ItemStatus)
    done_on: date | None = None
    note: str = ""


# -- the reducer -----------------------------------------------------------------------------

_REVIEW_FIELDS = tuple(a.name for a in attrs.fields(Review))


def _with(review: Review, **changes: Any) -> Review:
    """``review`` with ``changes``: ``attrs.evolve`` without its per-call introspection."""
    return Review(*[changes[n] if n in changes else getattr(review, n) for n in _REVIEW_FIELDS])


def _compile_moved() -> Callable[[Review, ReviewState, int, str, str], Review]:
    """``moved(review, state, version, end_reason, last_digest)``: the review after a step, as
    plain code (every step makes one; :func:`_with` would look each field up by name)."""
    own = ("state", "version", "end_reason", "last_digest")
    args = ", ".join(n if n in own else f"r.{n}" for n in _REVIEW_FIELDS)
    source = f"def moved(r, state, version, end_reason, last_digest):\n    return Review({args})\n"
    names: dict[str, Any] = {"Review": Review}
    exec(compile(source, "<reviewflow moved review>", "exec"), names)  # noqa: S102 - field names
    moved: Callable[[Review, ReviewState, int, str, str], Review] = names["moved"]
    return moved


_moved = _compile_moved()


_Reducer = Callable[[Review, Mapping[str, Any]], Review]


def _append(field: str, cls: type[Any]) -> _Reducer:
    def reduce(review: Review, data: Mapping[str, Any]) -> Review:
        changes: dict[str, Any] = {field: (*getattr(review, field), structure(data, cls))}
        return attrs.evolve(review, **changes)

    return reduce


def _put(field: str, cls: type[Any]) -> _Reducer:
    def reduce(review: Review, data: Mapping[str, Any]) -> Review:
        changes: dict[str, Any] = {field: structure(data, cls)}
        return attrs.evolve(review, **changes)

    return reduce


def _unchanged(review: Review, _data: Mapping[str, Any]) -> Review:
    return review


def _comment(review: Review, data: Mapping[str, Any]) -> Review:
    new = structure(data, AspectComment)
    kept = tuple(c for c in review.comments if c.aspect is not new.aspect)
    order = {a: i for i, a in enumerate(Aspect)}
    return attrs.evolve(review, comments=tuple(sorted((*kept, new), key=lambda c: order[c.aspect])))


def _judge(review: Review, data: Mapping[str, Any]) -> Review:
    new = structure(data, CommitmentJudgement)
    kept = tuple(j for j in review.judgements if j.commitment_id != new.commitment_id)
    return attrs.evolve(review, judgements=(*kept, new))


def _direction(review: Review, data: Mapping[str, Any]) -> Review:
    return attrs.evolve(review, direction=data["direction"], suggestions=data["suggestions"])


def _no_rectification(review: Review, _data: Mapping[str, Any]) -> Review:
    return attrs.evolve(review, no_rectification_needed=True)


def _require(review: Review, data: Mapping[str, Any]) -> Review:
    requirement = structure(data, RectificationRequirement)
    return attrs.evolve(
        review,
        requirements=(*review.requirements, requirement),
        no_rectification_needed=False,
    )


def _update_item(review: Review, data: Mapping[str, Any]) -> Review:
    update = structure(data, ItemUpdate)
    ledger = tuple(
        attrs.evolve(item, status=update.status, done_on=update.done_on, note=update.note)
        if item.id == update.item_id
        else item
        for item in review.ledger
    )
    return attrs.evolve(review, ledger=ledger)


def _end(review: Review, _data: Mapping[str, Any]) -> Review:
    return review


_REDUCERS: dict[str, _Reducer] = {
    "start": _unchanged,
    "report": _append("reports", SituationReport),
    "conclude_fact_finding": _unchanged,
    "record_method": _put("method", MethodRecord),
    "comment": _comment,
    "set_direction": _direction,
    "add_participant": _append("participants", Participant),
    "require": _require,
    "declare_no_rectification": _no_rectification,
    "judge_commitment": _judge,
    "conclude_review": _unchanged,
    "fill_form": _put("form", FormRecord),
    "file": _put("filing", Filing),
    "publicize": _put("publicity", Publicity),
    "begin_rectification": _unchanged,
    "plan_item": _append("ledger", RectificationItem),
    "update_item": _update_item,
    "reply": _put("reply", WrittenReply),
    "confirm_closeout": _put("closeout", Closeout),
    "close": _unchanged,
    "waive": _end,
    "cancel": _end,
}

SCHEDULE_ACTION = "schedule"


def moves_state_alone(action: str) -> bool:
    """Whether an entry of ``action`` with no data and no reason changes a review's state,
    version and digest and nothing else of its record (a bulk step of it writes those alone)."""
    return _REDUCERS.get(action) is _unchanged


def apply_entry(review: Review | None, entry: HistoryEntry) -> Review:
    """The record after ``entry``: the first entry (``schedule``) creates it."""
    if entry.action == SCHEDULE_ACTION:
        if review is not None:
            raise InvalidInput("action", entry.action, "a review is scheduled only once")
        created = structure(dict(entry.data), Review)
        return attrs.evolve(
            created,
            id=entry.review_id,
            state=entry.to_state,
            version=entry.seq,
            last_digest=entry.digest,
        )
    if review is None:
        raise InvalidInput("action", entry.action, "the first entry of a history is 'schedule'")
    reduce = _REDUCERS.get(entry.action)
    if reduce is None:
        raise InvalidInput("action", entry.action, "not an action of the workflow")
    changed = reduce(review, entry.data)
    end_reason = entry.reason if entry.reason and entry.to_state.final else changed.end_reason
    return _moved(changed, entry.to_state, entry.seq, end_reason, entry.digest)


def replay(entries: Iterable[HistoryEntry]) -> Review | None:
    """Fold a history into the record it describes (None for an empty history)."""
    review: Review | None = None
    for entry in entries:
        review = apply_entry(review, entry)
    return review


_LAST_ISO: list[tuple[datetime | None, str]] = [(None, "")]


def _iso(moment: datetime) -> str:
    """``moment.isoformat()``, kept for the last moment (a schedule stamps a million entries
    with one)."""
    last = _LAST_ISO[0]
    if last[0] is moment:
        return last[1]
    text = moment.isoformat()
    _LAST_ISO[0] = (moment, text)
    return text


def _blank_defaults() -> dict[str, Any]:
    """The record's fields that have defaults, at their defaults, in plain form."""
    blank = unstructure(
        Review("-", ReviewKind.MEMBER, "-", "-", Period.parse("2000-01"), Basis.HEAD, "-")
    )
    names = {a.name for a in attrs.fields(Review) if a.default is not attrs.NOTHING}
    return {name: value for name, value in blank.items() if name in names}


_RECORD_DEFAULTS = _blank_defaults()


def _compile_schedule_record() -> Callable[..., dict[str, Any]]:
    """``schedule_record(...)``: :func:`schedule_data` of a review just planned, as one dict
    display (the record's other fields are at their defaults, so not in it)."""
    given = ("id", "kind", "reviewer_id", "subject_id", "period", "basis", "org_id",
             "planned_method")  # fmt: skip
    items = ", ".join(f"{name!r}: {name}" for name in given[:-1])
    source = (
        f"def schedule_record({', '.join(given)}):\n"
        f"    record = {{{items}}}\n"
        "    if planned_method is not None:\n"
        "        record['planned_method'] = planned_method\n"
        "    return record\n"
    )
    names: dict[str, Any] = {}
    exec(compile(source, "<reviewflow schedule record>", "exec"), names)  # noqa: S102 - own fields
    record: Callable[..., dict[str, Any]] = names["schedule_record"]
    return record


class ScheduleEntries:
    """Makes the ``schedule`` entries of one scheduling run (one moment, one actor).

    Such an entry's canonical JSON differs from one review to the next only in the review's
    slot fields, its planned method and its id, so it is put together from the parts that stay
    the same (worked out once, from :func:`canonical_json` of an entry and of a record with
    markers in their place) and those values, each encoded as :func:`canonical_json` encodes
    it: the same bytes, so the same digest (a property test holds :meth:`encoded` and
    :meth:`entry_for` to :meth:`HistoryEntry.create`). :meth:`encoded` gives the entry's data as
    JSON and its digest without making the entry or its data's dict: a store that writes them
    as they are (:class:`~reviewflow.store.base.ScheduleWrites`) needs no more.
    """

    _FIELDS = ("id", "kind", "reviewer_id", "subject_id", "period", "basis", "org_id")

    def __init__(self, at: datetime, actor_id: str) -> None:
        self.at = at
        self.actor_id = actor_id
        entry_marks = {"data": "\x00data\x00", "review_id": "\x00review\x00"}
        content = {
            "review_id": entry_marks["review_id"], "seq": 1, "at": _iso(at),
            "actor_id": actor_id, "action": "schedule", "from_state": None,
            "to_state": ReviewState.SCHEDULED.value, "data": entry_marks["data"], "reason": "",
            "prev_digest": "",
        }  # fmt: skip
        self._parts = _cut(canonical_json(content), entry_marks)
        marks = {name: f"\x00{n}\x00" for n, name in enumerate((*self._FIELDS, "method"))}
        record = canonical_json(schedule_record(*marks.values()))
        # The record's JSON as one expression: its parts as constants, each value encoded in
        # its place (a loop over them costs twice as much).
        places = sorted((record.index(orjson.dumps(mark)), name) for name, mark in marks.items())
        parts: list[bytes] = []
        pieces = ["parts[0]"]
        start = 0
        for n, (place, name) in enumerate(places, 1):
            parts.append(record[start:place])
            start = place + len(orjson.dumps(marks[name]))
            pieces += [
                "method" if name == "method" else f"dumps(v[{self._FIELDS.index(name)}])",
                f"parts[{n}]",
            ]
        parts.append(record[start:])
        scope: dict[str, Any] = {"dumps": orjson.dumps, "parts": parts}
        source = f"def encode(v, method):\n    return b''.join(({', '.join(pieces)}))\n"
        exec(compile(source, "<reviewflow schedule record JSON>", "exec"), scope)  # noqa: S102
        self._encode: Callable[[tuple[str, ...], bytes], bytes] = scope["encode"]
        self._methods: dict[Any, tuple[dict[str, Any], bytes]] = {}

    def encoded(  # noqa: PLR0917 - a slot's fields, in their order
        self,
        review_id: str,
        kind: ReviewKind,
        reviewer_id: str,
        subject_id: str,
        period: str,
        basis: Basis,
        org_id: str,
        method: Any,
    ) -> tuple[str, str]:
        """The data (canonical JSON) and the digest of the ``schedule`` entry of the review
        ``review_id`` just planned with ``method`` (a :class:`MethodRecord`), ``period`` as
        text."""
        found = self._methods.get(method)
        if found is None:
            plain = unstructure(method)
            found = self._methods[method] = (plain, canonical_json(plain))
        values = (review_id, kind._value_, reviewer_id, subject_id, period, basis._value_, org_id)
        try:
            data = self._encode(values, found[1])
            start, middle, end = self._parts
            whole = b"".join((start, data, middle, orjson.dumps(review_id), end))
        except TypeError:  # not text orjson takes: the general way
            entry = HistoryEntry.create(
                review_id=review_id, seq=1, at=self.at, actor_id=self.actor_id,
                action="schedule", from_state=None, to_state=ReviewState.SCHEDULED,
                data=schedule_record(*values, dict(found[0])), reason="", prev_digest="",
            )  # fmt: skip
            return canonical_json(entry.data).decode(), entry.digest
        return data.decode(), hashlib.sha256(whole).hexdigest()

    def entry_for(self, review: Review) -> HistoryEntry:
        """The ``schedule`` entry of ``review``, just planned and its digest from
        :meth:`encoded`, as an entry (for a store that takes entries, and for listeners): its
        data the record as :func:`schedule_data` gives it."""
        found = self._methods.get(review.planned_method)
        plain = found[0] if found is not None else unstructure(review.planned_method)
        data = schedule_record(
            review.id, review.kind._value_, review.reviewer_id, review.subject_id,
            str(review.period), review.basis._value_, review.org_id, dict(plain),
        )  # fmt: skip
        return HistoryEntry(
            review.id, 1, self.at, self.actor_id, "schedule", None, ReviewState.SCHEDULED,
            data, "", "", review.last_digest,
        )  # fmt: skip


def _cut(encoded: bytes, marks: Mapping[str, str]) -> tuple[bytes, bytes, bytes]:
    """``encoded`` cut around the encoded ``marks["data"]`` and ``marks["review_id"]``, in
    that order (the order of the keys sorted)."""
    data, review = orjson.dumps(marks["data"]), orjson.dumps(marks["review_id"])
    before, rest = encoded.split(data)
    middle, after = rest.split(review)
    return before, middle, after


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


# -- reading and writing stored reviews fast -------------------------------------------------

_generated_structure = make_dict_structure_fn(Review, converter, _cattrs_forbid_extra_keys=True)
_generated_unstructure = make_dict_unstructure_fn(Review, converter)
register_unrolled(Review)

schedule_record = _compile_schedule_record()
"""``schedule_record(id, kind, reviewer_id, subject_id, period, basis, org_id,
planned_method)`` (all in plain form): what :func:`schedule_data` gives for such a review."""
