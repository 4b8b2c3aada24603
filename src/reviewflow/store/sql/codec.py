"""Rows and domain values: how the SQL store writes reviews, their history and ledger items,
the roster, the attempt log, orders and exemplars into columns, and reads them back.

A review is kept as one row: the columns the queries filter on (its slot, state, version and
last digest, the period's days, the slot's hash), plus its record as JSON (``doc``): the
fields that are not columns and not at their defaults. The codec follows ``attrs.fields(Review)``:
a field the domain adds is carried through without a change here. A record stored whole (as
schemas before 3 did, every field in it) reads the same.
"""

from __future__ import annotations

import json
import operator
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import attrs
import orjson

from reviewflow.domain.office import (
    CoverageFacts,
    Exemplar,
    ExemplarPublicity,
    Inspection,
    SummarySubmission,
    SupervisionOrder,
    slot_hash,
)
from reviewflow.domain.periods import Period
from reviewflow.domain.review import Attempt, HistoryEntry, Review, ReviewState
from reviewflow.domain.roster import FormerOrg, HeadTerm, LiaisonAssignment, Member, Organization
from reviewflow.domain.serial import canonical_json, converter, structure, unstructure
from reviewflow.domain.vocabulary import Basis, MemberStatus, OrgKind, ReviewKind, Role

_D = TypeVar("_D", HeadTerm, FormerOrg)

KINDS = {k.value: k for k in ReviewKind}
BASES = {b.value: b for b in Basis}
STATES = {s.value: s for s in ReviewState}

# -- tables and statements ------------------------------------------------------------------------

ORG_COLUMNS = (
    "id", "name", "kind", "org_type", "parent_id", "head_id", "dissolved_on", "founded_on",
    "head_since", "former_heads",
)  # fmt: skip
MEMBER_COLUMNS = (
    "id", "name", "org_id", "post_category", "status", "roles", "left_on", "left_reason",
    "joined_on", "former_orgs",
)  # fmt: skip
LIAISON_COLUMNS = ("committee_member_id", "org_id", "since", "until")
HISTORY_COLUMNS = (
    "review_id", "seq", "at", "actor_id", "action", "from_state", "to_state", "data", "reason",
    "prev_digest", "digest",
)  # fmt: skip
REVIEW_COLUMNS = (
    "id", "kind", "reviewer_id", "subject_id", "period", "period_start", "period_end", "basis",
    "org_id", "state", "version", "last_digest", "doc", "slot_hash", "slot_round",
)  # fmt: skip
ITEM_COLUMNS = (
    "review_id", "item_id", "requirement_id", "measure", "owner", "due", "status", "done_on",
)  # fmt: skip
ATTEMPT_COLUMNS = ("id", "at", "actor_id", "action", "review_id", "error", "message", "details")
ORDER_COLUMNS = ("id", "seq", "org_id", "status", "deadline", "version", "doc")

SLOT_COLUMNS = ("id", "kind", "reviewer_id", "subject_id", "period", "basis", "org_id")
"""A review's slot and the rest of what never changes once it is written."""
STATE_COLUMNS = ("state", "version", "last_digest")
"""What a step changes, in columns of its own."""
REVIEW_HEAD = ", ".join((*SLOT_COLUMNS, *STATE_COLUMNS))
REVIEW_READ = f"{REVIEW_HEAD}, doc"
"""The columns a review is read from, in the order :func:`review_of` takes them."""


def marks(count: int) -> str:
    """``count`` placeholders, comma-separated."""
    return ", ".join("?" * count)


