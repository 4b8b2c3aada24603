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
    text: str = attrs.field(validator=_text)
    status: FulfilmentStatus = attrs.field(
        default=FulfilmentStatus.NOT_STARTED, converter=FulfilmentStatus
    )
    evidence: str = attrs.field(default="", validator=_optional_text)


@attrs.frozen
class SituationReport:
    """A report heard in step 1 (了解情况, R-STEP-1): work done, commitments, ideas and measures."""

    id: str = attrs.field(validator=_text)
    reported_by: str = attrs.field(validator=_text)
    reported_on: date = attrs.field(validator=_a_date)
    summary: str = attrs.field(validator=_text)
    ideas_and_measures: str = attrs.field(default="", validator=_optional_text)
    commitments: tuple[Commitment, ...] = attrs.field(default=(), converter=_commitments)


@attrs.frozen
class CommitmentJudgement:
    """The reviewer's judgement of a reported commitment in step 2 (R-COMMIT)."""

    commitment_id: str = attrs.field(validator=_text)
    status: FulfilmentStatus = attrs.field(converter=FulfilmentStatus)
    remark: str = attrs.field(default="", validator=_optional_text)


@attrs.frozen
class MethodRecord:
    """How and when the review was held (R-METH)."""

    method: Method = attrs.field(converter=Method)
    occasion: Occasion | None = attrs.field(
        default=None, converter=attrs.converters.optional(Occasion)
    )
    held_on: date | None = None

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
    text: str = attrs.field(validator=_text)


@attrs.frozen
class AspectComment:
    """The reviewer's comment on one aspect (R-CONT-ORG / R-CONT-MEM)."""

    aspect: Aspect = attrs.field(converter=Aspect)
    achievements: str = attrs.field(default="", validator=_optional_text)
    problems: tuple[Problem, ...] = attrs.field(default=(), converter=_problems)

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
    name: str = attrs.field(validator=_text)
    capacity: ParticipantCapacity = attrs.field(converter=ParticipantCapacity)
    opinion: str = attrs.field(default="", validator=_optional_text)


@attrs.frozen
class RectificationRequirement:
    """A rectification requirement (整改要求), citing the problems and opinion it answers."""

    id: str = attrs.field(validator=_text)
    text: str = attrs.field(validator=_text)
    problem_ids: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    participant_id: str | None = None


@attrs.frozen
class FormRecord:
    """The review form (点评表) filled in by the organization (R-STEP-3)."""

    filled_by: str = attrs.field(validator=_text)
    filled_on: date = attrs.field(validator=_a_date)


@attrs.frozen
class Filing:
    """The office's filing (备案) of the form (R-STEP-3)."""

    filing_no: str = attrs.field(validator=_text)
    filed_on: date = attrs.field(validator=_a_date)
    filed_by: str = attrs.field(validator=_text)


@attrs.frozen
class Publicity:
    """How the review was made public in writing (R-STEP-3)."""

    scope: str = attrs.field(validator=_text)
    medium: Medium = attrs.field(converter=Medium)
    published_on: date = attrs.field(validator=_a_date)


@attrs.frozen
class RectificationItem:
    """A ledger item (整改台账) for one requirement (R-STEP-4)."""

    id: str = attrs.field(validator=_text)
    requirement_id: str = attrs.field(validator=_text)
    measure: str = attrs.field(validator=_text)
    owner: str = attrs.field(validator=_text)
    due: date = attrs.field(validator=_a_date)
    status: ItemStatus = attrs.field(default=ItemStatus.OPEN, converter=ItemStatus)
    done_on: date | None = None
    note: str = attrs.field(default="", validator=_optional_text)


@attrs.frozen
class WrittenReply:
    """The subject's written reply to the reviewer (书面回复, R-STEP-4)."""

    text: str = attrs.field(validator=_text)
    replied_by: str = attrs.field(validator=_text)
    replied_on: date = attrs.field(validator=_a_date)


@attrs.frozen
class Closeout:
    """The reviewer's confirmation that the ledger is done (销号, R-STEP-4)."""

    confirmed_by: str = attrs.field(validator=_text)
    confirmed_on: date = attrs.field(validator=_a_date)
    remark: str = attrs.field(default="", validator=_optional_text)
