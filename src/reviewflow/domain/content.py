"""What a review records at each step (§2, §5): value objects, validated where they enter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from reviewflow.domain.vocabulary import (
    Aspect,
    FulfilmentStatus,
    ItemStatus,
    Medium,
    Method,
    Occasion,
    ParticipantCapacity,
)
from reviewflow.errors import InvalidInput
from reviewflow.reasons import because

__all__ = [
    "AspectComment",
    "Closeout",
    "Commitment",
    "CommitmentJudgement",
    "Filing",
    "FormRecord",
    "MethodRecord",
    "Participant",
    "Problem",
    "Publicity",
    "RectificationItem",
    "RectificationRequirement",
    "SituationReport",
    "WrittenReply",
]


def _text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(attribute.name, value, because("empty_text"))


def _optional_text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise InvalidInput(attribute.name, value, because("not_a_text"))


def _a_date(_instance: object, attribute: attrs.Attribute[date], value: date) -> None:
    if not isinstance(value, date):
        raise InvalidInput(attribute.name, value, because("not_a_date"))


def _strs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _commitments(values: Iterable[Commitment]) -> tuple[Commitment, ...]:
    return tuple(values)


def _problems(values: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(values)


@attrs.frozen
class Commitment:
    """A public commitment (公开承诺) and how far it has been kept (R-COMMIT)."""

    id: str = attrs.field(validator=_text)
    """The commitment's id within the review."""
    text: str = attrs.field(validator=_text)
    """What was publicly promised (公开承诺)."""
    status: FulfilmentStatus = attrs.field(
        default=FulfilmentStatus.NOT_STARTED, converter=FulfilmentStatus
    )
    """How far it has been kept, as the subject reports it."""
    evidence: str = attrs.field(default="", validator=_optional_text)
    """What the subject offers to show it (活动记录, 成果): free text."""


@attrs.frozen
class SituationReport:
    """A report heard in step 1 (了解情况, R-STEP-1): work done, commitments, ideas and measures."""

    id: str = attrs.field(validator=_text)
    """The report's id within the review."""
    reported_by: str = attrs.field(validator=_text)
    """Who reported: the subject member, or for an organization its head or a member it sends."""
    reported_on: date = attrs.field(validator=_a_date)
    """The day the report was heard."""
    summary: str = attrs.field(validator=_text)
    """The work done: how the campaign was carried out and what came of it."""
    ideas_and_measures: str = attrs.field(default="", validator=_optional_text)
    """The subject's ideas and measures for the next stage."""
    commitments: tuple[Commitment, ...] = attrs.field(default=(), converter=_commitments)
    """The public commitments and their fulfilment (R-COMMIT)."""


@attrs.frozen
class CommitmentJudgement:
    """The reviewer's judgement of a reported commitment in step 2 (R-COMMIT)."""

    commitment_id: str = attrs.field(validator=_text)
    """The reported commitment judged."""
    status: FulfilmentStatus = attrs.field(converter=FulfilmentStatus)
    """The reviewer's finding on its fulfilment, which may differ from the subject's own."""
    remark: str = attrs.field(default="", validator=_optional_text)
    """Why, in the reviewer's words."""


@attrs.frozen
class MethodRecord:
    """How and when the review was held (R-METH)."""

    method: Method = attrs.field(converter=Method)
    """The method: centralized (集中点评), on-site (现场点评) or in a talk (谈话点评)."""
    occasion: Occasion | None = attrs.field(
        default=None, converter=attrs.converters.optional(Occasion)
    )
    """The occasion it was held on (a meeting, a visit ...), which must belong to the method."""
    held_on: date | None = None
    """The day it was held."""

    def __attrs_post_init__(self) -> None:
        if self.held_on is not None and not isinstance(self.held_on, date):
            raise InvalidInput("held_on", self.held_on, because("not_a_date"))
        if self.occasion is not None and self.occasion.method is not self.method:
            raise InvalidInput(
                "occasion",
                self.occasion.value,
                because(
                    "occasion_of_other_method",
                    occasion=self.occasion.label_zh,
                    occasion_method=self.occasion.method.label_zh,
                    method=self.method.label_zh,
                ),
            )


@attrs.frozen
class Problem:
    """A problem or shortcoming the reviewer points out (指出问题)."""

    id: str = attrs.field(validator=_text)
    """The problem's id within the review; requirements cite it."""
    text: str = attrs.field(validator=_text)
    """The problem or shortcoming, as the reviewer states it."""


