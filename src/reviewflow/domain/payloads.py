"""The payload rules of the workflow's steps: what a step's caller gives, checked, as the data
its history entry records.

A rule names the arguments a step takes (required and optional) and builds the entry's data
(plain JSON) from them, the review as it stands and a :class:`StepInput` (who acts, today, new
ids, the working-day calendar). Anything wrong is refused with
:class:`~reviewflow.errors.InvalidInput` naming the argument, before anything is written: an
unknown or missing argument too, never a raw ``TypeError`` (R-INPUT). What the data then does to
the record is the step's effect (:mod:`reviewflow.domain.effects`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

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
    Problem,
    Publicity,
    RectificationItem,
    RectificationRequirement,
    SituationReport,
    WrittenReply,
)
from reviewflow.domain.limits import check_texts
from reviewflow.domain.periods import Deadline, WorkCalendar
from reviewflow.domain.review import ItemUpdate, Review
from reviewflow.domain.serial import unstructure
from reviewflow.domain.vocabulary import (
    Aspect,
    FulfilmentStatus,
    ItemStatus,
    Labelled,
    Medium,
    Method,
    Occasion,
    ParticipantCapacity,
)
from reviewflow.errors import InvalidInput
from reviewflow.reasons import because, field_zh

__all__ = ["NO_DATA", "PAYLOADS", "Payload", "PayloadBuild", "StepInput", "choice", "plain"]

_E = TypeVar("_E", bound=Labelled)


@attrs.frozen
class StepInput:
    """What a payload rule may use besides the review and the call's arguments."""

    actor: str
    """Who takes the step."""
    today: date
    """The date of the service's clock."""
    new_id: Callable[[str], str] = attrs.field(eq=False, repr=False)
    """A new unique id for a record of the given kind ("problem", "item", ...)."""
    calendar: WorkCalendar = attrs.field(eq=False, repr=False)
    """The working-day calendar, for deadlines counted in working days."""
    reason: str = ""
    """Why the step is taken (the history entry's reason); the steps that end a review need it."""

    def past_or_today(self, field: str, day: object) -> date:
        """``day`` (today when None): a date not in the future."""
        if day is None:
            return self.today
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidInput(field, day, because("not_a_date"))
        if day > self.today:
            raise InvalidInput(field, day, because("in_future", today=self.today))
        return day

    def due(self, value: object) -> date:
        """A due date: a date, or a :class:`Deadline` (``"10 working days"``) from today."""
        if isinstance(value, str):
            try:
                value = Deadline.parse(value)
            except InvalidInput as error:  # named as the argument it came in, not "deadline"
                raise InvalidInput("due", value, error.because or error.reason) from None
        if isinstance(value, Deadline):
            return value.due(self.today, self.calendar)
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidInput("due", value, because("not_a_date_or_deadline"))
        return value


PayloadBuild = Callable[[Review, Mapping[str, Any], StepInput], Mapping[str, Any]]
"""``build(review, arguments, given)``: the entry's data, or :class:`InvalidInput`."""


@attrs.frozen
class Payload:
    """A step's payload rule: the arguments it takes and how its data is built from them."""

    name: str
    """The name steps refer to it by."""
    build: PayloadBuild = attrs.field(eq=False, repr=False)
    """The function that builds the entry's data from the review, the arguments and the
    ``StepInput``."""
    required: tuple[str, ...] = ()
    """The arguments the step must be given."""
    optional: tuple[str, ...] = ()
    """The arguments it may be given."""

    def data(self, review: Review, arguments: Mapping[str, Any], given: StepInput) -> Any:
        """The entry's data for ``arguments``; refuses an unknown or a missing argument."""
        if not arguments and not self.required:
            return self.build(review, arguments, given)  # nothing to check (most steps)
        known = (*self.required, *self.optional)
        unknown = sorted(str(name) for name in arguments if name not in known)
        if unknown:
            takes = list(known) or because("no_arguments")
            takes_zh = [f"“{field_zh(name)}”" for name in known] or because("no_arguments")
            raise InvalidInput(
                "arguments", unknown, because("unknown_arguments", takes=takes, takes_zh=takes_zh)
            )
        missing = [name for name in self.required if name not in arguments]
        if missing:
            raise InvalidInput("arguments", missing, because("missing_arguments"))
        for name, value in arguments.items():
            check_texts(name, value)  # R-INPUT: lengths and characters, whatever the step
        return self.build(review, arguments, given)


