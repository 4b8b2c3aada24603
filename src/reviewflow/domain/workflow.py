"""The four-step workflow (§5) as data: states, steps, guards and labels.

:data:`WORKFLOW` is the one definition. It is validated when built (every state reachable, every
non-final state has a way forward, every guard named and defined) and compiled once into a
``transitions.Machine`` that all reviews share: the machine is applied to a small cursor per step,
never attached to the records (no machine per review, no ``add_model`` per row). The same table
draws the docs' state diagram (:meth:`WorkflowDefinition.mermaid`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from transitions import Machine, MachineError

from reviewflow.domain.review import Review, ReviewState
from reviewflow.domain.vocabulary import ItemStatus, Party
from reviewflow.errors import GuardFailed, InvalidInput, TransitionNotAllowed

__all__ = [
    "WORKFLOW",
    "Guard",
    "GuardContext",
    "Step",
    "WorkflowDefinition",
]


@attrs.frozen
class GuardContext:
    """What a guard may look at besides the review: the policy's switches and the step's data."""

    closeout_required: bool = True
    reason: str = ""


@attrs.frozen
class Failure:
    """Why a guard holds a step, and what to record first (in English and in Chinese)."""

    reason: str
    missing: tuple[str, ...] = ()
    missing_zh: tuple[str, ...] = ()


def _fail(reason: str, missing: list[tuple[str, str]]) -> Failure:
    return Failure(reason, tuple(en for en, _ in missing), tuple(zh for _, zh in missing))


GuardCheck = Callable[[Review, GuardContext], Failure | None]


@attrs.frozen
class Guard:
    """A named condition a step must meet, citing the rule it enforces."""

    name: str
    rule: str
    label_zh: str
    label_en: str
    check: GuardCheck = attrs.field(eq=False, repr=False)


@attrs.frozen
class Step:
    """A trigger: from which states, to which (None: the state stays), by whom, under which guards.

    A step whose ``dest`` is None records data within a state (a situation report, a comment);
    the others move the review along.
    """

    trigger: str
    sources: tuple[ReviewState, ...]
    dest: ReviewState | None
    by: frozenset[Party]
    label_zh: str
    label_en: str
    guards: tuple[str, ...] = ()
    rule: str = ""

    @property
    def moves(self) -> bool:
        """Whether the step changes the state."""
        return self.dest is not None


# -- guards ------------------------------------------------------------------------------------


def _has_situation_report(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.reports:
        return None
    return _fail("no situation report has been heard", [("situation report", "情况汇报")])


def _method_and_date(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.method is not None and review.method.held_on is not None:
        return None
    return _fail(
        "the method and date of the review are not recorded",
        [("method and date", "点评方式和日期")],
    )


def _every_aspect_commented(review: Review, _ctx: GuardContext) -> Failure | None:
    missing = [(a.label_en, a.label_zh) for a in review.aspects if review.comment_on(a) is None]
    if not missing:
        return None
    return _fail("not every aspect has a comment", missing)


def _achievements_and_direction(review: Review, _ctx: GuardContext) -> Failure | None:
    missing: list[tuple[str, str]] = []
    if not any(c.achievements.strip() for c in review.comments):
        missing.append(("achievements", "肯定成绩"))
    if not review.direction.strip():
        missing.append(("direction", "努力方向"))
    if not missing:
        return None
    return _fail("achievements and direction must both be stated", missing)


def _problems_have_requirements(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.no_rectification_needed:
        return None
    cited = {pid for r in review.requirements for pid in r.problem_ids}
    open_problems = [p.text for c in review.comments for p in c.problems if p.id not in cited]
    if not open_problems:
        return None
    return _fail(
        "a problem raised has no rectification requirement, and the reviewer has not stated "
        "that none is needed",
        [(f"requirement for: {text}", f"整改要求：{text}") for text in open_problems],
    )


def _form_complete(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.form is not None:
        return None
    return _fail("the review form has not been filled in", [("review form", "点评表")])


def _filed(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.filing is not None:
        return None
    return _fail(
        "the form has not been filed with the office",
        [("filing number and date", "备案编号和日期")],
    )


def _publicized(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.publicity is not None:
        return None
    return _fail(
        "the review has not been made public",
        [("publicity scope, medium and date", "公开范围、形式和日期")],
    )


def _ledger_done(review: Review, _ctx: GuardContext) -> Failure | None:
    planned = {item.requirement_id for item in review.ledger}
    unplanned = [r.text for r in review.requirements if r.id not in planned]
    undone = [item.measure for item in review.ledger if item.status is not ItemStatus.DONE]
    if not unplanned and not undone:
        return None
    return _fail(
        "the rectification ledger is not done",
        [
            *((f"ledger item for: {text}", f"整改台账：{text}") for text in unplanned),
            *((f"finish: {measure}", f"完成整改：{measure}") for measure in undone),
        ],
    )


def _reply_recorded(review: Review, _ctx: GuardContext) -> Failure | None:
    if review.reply is not None or not review.requirements:
        return None
    return _fail(
        "the written reply to the reviewer is not recorded", [("written reply", "书面回复")]
    )


def _closeout_confirmed(review: Review, ctx: GuardContext) -> Failure | None:
    if not ctx.closeout_required or review.closeout is not None:
        return None
    return _fail("the reviewer has not confirmed the closeout", [("closeout", "点评领导确认销号")])


def _reason_given(_review: Review, ctx: GuardContext) -> Failure | None:
    if ctx.reason.strip():
        return None
    return _fail("a reason must be recorded", [("reason", "理由")])


GUARDS: tuple[Guard, ...] = (
    Guard("has_situation_report", "R-STEP-1", "已听取汇报", "situation report heard",
          _has_situation_report),
    Guard("method_and_date_recorded", "R-STEP-2", "已记录点评方式和时间",
          "method and date recorded", _method_and_date),
    Guard("every_aspect_commented", "R-CONT-ORG/R-CONT-MEM", "四个方面均已点评",
          "every aspect commented", _every_aspect_commented),
    Guard("achievements_and_direction", "R-STEP-2", "已肯定成绩并明确努力方向",
          "achievements and direction stated", _achievements_and_direction),
    Guard("problems_have_requirements", "R-STEP-2", "问题均有整改要求",
          "every problem has a requirement", _problems_have_requirements),
    Guard("form_complete", "R-STEP-3", "点评表已填写", "form filled in", _form_complete),
    Guard("filed", "R-STEP-3", "已报办公室备案", "filed with the office", _filed),
    Guard("publicized", "R-STEP-3", "已书面公开", "made public in writing", _publicized),
    Guard("ledger_done", "R-STEP-4", "整改台账已完成", "ledger done", _ledger_done),
    Guard("reply_recorded", "R-STEP-4", "已书面回复", "written reply recorded", _reply_recorded),
    Guard("closeout_confirmed", "R-STEP-4", "点评领导已确认销号", "closeout confirmed",
          _closeout_confirmed),
    Guard("reason_given", "R-CAD-3", "已说明理由", "reason given", _reason_given),
)  # fmt: skip

S = ReviewState
_LIVE = (S.SCHEDULED, S.FACT_FINDING, S.REVIEWING, S.PUBLICIZING, S.RECTIFYING)
_REVIEWER = frozenset({Party.REVIEWER})
_SUBJECT = frozenset({Party.SUBJECT})
_FILLER = frozenset({Party.FORM_FILLER})
_OFFICE = frozenset({Party.OFFICE})

STEPS: tuple[Step, ...] = (
    Step("start", (S.SCHEDULED,), S.FACT_FINDING, _REVIEWER, "开始了解情况", "start fact finding",
         rule="R-STEP-1"),
    Step("report", (S.FACT_FINDING,), None, _SUBJECT, "汇报情况", "report the situation",
         rule="R-STEP-1"),
    Step("conclude_fact_finding", (S.FACT_FINDING,), S.REVIEWING, _REVIEWER, "进入实施点评",
         "conclude fact finding", ("has_situation_report",), "R-STEP-1"),
    Step("record_method", (S.REVIEWING,), None, _REVIEWER, "记录点评方式", "record the method",
         rule="R-METH"),
    Step("comment", (S.REVIEWING,), None, _REVIEWER, "点评", "comment on an aspect",
         rule="R-CONT"),
    Step("set_direction", (S.REVIEWING,), None, _REVIEWER, "明确努力方向", "state the direction",
         rule="R-CONT"),
    Step("judge_commitment", (S.REVIEWING,), None, _REVIEWER, "评价承诺兑现", "judge a commitment",
         rule="R-COMMIT"),
    Step("add_participant", (S.REVIEWING,), None, _REVIEWER, "记录参加人员意见",
         "record a participant", rule="R-PART"),
    Step("require", (S.REVIEWING,), None, _REVIEWER, "提出整改要求", "add a requirement",
         rule="R-STEP-2"),
    Step("declare_no_rectification", (S.REVIEWING,), None, _REVIEWER, "确认无需整改",
         "state that no rectification is needed", rule="R-STEP-2"),
    Step("conclude_review", (S.REVIEWING,), S.PUBLICIZING, _REVIEWER, "完成点评",
         "conclude the review",
         ("method_and_date_recorded", "every_aspect_commented", "achievements_and_direction",
          "problems_have_requirements"), "R-STEP-2"),
    Step("fill_form", (S.PUBLICIZING,), None, _FILLER, "填写点评表", "fill in the form",
         rule="R-STEP-3"),
    Step("file", (S.PUBLICIZING,), None, _OFFICE, "备案", "file the form", rule="R-STEP-3"),
    Step("publicize", (S.PUBLICIZING,), None, _FILLER, "书面公开", "make the review public",
         rule="R-STEP-3"),
    Step("begin_rectification", (S.PUBLICIZING,), S.RECTIFYING, _FILLER | _OFFICE, "进入整改落实",
         "begin rectification", ("form_complete", "filed", "publicized"), "R-STEP-3"),
    Step("plan_item", (S.RECTIFYING,), None, _SUBJECT, "登记整改台账", "add a ledger item",
         rule="R-STEP-4"),
    Step("update_item", (S.RECTIFYING,), None, _SUBJECT, "更新整改进度", "update a ledger item",
         rule="R-STEP-4"),
    Step("reply", (S.RECTIFYING,), None, _SUBJECT, "书面回复", "reply in writing",
         rule="R-STEP-4"),
    Step("confirm_closeout", (S.RECTIFYING,), None, _REVIEWER, "确认销号", "confirm the closeout",
         rule="R-STEP-4"),
    Step("close", (S.RECTIFYING,), S.CLOSED, _REVIEWER, "销号办结", "close",
         ("ledger_done", "reply_recorded", "closeout_confirmed"), "R-STEP-4"),
    Step("waive", _LIVE, S.WAIVED, _OFFICE, "免于点评", "waive", ("reason_given",), "R-CAD-3"),
    Step("cancel", _LIVE, S.CANCELLED, _OFFICE, "撤销", "cancel", ("reason_given",), "R-AUDIT"),
)  # fmt: skip


class WorkflowDefinition:
    """A validated workflow table, compiled once into a shared ``transitions`` machine."""

    def __init__(
        self,
        states: tuple[ReviewState, ...],
        initial: ReviewState,
        steps: tuple[Step, ...],
        guards: tuple[Guard, ...],
    ) -> None:
        self.states = states
        self.initial = initial
        self.steps: Mapping[str, Step] = {s.trigger: s for s in steps}
        self.guards: Mapping[str, Guard] = {g.name: g for g in guards}
        self._validate(steps)
        self._machine = self._compile()
        self._table = self._dispatch_table()

    # -- validation ----------------------------------------------------------------------------

    def _validate(self, steps: tuple[Step, ...]) -> None:
        if len(self.steps) != len(steps):
            raise InvalidInput("steps", [s.trigger for s in steps], "a trigger appears twice")
        if self.initial not in self.states:
            raise InvalidInput("initial", self.initial, "the initial state is not a state")
        for step in steps:
            for name in step.guards:
                if name not in self.guards:
                    raise InvalidInput("guards", name, f"step {step.trigger!r} names no guard")
            for state in (*step.sources, *([step.dest] if step.dest else [])):
                if state not in self.states:
                    raise InvalidInput("states", state, f"step {step.trigger!r} names no state")
            if not step.by:
                raise InvalidInput("by", step.trigger, "every step names who may take it")
        reachable = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for step in steps:
                if state in step.sources and step.dest and step.dest not in reachable:
                    reachable.add(step.dest)
                    frontier.append(step.dest)
        unreachable = [s for s in self.states if s not in reachable]
        if unreachable:
            raise InvalidInput("states", unreachable, "states that no step reaches")
        for state in self.states:
            leaves = any(state in s.sources and s.moves for s in steps)
            if state.final and leaves:
                raise InvalidInput("states", state, "a final state has a step out of it")
            if not state.final and not leaves:
                raise InvalidInput("states", state, "a non-final state has no way forward")

    # -- the shared machine ----------------------------------------------------------------------

    def _compile(self) -> Machine:
        transitions: list[dict[str, Any]] = []
        for step in self.steps.values():
            guards = [self.guards[name] for name in step.guards]
            transitions.append(
                {
                    "trigger": step.trigger,
                    "source": [s.value for s in step.sources],
                    "dest": step.dest.value if step.dest else None,
                    "conditions": [_condition(g) for g in guards],
                }
            )
        return Machine(
            model=None,
            states=[s.value for s in self.states],
            initial=self.initial.value,
            transitions=transitions,
            auto_transitions=False,
            send_event=True,
        )

    def _dispatch_table(
        self,
    ) -> dict[tuple[str, str], _Routes]:
        """The compiled machine's transitions by (trigger, source): destination and guards.

        Read off the ``transitions`` machine itself (its events, their transitions and their
        conditions), so the machine stays the one definition; :meth:`fire` dispatches through
        it without building an event per step, which costs more than the rest of a step.
        """
        guards = {_condition_name(g): g for g in self.guards.values()}
        table: dict[tuple[str, str], _Routes] = {}
        for trigger, event in self._machine.events.items():
            for source, found in event.transitions.items():
                table[trigger, source] = tuple(
                    (
                        t.dest,
                        tuple(
                            guards[getattr(c.func, "__name__", str(c.func))]
                            for c in t.conditions
                            if c.target
                        ),
                    )
                    for t in found
                )
        return table

    def fire(self, review: Review, trigger: str, ctx: GuardContext) -> ReviewState:
        """The state after ``trigger``; raises when the step is not open or a guard holds it.

        Nothing is changed. As the machine would: the first of the trigger's transitions out
        of the review's state whose guards all pass is taken; else the first guard that held
        the first transition is named. (:meth:`trigger` runs the ``transitions`` machine
        itself; a test holds the two to the same answers.)
        """
        found = self._table.get((trigger, review.state.value))
        if not found:
            raise TransitionNotAllowed(review.id, review.state.value, trigger, self.open(review))
        failed: tuple[str, Failure] | None = None
        for dest, guards in found:
            for guard in guards:
                failure = guard.check(review, ctx)
                if failure is not None:
                    failed = failed or (guard.name, failure)
                    break
            else:
                return review.state if dest is None else _STATES[dest]
        assert failed is not None  # noqa: S101 - only a guard stops a transition found
        name, failure = failed
        raise GuardFailed(
            review.id, trigger, name, failure.reason, failure.missing,
            missing_zh=failure.missing_zh,
        )  # fmt: skip

    def unguarded(self, trigger: str) -> dict[ReviewState, ReviewState]:
        """The states ``trigger`` leaves with no guard to check, each with the state it leads
        to: what :meth:`fire` returns for a review in such a state, whatever else the review
        holds (a bulk step decides these from the state alone)."""
        found: dict[ReviewState, ReviewState] = {}
        for (name, source), routes in self._table.items():
            if name == trigger and routes and not routes[0][1]:
                dest = routes[0][0]
                found[_STATES[source]] = _STATES[source] if dest is None else _STATES[dest]
        return found

    def trigger(self, review: Review, trigger: str, ctx: GuardContext) -> ReviewState:
        """:meth:`fire` through the ``transitions`` machine's own event dispatch (the reference
        :meth:`fire` is checked against; slower)."""
        step = self.steps.get(trigger)
        if step is None:
            raise TransitionNotAllowed(review.id, review.state.value, trigger, self.open(review))
        cursor = _MutableCursor(review.state.value, review, ctx)
        try:
            moved = self._machine.events[trigger].trigger(cursor)
        except MachineError:
            raise TransitionNotAllowed(
                review.id, review.state.value, trigger, self.open(review)
            ) from None
        if not moved:
            assert cursor.failure is not None  # noqa: S101 - a condition refused and said why
            name, failure = cursor.failure
            raise GuardFailed(
                review.id, trigger, name, failure.reason, failure.missing,
                missing_zh=failure.missing_zh,
            )  # fmt: skip
        return ReviewState(cursor.state)

    def open(self, review: Review) -> tuple[str, ...]:
        """The triggers open in the review's state (guards aside)."""
        return tuple(t for t, s in self.steps.items() if review.state in s.sources)

    def unmet(self, review: Review, trigger: str, ctx: GuardContext) -> tuple[tuple[str, str], ...]:
        """Every guard of ``trigger`` that holds the review now: (guard, reason) pairs."""
        step = self.steps[trigger]
        out: list[tuple[str, str]] = []
        for name in step.guards:
            failure = self.guards[name].check(review, ctx)
            if failure is not None:
                out.append((name, failure.reason))
        return tuple(out)

    # -- drawing -------------------------------------------------------------------------------

    def mermaid(self, lang: str = "zh") -> str:
        """The workflow as a Mermaid state diagram (steps that move the review)."""
        lines = ["stateDiagram-v2"]
        lines.extend(f"    {state.value}: {state.label(lang)}" for state in self.states)
        lines.append(f"    [*] --> {self.initial.value}")
        for step in self.steps.values():
            if not step.moves or step.dest is None:
                continue
            label = step.label_en if lang == "en" else step.label_zh
            if step.guards:
                guards = ", ".join(
                    (self.guards[g].label_en if lang == "en" else self.guards[g].label_zh)
                    for g in step.guards
                )
                label = f"{label} [{guards}]"
            if len(step.sources) > 1:
                lines.extend(
                    f"    {source.value} --> {step.dest.value}: {label}" for source in step.sources
                )
                continue
            lines.append(f"    {step.sources[0].value} --> {step.dest.value}: {label}")
        lines.extend(f"    {state.value} --> [*]" for state in self.states if state.final)
        return "\n".join(lines) + "\n"