@attrs.frozen
class AspectComment:
    """The reviewer's comment on one aspect (R-CONT-ORG / R-CONT-MEM)."""

    aspect: Aspect = attrs.field(converter=Aspect)
    """The aspect commented on: one of the four of an organization review or of a member review."""
    achievements: str = attrs.field(default="", validator=_optional_text)
    """What was achieved in this aspect (成绩)."""
    problems: tuple[Problem, ...] = attrs.field(default=(), converter=_problems)
    """The problems and shortcomings found in it (问题); a comment needs achievements or
    problems."""

    def __attrs_post_init__(self) -> None:
        if not self.achievements.strip() and not self.problems:
            raise InvalidInput(
                "achievements",
                self.achievements,
                because("comment_needs_content", aspect=self.aspect.label_zh),
            )


@attrs.frozen
class Participant:
    """A member or masses representative invited to the review, with their opinion (R-PART)."""

    id: str = attrs.field(validator=_text)
    """The participant's id within the review; a requirement may cite it."""
    name: str = attrs.field(validator=_text)
    """Their name (a masses representative need not be on the roster)."""
    capacity: ParticipantCapacity = attrs.field(converter=ParticipantCapacity)
    """Whether they took part as a Party member or as a masses representative."""
    opinion: str = attrs.field(default="", validator=_optional_text)
    """The opinion they gave on the subject."""


@attrs.frozen
class RectificationRequirement:
    """A rectification requirement (整改要求), citing the problems and opinion it answers."""

    id: str = attrs.field(validator=_text)
    """The requirement's id within the review; ledger items refer to it."""
    text: str = attrs.field(validator=_text)
    """What is to be rectified, as the reviewer requires it."""
    problem_ids: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    """The problems it answers."""
    participant_id: str | None = None
    """The participant whose opinion it answers, if any."""


@attrs.frozen
class FormRecord:
    """The review form (点评表) filled in by the organization (R-STEP-3)."""

    filled_by: str = attrs.field(validator=_text)
    """Who confirmed the form: its filler (``Party.FORM_FILLER``), usually the head of the
    organization."""
    filled_on: date = attrs.field(validator=_a_date)
    """The day the form was filled in."""


@attrs.frozen
class Filing:
    """The office's filing (备案) of the form (R-STEP-3)."""

    filing_no: str = attrs.field(validator=_text)
    """The office's filing number (备案编号), printed on the form."""
    filed_on: date = attrs.field(validator=_a_date)
    """The day the office filed it."""
    filed_by: str = attrs.field(validator=_text)
    """The office staff member who filed it."""


@attrs.frozen
class Publicity:
    """How the review was made public in writing (R-STEP-3)."""

    scope: str = attrs.field(validator=_text)
    """Among whom it was made public (the branch's members, the unit's staff ...)."""
    medium: Medium = attrs.field(converter=Medium)
    """Where: at a meeting (会议通报), on the bulletin board, on the intranet, in a briefing."""
    published_on: date = attrs.field(validator=_a_date)
    """The day it was made public."""


@attrs.frozen
class RectificationItem:
    """A ledger item (整改台账) for one requirement (R-STEP-4)."""

    id: str = attrs.field(validator=_text)
    """The item's id within the review."""
    requirement_id: str = attrs.field(validator=_text)
    """The requirement it carries out."""
    measure: str = attrs.field(validator=_text)
    """The rectification measure (整改措施)."""
    owner: str = attrs.field(validator=_text)
    """Who is responsible for it (责任人), as written in the ledger."""
    due: date = attrs.field(validator=_a_date)
    """The day it is due (整改时限)."""
    status: ItemStatus = attrs.field(default=ItemStatus.OPEN, converter=ItemStatus)
    """Where it stands: open, in progress or done."""
    done_on: date | None = None
    """The day it was done, once done."""
    note: str = attrs.field(default="", validator=_optional_text)
    """Progress or evidence reported with the last update."""


@attrs.frozen
class WrittenReply:
    """The subject's written reply to the reviewer (书面回复, R-STEP-4)."""

    text: str = attrs.field(validator=_text)
    """The reply: how each requirement was rectified."""
    replied_by: str = attrs.field(validator=_text)
    """Who replied for the subject."""
    replied_on: date = attrs.field(validator=_a_date)
    """The day of the reply."""


@attrs.frozen
class Closeout:
    """The reviewer's confirmation that the ledger is done (销号, R-STEP-4)."""

    confirmed_by: str = attrs.field(validator=_text)
    """The reviewer who confirmed it."""
    confirmed_on: date = attrs.field(validator=_a_date)
    """The day the ledger was closed out."""
    remark: str = attrs.field(default="", validator=_optional_text)
    """The reviewer's remark on the rectification."""