def insert(table: str, columns: Sequence[str]) -> str:
    """An INSERT of one row of ``columns``."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})"


INSERT_HISTORY = insert("history", HISTORY_COLUMNS)
HISTORY_FROM_SELECT = (
    f"INSERT INTO history ({', '.join(HISTORY_COLUMNS)}) SELECT {marks(len(HISTORY_COLUMNS))}"
)
"""An INSERT of one history row by a SELECT of its values: a ``FROM`` clause may add a
condition."""
INSERT_ITEM = insert("ledger_items", ITEM_COLUMNS)
INSERT_ORDER = insert("orders", ORDER_COLUMNS)
UPDATE_STATE = (
    "UPDATE reviews SET state = ?, version = ?, last_digest = ? "
    "WHERE id = ? AND version = ? AND last_digest = ?"
)
UPDATE_REASSIGN = (
    "UPDATE reviews SET reviewer_id = ?, slot_hash = ?, state = ?, version = ?, last_digest = ?, "
    "doc = ? WHERE id = ? AND version = ? AND last_digest = ?"
)
"""A review handed to another reviewer (R-ROSTER-2): its slot changes with it."""
UPDATE_REVIEW = (
    "UPDATE reviews SET state = ?, version = ?, last_digest = ?, doc = ? "
    "WHERE id = ? AND version = ? AND last_digest = ?"
)

# -- the record ----------------------------------------------------------------------------------

_IN_COLUMNS = frozenset((*SLOT_COLUMNS, *STATE_COLUMNS))
_RECORD = tuple(a for a in attrs.fields(Review) if a.name not in _IN_COLUMNS)
"""The fields of a review kept in its stored record."""
_REQUIRED = object()
"""Stands for the default of a field without one: never equal to a value, so always stored."""


def _default(field: attrs.Attribute[Any]) -> object:
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # attrs' own class
        return _REQUIRED if default.takes_self else default.factory()
    return _REQUIRED if default is attrs.NOTHING else default


_TYPES = typing.get_type_hints(Review)
_RECORD_PARTS: tuple[tuple[str, object, Callable[[Any], Any]], ...] = tuple(
    (a.name, _default(a), converter.get_unstructure_hook(_TYPES[a.name])) for a in _RECORD
)
"""Each record field: its name, its default, and how its value becomes plain data (the hook the
converter uses for it within a whole review)."""
_record_values = operator.attrgetter(*(a.name for a in _RECORD))
_ORDER = (*SLOT_COLUMNS, *STATE_COLUMNS, *(a.name for a in _RECORD))
_arguments = operator.itemgetter(*(_ORDER.index(a.name) for a in attrs.fields(Review)))
"""A review's fields in the constructor's order, from its columns followed by its record."""
_structure_review = converter.get_structure_hook(Review)


def record(review: Review) -> tuple[Any, ...]:
    """The values of ``review``'s record fields (immutable: reviews may share them)."""
    values: tuple[Any, ...] = _record_values(review)
    return values


def same_record(before: Review, after: Review) -> bool:
    """Whether ``after`` holds the record ``before`` holds (a step that moves the state alone
    keeps the very same objects: tested by identity first)."""
    old, new = record(before), record(after)
    return all(map(operator.is_, old, new)) or old == new


def doc(review: Review) -> str:
    """The stored record of ``review``: its fields other than the columns and other than those
    at their defaults. A scheduled review's record is its planned method alone, so a row holds
    a few dozen bytes of record instead of hundreds: more rows to a page, fewer pages written by
    every bulk write. :func:`review_of` puts the review back together."""
    plain: dict[str, Any] = {}
    for name, default, unstructure_value in _RECORD_PARTS:
        value = getattr(review, name)
        if value is not default and value != default:
            plain[name] = unstructure_value(value)
    return canonical_json(plain).decode() if plain else "{}"