def plain(value: object) -> Mapping[str, Any]:
    """A domain value as the plain data a history entry records."""
    data: Mapping[str, Any] = unstructure(value)
    return data


def choice(cls: type[_E], value: Any, field: str) -> _E:
    """``cls(value)``, with a refusal that names the argument rather than the vocabulary."""
    try:
        return cls(value)
    except InvalidInput as error:
        raise InvalidInput(field, value, error.because or error.reason) from None
    except (TypeError, ValueError):
        raise InvalidInput(
            field, value, because("not_a_value_of", vocabulary=cls.__name__)
        ) from None


def _text(arguments: Mapping[str, Any], field: str, *, required: bool = False) -> str:
    value = arguments.get(field, "")
    if not isinstance(value, str):
        raise InvalidInput(field, value, because("not_a_text"))
    if required and not value.strip():
        raise InvalidInput(field, value, because("empty"))
    return value


def _unique_ids(field: str, ids: Sequence[str], taken: set[str]) -> None:
    clash = sorted({i for i in ids if ids.count(i) > 1} | (set(ids) & taken))
    if clash:
        raise InvalidInput(field, clash, because("ids_unique"))


def _none(_review: Review, _arguments: Mapping[str, Any], _given: StepInput) -> Mapping[str, Any]:
    return {}


