"""What each step does to a review's record: the effects the workflow definition names.

An effect turns the record before a step and the step's data (its history entry's ``data``)
into the record after it; :meth:`~reviewflow.domain.workflow.WorkflowDefinition.apply_entry`
then sets the state, version and digest. Effects are pure: replaying a history applies them
again and must give the same record (R-AUDIT). A deployment that adds a step keeps what the step
records in :attr:`Review.extras <reviewflow.domain.review.Review.extras>`, with
:func:`put_extra` or :func:`append_extra`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from reviewflow.domain.content import (
    AspectComment,
    Closeout,
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
from reviewflow.domain.review import ItemUpdate, Review
from reviewflow.domain.serial import structure
from reviewflow.domain.vocabulary import Aspect

__all__ = [
    "EFFECTS",
    "Effect",
    "EffectFn",
    "append",
    "append_extra",
    "put",
    "put_extra",
    "unchanged",
]

EffectFn = Callable[[Review, Mapping[str, Any]], Review]
"""``effect(review, data)``: the record after a step with ``data``."""


@attrs.frozen
class Effect:
    """What a step does to the record, named so that the definition's steps can refer to it."""

    name: str
    """The name steps refer to it by."""
    apply: EffectFn = attrs.field(eq=False, repr=False)
    """The function from the record and the entry's data to the next record."""


def unchanged(review: Review, _data: Mapping[str, Any]) -> Review:
    """The record as it was: a step that moves the state alone (or ends the review)."""
    return review


def put(field: str, cls: type[Any]) -> EffectFn:
    """The step's data, as a ``cls``, becomes the record's ``field``."""

    def effect(review: Review, data: Mapping[str, Any]) -> Review:
        changes: dict[str, Any] = {field: structure(data, cls)}
        return attrs.evolve(review, **changes)

    return effect


def append(field: str, cls: type[Any]) -> EffectFn:
    """The step's data, as a ``cls``, is added at the end of the record's tuple ``field``."""

    def effect(review: Review, data: Mapping[str, Any]) -> Review:
        changes: dict[str, Any] = {field: (*getattr(review, field), structure(data, cls))}
        return attrs.evolve(review, **changes)

    return effect


def put_extra(key: str) -> EffectFn:
    """The step's data becomes ``review.extras[key]`` (for a step a deployment adds)."""

    def effect(review: Review, data: Mapping[str, Any]) -> Review:
        return attrs.evolve(review, extras={**review.extras, key: dict(data)})

    return effect


def append_extra(key: str) -> EffectFn:
    """The step's data is added at the end of the list ``review.extras[key]``."""

    def effect(review: Review, data: Mapping[str, Any]) -> Review:
        earlier = list(review.extras.get(key, ()))
        return attrs.evolve(review, extras={**review.extras, key: [*earlier, dict(data)]})

    return effect


def _comment(review: Review, data: Mapping[str, Any]) -> Review:
    """A comment on an aspect replaces the earlier one on it; comments stay in aspect order."""
    new = structure(data, AspectComment)
    kept = tuple(c for c in review.comments if c.aspect is not new.aspect)
    order = {a: i for i, a in enumerate(Aspect)}
    return attrs.evolve(review, comments=tuple(sorted((*kept, new), key=lambda c: order[c.aspect])))


def _judge(review: Review, data: Mapping[str, Any]) -> Review:
    """A commitment judged again: the new judgement replaces the earlier one."""
    new = structure(data, CommitmentJudgement)
    kept = tuple(j for j in review.judgements if j.commitment_id != new.commitment_id)
    return attrs.evolve(review, judgements=(*kept, new))


def _direction(review: Review, data: Mapping[str, Any]) -> Review:
    return attrs.evolve(review, direction=data["direction"], suggestions=data["suggestions"])


def _no_rectification(review: Review, _data: Mapping[str, Any]) -> Review:
    return attrs.evolve(review, no_rectification_needed=True)


def _require(review: Review, data: Mapping[str, Any]) -> Review:
    """A requirement is added; a statement that none is needed no longer holds."""
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


EFFECTS: tuple[Effect, ...] = (
    Effect("unchanged", unchanged),
    Effect("add_report", append("reports", SituationReport)),
    Effect("set_method", put("method", MethodRecord)),
    Effect("comment", _comment),
    Effect("set_direction", _direction),
    Effect("judge_commitment", _judge),
    Effect("add_participant", append("participants", Participant)),
    Effect("add_requirement", _require),
    Effect("declare_no_rectification", _no_rectification),
    Effect("set_form", put("form", FormRecord)),
    Effect("set_filing", put("filing", Filing)),
    Effect("set_publicity", put("publicity", Publicity)),
    Effect("add_item", append("ledger", RectificationItem)),
    Effect("update_item", _update_item),
    Effect("set_reply", put("reply", WrittenReply)),
    Effect("set_closeout", put("closeout", Closeout)),
)
"""The effects of the document's workflow (§5), by name."""