def review_rows(reviews: Iterable[Review]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``reviews`` (:data:`REVIEW_COLUMNS`); each period's text and days are
    worked out once."""
    days: dict[Period, tuple[str, str, str]] = {}
    for r in reviews:
        found = days.get(r.period)
        if found is None:
            period = r.period
            found = days[period] = (str(period), period.start.isoformat(), period.end.isoformat())
        text, start, end = found
        yield (
            r.id, r.kind.value, r.reviewer_id, r.subject_id, text, start, end, r.basis.value,
            r.org_id, r.state.value, r.version, r.last_digest, doc(r),
            slot_hash(r.kind, r.reviewer_id, r.subject_id, text), r.round,
        )  # fmt: skip


def review_of(row: Sequence[Any]) -> Review:
    """The review of a row of :data:`REVIEW_READ`: its record, the columns over it (a record
    stored whole holds them too), the fields missing from it at their defaults."""
    rid, kind, reviewer_id, subject_id, period, basis, org_id, state, version, digest, text = row
    data = orjson.loads(text)
    data.update(
        id=rid, kind=kind, reviewer_id=reviewer_id, subject_id=subject_id, period=period,
        basis=basis, org_id=org_id, state=state, version=int(version), last_digest=digest,
    )  # fmt: skip
    review: Review = _structure_review(data, Review)
    return review


def review_with(row: Sequence[Any], values: Sequence[Any]) -> Review:
    """The review of a row of :data:`REVIEW_READ` whose record holds ``values`` (those of
    :func:`record` of a review read from the same record): nothing parsed."""
    rid, kind, reviewer_id, subject_id, period, basis, org_id, state, version, digest = row[:10]
    columns = (
        rid, KINDS[kind], reviewer_id, subject_id, Period.parse(period), BASES[basis], org_id,
        STATES[state], int(version), digest,
    )  # fmt: skip
    return Review(*_arguments((*columns, *values)))


# -- history, ledger, attempts, orders, exemplars -------------------------------------------------


def history_row(e: HistoryEntry) -> tuple[Any, ...]:
    """The row of a history entry (:data:`HISTORY_COLUMNS`)."""
    data = e.data
    return (
        e.review_id, e.seq, e.at.isoformat(), e.actor_id, e.action,
        e.from_state.value if e.from_state else None, e.to_state.value,
        "{}" if data.__class__ is dict and not data else json_text(dict(data)),
        e.reason, e.prev_digest, e.digest,
    )  # fmt: skip


def history_of(row: Sequence[Any]) -> HistoryEntry:
    """The history entry of a row of :data:`HISTORY_COLUMNS`."""
    rid, seq, at, actor, action, from_state, to_state, data, reason, prev, digest = row
    return HistoryEntry(
        review_id=rid, seq=int(seq), at=datetime.fromisoformat(at), actor_id=actor,
        action=action, from_state=STATES[from_state] if from_state else None,
        to_state=STATES[to_state], data=json.loads(data), reason=reason, prev_digest=prev,
        digest=digest,
    )  # fmt: skip


def item_rows(r: Review) -> Iterator[tuple[Any, ...]]:
    """The rows of a review's ledger items (:data:`ITEM_COLUMNS`)."""
    for item in r.ledger:
        yield (r.id, item.id, item.requirement_id, item.measure, item.owner,
               item.due.isoformat(), item.status.value, day(item.done_on))  # fmt: skip


def attempt_row(seq: int, a: Attempt) -> tuple[Any, ...]:
    """The row of an attempt: ``seq``, then :data:`ATTEMPT_COLUMNS`."""
    return (seq, a.id, a.at.isoformat(), a.actor_id, a.action, a.review_id, a.error, a.message,
            json_text(dict(a.details)))  # fmt: skip


def attempt_of(row: Sequence[Any]) -> Attempt:
    """The attempt of a row of :data:`ATTEMPT_COLUMNS`."""
    i, at, actor, action, rid, error, message, details = row
    return Attempt(i, datetime.fromisoformat(at), actor, action, rid, error, message,
                   json.loads(details))  # fmt: skip


def order_row(seq: int, o: SupervisionOrder) -> tuple[Any, ...]:
    """The row of an order (:data:`ORDER_COLUMNS`), ``seq`` its place among the orders."""
    return (o.id, seq, o.org_id, o.status.value, o.deadline.isoformat(), o.version, order_doc(o))


def order_doc(o: SupervisionOrder) -> str:
    """The stored record of an order."""
    return json_text(unstructure(o))


def order_of(text: str) -> SupervisionOrder:
    """The order of its stored record."""
    return structure(json.loads(text), SupervisionOrder)


OfficeRecord = Exemplar | Inspection | ExemplarPublicity | SummarySubmission
"""The office's records kept as a row of id, place, organization and record (and, for a
submission, its year: one per organization and year)."""

_Record = TypeVar("_Record", Exemplar, Inspection, ExemplarPublicity, SummarySubmission)


def record_row(seq: int, r: OfficeRecord) -> tuple[Any, ...]:
    """The row of an office record: id, ``seq`` (its place), organization, record, and a
    submission's year."""
    row = (r.id, seq, r.org_id, json_text(unstructure(r)))
    return (*row, r.year) if isinstance(r, SummarySubmission) else row


def record_of(text: str, cls: type[_Record]) -> _Record:
    """The office record of its stored record."""
    return structure(json.loads(text), cls)


# -- the roster -----------------------------------------------------------------------------------


def org_row(o: Organization, *, head: bool = True) -> tuple[Any, ...]:
    """The row of an organization (:data:`ORG_COLUMNS`); ``head=False`` leaves out its head
    (set once the members exist)."""
    head_id = o.head_id if head else None
    return (
        o.id, o.name, o.kind.value, o.org_type, o.parent_id, head_id, day(o.dissolved_on),
        day(o.founded_on), day(o.head_since), _dated(o.former_heads),
    )  # fmt: skip


def org_of(row: Sequence[Any]) -> Organization:
    """The organization of a row of :data:`ORG_COLUMNS`."""
    i, name, kind, org_type, parent, head, dissolved, founded, head_since, heads = row
    return Organization(
        i, name, OrgKind(kind), org_type, parent, head, date_of(dissolved), date_of(founded),
        date_of(head_since), _undated(heads, HeadTerm),
    )  # fmt: skip


def _dated(records: Sequence[HeadTerm] | Sequence[FormerOrg]) -> str | None:
    """A roster record's dated history as stored: JSON, NULL when there is none."""
    return json_text(unstructure(list(records))) if records else None


def _undated(text: str | None, cls: type[_D]) -> tuple[_D, ...]:
    return tuple(structure(item, cls) for item in json.loads(text)) if text else ()


def member_row(m: Member) -> tuple[Any, ...]:
    """The row of a member (:data:`MEMBER_COLUMNS`)."""
    roles = ",".join(sorted(r.value for r in m.roles))
    return (m.id, m.name, m.org_id, m.post_category, m.status.value, roles, day(m.left_on),
            m.left_reason, day(m.joined_on), _dated(m.former_orgs))  # fmt: skip


def member_of(row: Sequence[Any]) -> Member:
    """The member of a row of :data:`MEMBER_COLUMNS`."""
    i, name, org_id, category, status, roles, left_on, left_reason, joined_on, former = row
    return Member(
        i, name, org_id, category, MemberStatus(status),
        frozenset(Role(r) for r in roles.split(",") if r), date_of(left_on), left_reason,
        date_of(joined_on), _undated(former, FormerOrg),
    )  # fmt: skip


def liaison_row(a: LiaisonAssignment) -> tuple[Any, ...]:
    """The row of a liaison assignment (:data:`LIAISON_COLUMNS`)."""
    return (a.committee_member_id, a.org_id, day(a.since), day(a.until))


def liaison_of(row: Sequence[Any]) -> LiaisonAssignment:
    """The liaison assignment of a row of :data:`LIAISON_COLUMNS`."""
    member_id, org_id, since, until = row
    return LiaisonAssignment(member_id, org_id, date_of(since), date_of(until))


# -- coverage -------------------------------------------------------------------------------------

Group = tuple[str, str, str, str | None, str]
"""A coverage count's group as the database gives it: reviewer, organization, kind, the member
subject's post category (None for an organization's review), state."""


def facts(
    counts: Mapping[Group, list[int]],
    cancelled: Mapping[str, list[int]],
    watermark: object,
) -> CoverageFacts:
    """Coverage facts from counts as the database gives them (kinds and states as text), each
    a count and the sum of the slot hashes."""
    member = ReviewKind.MEMBER.value
    return CoverageFacts(
        tuple(
            (reviewer_id, org_id, KINDS[kind], (category or "") if kind == member else None,
             STATES[state], n, fingerprint)
            for (reviewer_id, org_id, kind, category, state), (n, fingerprint) in counts.items()
        ),
        tuple((org_id, n, fingerprint) for org_id, (n, fingerprint) in cancelled.items()),
        watermark,
    )  # fmt: skip


# -- plain values ---------------------------------------------------------------------------------


def day(value: date | None) -> str | None:
    """A day as stored (ISO text), or None."""
    return value.isoformat() if value is not None else None


def date_of(value: str | None) -> date | None:
    """The day stored as ``value``, or None."""
    return date.fromisoformat(value) if value else None


def json_text(value: object) -> str:
    """``value`` as canonical JSON text."""
    return canonical_json(value).decode()