def _end(_review: Review, _arguments: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    if not given.reason.strip():  # a text already: the kernel checks every step's reason
        raise InvalidInput("reason", given.reason, because("say_why_review_ends"))
    return {}


def _report(review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    commitments: Iterable[Commitment] = a.get("commitments", ())
    listed = tuple(commitments)
    _unique_ids("commitments", [c.id for c in listed], {c.id for c in review.commitments()})
    report = SituationReport(
        id=given.new_id("report"),
        reported_by=given.actor,
        reported_on=given.past_or_today("reported_on", a.get("reported_on")),
        summary=a["summary"],
        ideas_and_measures=a.get("ideas_and_measures", ""),
        commitments=listed,
    )
    return plain(report)


def _record_method(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    occasion = a.get("occasion")
    record = MethodRecord(
        method=choice(Method, a["method"], "method"),
        occasion=choice(Occasion, occasion, "occasion") if occasion is not None else None,
        held_on=given.past_or_today("held_on", a.get("held_on")),
    )
    return plain(record)


def _comment(review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    chosen = choice(Aspect, a["aspect"], "aspect")
    if chosen not in review.aspects:
        raise InvalidInput(
            "aspect",
            chosen.value,
            because("not_an_aspect", kind=review.kind, aspects=list(review.aspects)),
        )
    achievements = _text(a, "achievements")
    problems = a.get("problems", ())
    texts = [problems] if isinstance(problems, str) else list(problems)
    found = tuple(Problem(given.new_id("problem"), text) for text in texts)
    # Commenting again replaces the comment, but a problem a requirement cites stays.
    cited = {pid for r in review.requirements for pid in r.problem_ids}
    earlier = review.comment_on(chosen)
    kept = tuple(p for p in earlier.problems if p.id in cited) if earlier else ()
    if not achievements.strip() and not found and not kept:
        raise InvalidInput("achievements", achievements, because("achievements_or_problems"))
    return plain(AspectComment(chosen, achievements, (*kept, *found)))


def _set_direction(_review: Review, a: Mapping[str, Any], _given: StepInput) -> Mapping[str, Any]:
    direction = a["direction"]
    if not isinstance(direction, str) or not direction.strip():
        raise InvalidInput("direction", direction, because("state_direction"))
    return {"direction": direction, "suggestions": _text(a, "suggestions")}


def _judge_commitment(review: Review, a: Mapping[str, Any], _given: StepInput) -> Mapping[str, Any]:
    commitment_id = a["commitment_id"]
    if commitment_id not in {c.id for c in review.commitments()}:
        raise InvalidInput("commitment_id", commitment_id, because("no_such_commitment"))
    status = choice(FulfilmentStatus, a["status"], "status")
    return plain(CommitmentJudgement(commitment_id, status, a.get("remark", "")))


def _add_participant(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    capacity = choice(ParticipantCapacity, a["capacity"], "capacity")
    participant = Participant(
        given.new_id("participant"), a["name"], capacity, a.get("opinion", "")
    )
    return plain(participant)


def _require(review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    cited = tuple(a.get("problem_ids", ()))
    unknown = [p for p in cited if p not in review.problem_ids()]
    if unknown:
        raise InvalidInput("problem_ids", unknown, because("no_such_problem"))
    participant_id = a.get("participant_id")
    if participant_id is not None and participant_id not in {p.id for p in review.participants}:
        raise InvalidInput("participant_id", participant_id, because("no_such_participant"))
    requirement = RectificationRequirement(
        given.new_id("requirement"), a["text"], cited, participant_id
    )
    return plain(requirement)


def _fill_form(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    return plain(FormRecord(given.actor, given.past_or_today("filled_on", a.get("filled_on"))))


def _file(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    filed_on = given.past_or_today("filed_on", a.get("filed_on"))
    return plain(Filing(a["filing_no"], filed_on, given.actor))


def _publicize(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    when = given.past_or_today("published_on", a.get("published_on"))
    return plain(Publicity(a["scope"], choice(Medium, a["medium"], "medium"), when))


def _plan_item(review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    requirement_id = a["requirement_id"]
    if requirement_id not in {r.id for r in review.requirements}:
        raise InvalidInput("requirement_id", requirement_id, because("no_such_requirement"))
    item = RectificationItem(
        given.new_id("item"), requirement_id, a["measure"], a["owner"], given.due(a["due"])
    )
    return plain(item)


def _update_item(review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    item_id = a["item_id"]
    if item_id not in {i.id for i in review.ledger}:
        raise InvalidInput("item_id", item_id, because("no_such_item"))
    status = choice(ItemStatus, a["status"], "status")
    done_on = a.get("done_on")
    when = None
    if status is ItemStatus.DONE:
        when = given.past_or_today("done_on", done_on)
    elif done_on is not None:
        raise InvalidInput("done_on", done_on, because("done_date_only_when_done"))
    return plain(ItemUpdate(item_id, status, when, a.get("note", "")))


def _reply(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    when = given.past_or_today("replied_on", a.get("replied_on"))
    return plain(WrittenReply(a["text"], given.actor, when))


def _confirm_closeout(_review: Review, a: Mapping[str, Any], given: StepInput) -> Mapping[str, Any]:
    when = given.past_or_today("confirmed_on", a.get("confirmed_on"))
    return plain(Closeout(given.actor, when, a.get("remark", "")))


NO_DATA = Payload("none", _none)
"""The rule of a step that takes no data (it moves the state, or ends the review)."""

PAYLOADS: tuple[Payload, ...] = (
    NO_DATA,
    Payload("end", _end),
    Payload("report", _report, ("summary",), ("ideas_and_measures", "commitments", "reported_on")),
    Payload("record_method", _record_method, ("method",), ("occasion", "held_on")),
    Payload("comment", _comment, ("aspect",), ("achievements", "problems")),
    Payload("set_direction", _set_direction, ("direction",), ("suggestions",)),
    Payload("judge_commitment", _judge_commitment, ("commitment_id", "status"), ("remark",)),
    Payload("add_participant", _add_participant, ("name", "capacity"), ("opinion",)),
    Payload("require", _require, ("text",), ("problem_ids", "participant_id")),
    Payload("fill_form", _fill_form, (), ("filled_on",)),
    Payload("file", _file, ("filing_no",), ("filed_on",)),
    Payload("publicize", _publicize, ("scope", "medium"), ("published_on",)),
    Payload("plan_item", _plan_item, ("requirement_id", "measure", "owner", "due")),
    Payload("update_item", _update_item, ("item_id", "status"), ("done_on", "note")),
    Payload("reply", _reply, ("text",), ("replied_on",)),
    Payload("confirm_closeout", _confirm_closeout, (), ("remark", "confirmed_on")),
)
"""The payload rules of the document's workflow (§5), by name."""