class _MutableCursor:
    """The object the shared machine moves for one step. Slots keep it small and cheap."""

    __slots__ = ("ctx", "failure", "review", "state")

    def __init__(self, state: str, review: Review, ctx: GuardContext) -> None:
        self.state = state
        self.review = review
        self.ctx = ctx
        self.failure: tuple[str, Failure] | None = None


_STATES = {s.value: s for s in ReviewState}
_Routes = tuple[tuple[str | None, tuple["Guard", ...]], ...]
"""A trigger's transitions out of one state: (destination or None, guards) in order."""


def _condition_name(guard: Guard) -> str:
    return f"guard:{guard.name}"


def _condition(guard: Guard) -> Callable[[Any], bool]:
    def condition(event: Any) -> bool:
        cursor: _MutableCursor = event.model
        if cursor.failure is not None:
            return False
        failure = guard.check(cursor.review, cursor.ctx)
        if failure is None:
            return True
        cursor.failure = (guard.name, failure)
        return False

    condition.__name__ = _condition_name(guard)
    return condition


WORKFLOW = WorkflowDefinition(
    states=tuple(ReviewState),
    initial=ReviewState.SCHEDULED,
    steps=STEPS,
    guards=GUARDS,
)
"""The workflow of the source document (§5), shared by every review."""
