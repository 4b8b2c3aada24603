"""The guards of the four-step workflow (§5): named conditions a step must meet.

Each guard cites the rule it enforces and says, when it holds a step, what to record first (in
English and in Chinese) and which steps record it (``unblocked_by``), so that every refusal names
the way out and who takes it (R-LIVE).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from reviewflow.domain.review import Review
from reviewflow.domain.vocabulary import ItemStatus
from reviewflow.reasons import Reason, because

__all__ = [
    "GUARDS",
    "Failure",
    "Guard",
    "GuardCheck",
    "GuardContext",
    "ledger_done",
    "ledger_open",
    "reply_recorded",
]


@attrs.frozen
class GuardContext:
    """What a guard may look at besides the review: the policy's switches and the step's data."""

    closeout_required: bool = True
    """The policy's switch: whether closing needs the reviewer's closeout."""


@attrs.frozen
class Failure:
    """Why a guard holds a step, and what to record first (in English and in Chinese)."""

    reason: str | Reason
    """Why the guard holds the step: a keyed reason of :mod:`reviewflow.reasons` (a custom
    guard's may be a plain text)."""
    missing: tuple[str, ...] = ()
    missing_zh: tuple[str, ...] = ()


def _fail(reason: Reason, missing: list[tuple[str, str]]) -> Failure:
    return Failure(reason, tuple(en for en, _ in missing), tuple(zh for _, zh in missing))


GuardCheck = Callable[[Review, GuardContext], Failure | None]


@attrs.frozen
class Guard:
    """A named condition a step must meet, citing the rule it enforces; ``unblocked_by`` names
    the steps that meet it (the definition checks that they are steps)."""

    name: str
    """The name steps refer to it by."""
    rule: str
    """The rule id it enforces (R-STEP-3 ...)."""
    label_zh: str
    """What it requires, in Chinese."""
    label_en: str
    """What it requires, in English."""
    check: GuardCheck = attrs.field(eq=False, repr=False)
    """The check: None when the step may be taken, else a ``Failure`` naming what to record
    first."""
    unblocked_by: tuple[str, ...] = ()
    """The steps that record what it requires."""


# -- guards ------------------------------------------------------------------------------------


def _has_situation_report(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.reports:
        return None
    return _fail(because("no_situation_report"), [("situation report", "情况汇报")])


def _method_and_date(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.method is not None and review.method.held_on is not None:
        return None
    return _fail(
        because("no_method_and_date"),
        [("method and date", "点评方式和日期")],
    )


def _every_aspect_commented(review: Review, _ctx: GuardContext) -> Failure | None:
    missing = [(a.label_en, a.label_zh) for a in review.aspects if review.comment_on(a) is None]
    if not missing:
        return None
    return _fail(because("aspects_uncommented"), missing)


def _achievements_and_direction(review: Review, _ctx: GuardContext) -> Failure | None:
    missing: list[tuple[str, str]] = []
    if not any(c.achievements.strip() for c in review.comments):
        missing.append(("achievements", "肯定成绩"))
    if not review.direction.strip():
        missing.append(("direction", "努力方向"))
    if not missing:
        return None
    return _fail(because("no_achievements_or_direction"), missing)


def _problems_have_requirements(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.no_rectification_needed:
        return None
    cited = {pid for r in review.requirements for pid in r.problem_ids}
    open_problems = [p.text for c in review.comments for p in c.problems if p.id not in cited]
    if not open_problems:
        return None
    return _fail(
        because("problems_without_requirements"),
        [(f"requirement for: {text}", f"整改要求：{text}") for text in open_problems],
    )


def _form_complete(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.form is not None:
        return None
    return _fail(because("form_not_filled"), [("review form", "点评表")])


def _filed(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.filing is not None:
        return None
    return _fail(
        because("not_filed"),
        [("filing number and date", "备案编号和日期")],
    )


def _publicized(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.publicity is not None:
        return None
    return _fail(
        because("not_publicized"),
        [("publicity scope, medium and date", "公开范围、形式和日期")],
    )


def ledger_done(review: Review, _ctx: GuardContext) -> Failure | None:
    planned = {item.requirement_id for item in review.ledger}
    unplanned = [r.text for r in review.requirements if r.id not in planned]
    undone = [item.measure for item in review.ledger if item.status is not ItemStatus.DONE]
    if not unplanned and not undone:
        return None
    return _fail(
        because("ledger_not_done"),
        [
            *((f"ledger item for: {text}", f"整改台账：{text}") for text in unplanned),
            *((f"finish: {measure}", f"完成整改：{measure}") for measure in undone),
        ],
    )


def reply_recorded(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.reply is not None or not review.requirements:
        return None
    return _fail(because("no_written_reply"), [("written reply", "书面回复")])


def _closeout_confirmed(review: Review, ctx: GuardContext) -> Failure | None:
    if not ctx.closeout_required or review.closeout is not None:
        return None
    return _fail(because("closeout_not_confirmed"), [("closeout", "点评领导确认销号")])


def ledger_open(review: Review, ctx: GuardContext) -> Failure | None:
    """R-STEP-4: the written reply (and the closeout) certify the finished ledger, so after them
    it takes no new item and no change. (A reply recorded before this rule, on a ledger that
    was not done, leaves the ledger open until it is: the review can still be closed.)"""
    if (review.reply is None and review.closeout is None) or ledger_done(review, ctx) is not None:
        return None
    return Failure(because("ledger_closed"))


GUARDS: tuple[Guard, ...] = (
    Guard("has_situation_report", "R-STEP-1", "已听取汇报", "situation report heard",
          _has_situation_report, ("report",)),
    Guard("method_and_date_recorded", "R-STEP-2", "已记录点评方式和时间",
          "method and date recorded", _method_and_date, ("record_method",)),
    Guard("every_aspect_commented", "R-CONT-ORG/R-CONT-MEM", "四个方面均已点评",
          "every aspect commented", _every_aspect_commented, ("comment",)),
    Guard("achievements_and_direction", "R-STEP-2", "已肯定成绩并明确努力方向",
          "achievements and direction stated", _achievements_and_direction,
          ("comment", "set_direction")),
    Guard("problems_have_requirements", "R-STEP-2", "问题均有整改要求",
          "every problem has a requirement", _problems_have_requirements,
          ("require", "declare_no_rectification")),
    Guard("form_complete", "R-STEP-3", "点评表已填写", "form filled in", _form_complete,
          ("fill_form",)),
    Guard("filed", "R-STEP-3", "已报办公室备案", "filed with the office", _filed, ("file",)),
    Guard("publicized", "R-STEP-3", "已书面公开", "made public in writing", _publicized,
          ("publicize",)),
    Guard("ledger_done", "R-STEP-4", "整改台账已完成", "ledger done", ledger_done,
          ("plan_item", "update_item")),
    Guard("ledger_open", "R-STEP-4", "整改台账尚未销号", "ledger still open", ledger_open,
          ("confirm_closeout", "close")),
    Guard("reply_recorded", "R-STEP-4", "已书面回复", "written reply recorded", reply_recorded,
          ("reply",)),
    Guard("closeout_confirmed", "R-STEP-4", "点评领导已确认销号", "closeout confirmed",
          _closeout_confirmed, ("confirm_closeout",)),
)  # fmt: skip
