"""The four-step workflow (§5) as one table: states, steps, guards, effects and payload rules.

:data:`WORKFLOW` is the document's definition. A :class:`WorkflowDefinition` is validated when
built (every name it uses defined, every state reachable, no dead end, a final state left by no
step: :class:`~reviewflow.errors.InvalidDefinition` otherwise) and compiled once into a
``transitions.Machine`` that every review shares. That machine decides each step at run time:
its trigger moves a small cursor (never the record: no machine per review, no ``add_model`` per
row) and its conditions are the guards. The same machine draws the docs' state diagram
(:meth:`WorkflowDefinition.mermaid`), and the same table says what a step does to the record
(its effect) and what data it takes (its payload rule), so replaying a history
(:meth:`WorkflowDefinition.apply_entry`) uses the very definition that took the steps.

A deployment may add steps of its own (a rating some units attach to the form, for example)
with :meth:`WorkflowDefinition.extended`; the states are the document's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from transitions import Machine

from reviewflow.domain.effects import EFFECTS, Effect
from reviewflow.domain.guards import GUARDS, Failure, Guard, GuardContext
from reviewflow.domain.payloads import PAYLOADS, Payload
from reviewflow.domain.review import (
    CREATING_ACTIONS,
    REASSIGN_ACTION,
    HistoryEntry,
    Review,
    ReviewState,
    _moved,
    created_by,
    reassigned_by,
)
from reviewflow.domain.vocabulary import Party
from reviewflow.errors import (
    GuardFailed,
    InvalidDefinition,
    InvalidInput,
    NextStep,
    TransitionNotAllowed,
)
from reviewflow.reasons import because

__all__ = [
    "STEPS",
    "WORKFLOW",
    "Step",
    "WorkflowDefinition",
    "apply_entry",
    "replay",
]


@attrs.frozen
class Step:
    """A trigger: from which states, to which (None: the state stays), by whom, under which
    guards, what it does to the record (``effect``) and what data it takes (``payload``).

    A step whose ``dest`` is None records data within a state (a situation report, a comment);
    the others move the review along. ``guards``, ``effect`` and ``payload`` name entries of the
    definition's tables.
    """

    trigger: str
    """The step's name, as the service and the history call it (``start``, ``file`` ...)."""
    sources: tuple[ReviewState, ...]
    """The states it may be taken in."""
    dest: ReviewState | None
    """The state it moves the review to; None: the state stays."""
    by: frozenset[Party]
    """Which parties of the review may take it (R-SCOPE-4)."""
    label_zh: str
    """Its Chinese label, as end users see it."""
    label_en: str
    """Its English label."""
    guards: tuple[str, ...] = ()
    """The guards it must pass, by name (R-STEP-1..4)."""
    rule: str = ""
    """The rule id it enforces, for messages and the docs."""
    effect: str = "unchanged"
    """The effect that changes the record, by name."""
    payload: str = "none"
    """The payload rule that builds its data from the call's arguments, by name."""

    @property
    def moves(self) -> bool:
        """Whether the step changes the state."""
        return self.dest is not None


S = ReviewState
_LIVE = (S.SCHEDULED, S.FACT_FINDING, S.REVIEWING, S.PUBLICIZING, S.RECTIFYING)
_REVIEWER = frozenset({Party.REVIEWER})
_SUBJECT = frozenset({Party.SUBJECT})
_FILLER = frozenset({Party.FORM_FILLER})
_OFFICE = frozenset({Party.OFFICE})


def _recording(  # noqa: PLR0917 - a table row: trigger, state, who, labels, rule, effect
    trigger: str,
    state: ReviewState,
    by: frozenset[Party],
    label_zh: str,
    label_en: str,
    rule: str,
    effect: str,
    guards: tuple[str, ...] = (),
) -> Step:
    """A step that records data within ``state``, with the payload rule named like it."""
    return Step(trigger, (state,), None, by, label_zh, label_en, guards, rule, effect, trigger)


STEPS: tuple[Step, ...] = (
    Step(
        "start", (S.SCHEDULED,), S.FACT_FINDING, _REVIEWER, "开始了解情况", "start fact finding",
        rule="R-STEP-1",
    ),
    _recording(
        "report", S.FACT_FINDING, _SUBJECT, "汇报情况", "report the situation", "R-STEP-1",
        "add_report",
    ),
    Step(
        "conclude_fact_finding", (S.FACT_FINDING,), S.REVIEWING, _REVIEWER, "进入实施点评",
        "conclude fact finding", ("has_situation_report",), "R-STEP-1",
    ),
    _recording(
        "record_method", S.REVIEWING, _REVIEWER, "记录点评方式", "record the method", "R-METH",
        "set_method",
    ),
    _recording(
        "comment", S.REVIEWING, _REVIEWER, "点评", "comment on an aspect", "R-CONT", "comment",
    ),
    _recording(
        "set_direction", S.REVIEWING, _REVIEWER, "明确努力方向", "state the direction", "R-CONT",
        "set_direction",
    ),
    _recording(
        "judge_commitment", S.REVIEWING, _REVIEWER, "评价承诺兑现", "judge a commitment",
        "R-COMMIT", "judge_commitment",
    ),
    _recording(
        "add_participant", S.REVIEWING, _REVIEWER, "记录参加人员意见", "record a participant",
        "R-PART", "add_participant",
    ),
    _recording(
        "require", S.REVIEWING, _REVIEWER, "提出整改要求", "add a requirement", "R-STEP-2",
        "add_requirement",
    ),
    Step(
        "declare_no_rectification", (S.REVIEWING,), None, _REVIEWER, "确认无需整改",
        "state that no rectification is needed", rule="R-STEP-2",
        effect="declare_no_rectification",
    ),
    Step(
        "conclude_review", (S.REVIEWING,), S.PUBLICIZING, _REVIEWER, "完成点评",
        "conclude the review",
        (
            "method_and_date_recorded", "every_aspect_commented", "achievements_and_direction",
            "problems_have_requirements",
        ),
        "R-STEP-2",
    ),
    _recording(
        "fill_form", S.PUBLICIZING, _FILLER, "填写点评表", "fill in the form", "R-STEP-3",
        "set_form",
    ),
    _recording(
        "file", S.PUBLICIZING, _OFFICE, "备案", "file the form", "R-STEP-3", "set_filing",
        ("form_complete",),
    ),
    _recording(
        "publicize", S.PUBLICIZING, _FILLER, "书面公开", "make the review public", "R-STEP-3",
        "set_publicity", ("form_complete", "filed"),
    ),
    Step(
        "begin_rectification", (S.PUBLICIZING,), S.RECTIFYING, _FILLER | _OFFICE, "进入整改落实",
        "begin rectification", ("form_complete", "filed", "publicized"), "R-STEP-3",
    ),
    _recording(
        "plan_item", S.RECTIFYING, _SUBJECT, "登记整改台账", "add a ledger item", "R-STEP-4",
        "add_item", ("ledger_open",),
    ),
    _recording(
        "update_item", S.RECTIFYING, _SUBJECT, "更新整改进度", "update a ledger item", "R-STEP-4",
        "update_item", ("ledger_open",),
    ),
    _recording(
        "reply", S.RECTIFYING, _SUBJECT, "书面回复", "reply in writing", "R-STEP-4", "set_reply",
        ("ledger_done",),
    ),
    _recording(
        "confirm_closeout", S.RECTIFYING, _REVIEWER, "确认销号", "confirm the closeout", "R-STEP-4",
        "set_closeout", ("ledger_done", "reply_recorded"),
    ),
    Step(
        "close", (S.RECTIFYING,), S.CLOSED, _REVIEWER, "销号办结", "close",
        ("ledger_done", "reply_recorded", "closeout_confirmed"), "R-STEP-4",
    ),
    Step("waive", _LIVE, S.WAIVED, _OFFICE, "免于点评", "waive", (), "R-CAD-3", payload="end"),
    Step("cancel", _LIVE, S.CANCELLED, _OFFICE, "撤销", "cancel", (), "R-AUDIT", payload="end"),
    Step(
        "mark_not_applicable", _LIVE, S.NOT_APPLICABLE, _OFFICE, "不适用", "mark not applicable",
        (), "R-NA", payload="end",
    ),
)  # fmt: skip
"""The steps of the document's workflow (§5), in the document's order."""


class _Cursor:
    """What the shared machine moves for one step: the state, and what its conditions read."""

    __slots__ = ("ctx", "failure", "review", "state")

    def __init__(self, review: Review, ctx: GuardContext) -> None:
        self.state = review.state.value
        self.review = review
        self.ctx = ctx
        self.failure: tuple[str, Failure] | None = None


def _condition(guard: Guard) -> Callable[[Any], bool]:
    """The guard as a ``transitions`` condition: it notes the first failure on the cursor."""

    def condition(event: Any) -> bool:
        cursor: _Cursor = event.model
        failure = guard.check(cursor.review, cursor.ctx)
        if failure is None:
            return True
        cursor.failure = (guard.name, failure)
        return False

    condition.__name__ = guard.name
    return condition


def _name(condition: object) -> str:
    """The guard a condition of the machine stands for (see :func:`_condition`)."""
    return str(getattr(condition, "__name__", condition))


class WorkflowDefinition:
    """A validated workflow table, compiled once into a shared ``transitions`` machine."""

    def __init__(  # noqa: PLR0917 - the table's parts, in the order a reader meets them
        self,
        states: tuple[ReviewState, ...],
        initial: ReviewState,
        steps: Iterable[Step],
        guards: Iterable[Guard] = GUARDS,
        effects: Iterable[Effect] = EFFECTS,
        payloads: Iterable[Payload] = PAYLOADS,
    ) -> None:
        self.states = tuple(states)
        """Every state of the workflow."""
        self.initial = initial
        """The state a scheduled review starts in."""
        steps, guards, effects, payloads = (
            tuple(steps),
            tuple(guards),
            tuple(effects),
            tuple(payloads),
        )
        listed = {
            "steps": [s.trigger for s in steps],
            "guards": [g.name for g in guards],
            "effects": [e.name for e in effects],
            "payloads": [p.name for p in payloads],
        }
        for kind, names in listed.items():
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise InvalidDefinition(f"{kind} defined twice", twice)
        self.steps: Mapping[str, Step] = {s.trigger: s for s in steps}
        """The steps by trigger."""
        self.guards: Mapping[str, Guard] = {g.name: g for g in guards}
        """The guards the steps name, by name."""
        self.effects: Mapping[str, Effect] = {e.name: e for e in effects}
        """The effects the steps name, by name."""
        self.payloads: Mapping[str, Payload] = {p.name: p for p in payloads}
        """The payload rules the steps name, by name."""
        self._validate()
        self._machine = self._compile()

    def extended(
        self,
        *,
        steps: Iterable[Step] = (),
        guards: Iterable[Guard] = (),
        effects: Iterable[Effect] = (),
        payloads: Iterable[Payload] = (),
    ) -> WorkflowDefinition:
        """This definition with more steps and the guards, effects and payload rules they
        name; a step, guard, effect or rule named like one of this definition replaces it."""

        def merged(mine: Mapping[str, Any], more: Iterable[Any], key: str) -> list[Any]:
            table = dict(mine)
            table.update((getattr(item, key), item) for item in more)
            return list(table.values())

        return WorkflowDefinition(
            self.states,
            self.initial,
            merged(self.steps, steps, "trigger"),
            merged(self.guards, guards, "name"),
            merged(self.effects, effects, "name"),
            merged(self.payloads, payloads, "name"),
        )

    # -- validation ----------------------------------------------------------------------------

    def _validate(self) -> None:
        if self.initial not in self.states:
            raise InvalidDefinition("the initial state is not one of the states", [self.initial])
        for action in sorted((*CREATING_ACTIONS, REASSIGN_ACTION)):
            if action in self.steps:
                raise InvalidDefinition("the trigger is the history's own action", [action])
        for step in self.steps.values():
            self._validate_step(step)
        reachable = self._closure([self.initial], forwards=True)
        unreachable = [s for s in self.states if s not in reachable]
        if unreachable:
            raise InvalidDefinition("states that no step reaches", unreachable)
        finals = [s for s in self.states if s.final]
        ending = self._closure(finals, forwards=False)
        dead = [s for s in self.states if s not in ending]
        if dead:
            raise InvalidDefinition("states from which no steps lead to an end (R-LIVE)", dead)
        used = {name for step in self.steps.values() for name in step.guards}
        for name in sorted(used):
            unblocked_by = self.guards[name].unblocked_by
            if not unblocked_by:
                raise InvalidDefinition(
                    "a guard must name the steps that meet it (unblocked_by, R-LIVE)", [name]
                )
            strangers = [t for t in unblocked_by if t not in self.steps]
            if strangers:
                raise InvalidDefinition(f"guard {name!r} is unblocked by unknown steps", strangers)

    def _validate_step(self, step: Step) -> None:
        name = step.trigger
        if not name or not name.isidentifier():
            raise InvalidDefinition("a trigger must be a name (letters, digits, _)", [name])
        if not step.by:
            raise InvalidDefinition("a step must name who may take it", [name])
        unknown = [
            *(g for g in step.guards if g not in self.guards),
            *([step.effect] if step.effect not in self.effects else []),
            *([step.payload] if step.payload not in self.payloads else []),
        ]
        if unknown:
            raise InvalidDefinition(f"step {name!r} names what the definition lacks", unknown)
        states = [*step.sources, *([step.dest] if step.dest is not None else [])]
        strangers = [s for s in states if s not in self.states]
        if strangers:
            raise InvalidDefinition(f"step {name!r} names states that are not states", strangers)
        if not step.sources:
            raise InvalidDefinition("a step must name the states it is taken in", [name])
        ended = [s for s in step.sources if s.final]
        if ended:
            raise InvalidDefinition(f"step {name!r} is taken in a final state", ended)

    def _closure(self, start: Sequence[ReviewState], *, forwards: bool) -> set[ReviewState]:
        """The states reached from ``start`` along the moving steps: forwards (from a step's
        sources to its destination) or backwards (from its destination to its sources)."""
        found = set(start)
        frontier = list(start)
        while frontier:
            state = frontier.pop()
            for step in self.steps.values():
                if step.dest is None:
                    continue
                if forwards:
                    nexts = [step.dest] if state in step.sources else []
                else:
                    nexts = list(step.sources) if step.dest is state else []
                for other in nexts:
                    if other not in found:
                        found.add(other)
                        frontier.append(other)
        return found

    # -- the shared machine ----------------------------------------------------------------------

    def _compile(self) -> Machine:
        transitions = [
            {
                "trigger": step.trigger,
                "source": [s.value for s in step.sources],
                "dest": step.dest.value if step.dest else None,
                "conditions": [_condition(self.guards[name]) for name in step.guards],
            }
            for step in self.steps.values()
        ]
        return Machine(
            model=None,
            states=[s.value for s in self.states],
            initial=self.initial.value,
            transitions=transitions,
            auto_transitions=False,
            send_event=True,
        )

    def fire(self, review: Review, trigger: str, ctx: GuardContext) -> ReviewState:
        """The state after ``trigger``, as the machine decides it; raises when the step is not
        open in the review's state, or a guard holds it (the first that does is named).
        The review is not changed."""
        step = self.steps.get(trigger)
        if step is None or review.state not in step.sources:
            raise TransitionNotAllowed(
                review.id, review.state.value, trigger, self.open(review),
                next_steps=self._way_to(review.state, step), state_zh=review.state.label_zh,
                step_zh=step.label_zh if step is not None else "",
            )  # fmt: skip
        cursor = _Cursor(review, ctx)
        if not self._machine.events[trigger].trigger(cursor):
            assert cursor.failure is not None  # noqa: S101 - only a guard stops an open step
            name, failure = cursor.failure
            unblocked_by = self.guards[name].unblocked_by
            raise GuardFailed(
                review.id, trigger, name, failure.reason, failure.missing,
                missing_zh=failure.missing_zh,
                next_steps=[self.next_step(t) for t in unblocked_by],
                step_zh=self.steps[trigger].label_zh, guard_zh=self.guards[name].label_zh,
            )  # fmt: skip
        return ReviewState(cursor.state)

    def next_step(self, trigger: str) -> NextStep:
        """``trigger`` as a refusal names it: the step, who takes it, its labels."""
        step = self.steps[trigger]
        by = sorted(step.by, key=lambda party: party.value)
        return NextStep(
            trigger, tuple(p.value for p in by), step.label_zh, step.label_en,
            tuple(p.label_zh for p in by),
        )  # fmt: skip

    def _way_to(self, state: ReviewState, step: Step | None) -> tuple[NextStep, ...]:
        """The first moves on the shortest way from ``state`` to where ``step`` is open; when
        the step's time has passed, on the way to the review's closing (R-LIVE). None from a
        final state. The office's ends (waive, cancel) are never the way on."""
        if state.final:
            return ()
        targets = set(step.sources) if step is not None else set()
        if not targets or state not in self._closure(list(targets), forwards=False):
            targets = {s for s in self.states if s.final and s.reviewed}
        first: dict[ReviewState, str] = {}  # state -> the first move of the way to it
        frontier = [state]
        while frontier and not targets & first.keys():
            reached: list[ReviewState] = []
            for current in frontier:
                for trigger, candidate in self.steps.items():
                    dest = candidate.dest
                    if dest is None or current not in candidate.sources or dest in first:
                        continue
                    if dest is state or (dest.final and dest not in targets):
                        continue
                    first[dest] = first.get(current, trigger)
                    reached.append(dest)
            frontier = reached
        moves = sorted({first[s] for s in targets & first.keys()})
        return tuple(self.next_step(trigger) for trigger in moves)

    def way_on(self, review: Review) -> tuple[NextStep, ...]:
        """The first moves on the shortest way from the review's state to its closing (none
        from a final state): what a refusal of an operation not open there advises."""
        return self._way_to(review.state, None)

    def open(self, review: Review) -> tuple[str, ...]:
        """The triggers open in the review's state (guards aside)."""
        return tuple(t for t, s in self.steps.items() if review.state in s.sources)

    def unmet(self, review: Review, trigger: str, ctx: GuardContext) -> tuple[tuple[str, str], ...]:
        """Every guard of ``trigger`` that holds the review now: (guard, reason) pairs."""
        out: list[tuple[str, str]] = []
        for name in self.steps[trigger].guards:
            failure = self.guards[name].check(review, ctx)
            if failure is not None:
                out.append((name, str(failure.reason)))
        return tuple(out)

    def step(self, trigger: str) -> Step:
        """The step ``trigger`` names; refused with :class:`InvalidInput` when there is none."""
        found = self.steps.get(trigger)
        if found is None:
            raise InvalidInput("trigger", trigger, because("not_a_step"))
        return found

    def payload(self, trigger: str) -> Payload:
        """The payload rule of ``trigger``'s step."""
        return self.payloads[self.step(trigger).payload]

    # -- the record ------------------------------------------------------------------------------

    def apply_entry(self, review: Review | None, entry: HistoryEntry) -> Review:
        """The record after ``entry``: the first entry (``schedule``, ``reopen`` or
        ``mark_slot_not_applicable``) creates it; any other is its step's effect, with the
        entry's state, version and digest (and its reason, when it ends the review)."""
        if entry.action in CREATING_ACTIONS:
            if review is not None:
                raise InvalidInput("action", entry.action, because("created_once"))
            return created_by(entry)
        if review is None:
            raise InvalidInput("action", entry.action, because("history_starts_with_creation"))
        if entry.action == REASSIGN_ACTION:
            changed = reassigned_by(review, entry)
            return _moved(changed, entry.to_state, entry.seq, changed.end_reason, entry.digest)
        step = self.steps.get(entry.action)
        if step is None:
            raise InvalidInput("action", entry.action, because("not_an_action"))
        changed = self.effects[step.effect].apply(review, entry.data)
        end_reason = entry.reason if entry.reason and entry.to_state.final else changed.end_reason
        return _moved(changed, entry.to_state, entry.seq, end_reason, entry.digest)

    def replay(self, entries: Iterable[HistoryEntry]) -> Review | None:
        """Fold a history into the record it describes (None for an empty history)."""
        review: Review | None = None
        for entry in entries:
            review = self.apply_entry(review, entry)
        return review

    # -- drawing ---------------------------------------------------------------------------------

    def mermaid(self, lang: str = "zh") -> str:
        """The machine as a Mermaid state diagram: its moves, each with the step's label and
        its conditions (the guards) by label."""
        lines = ["stateDiagram-v2"]
        lines.extend(f"    {state.value}: {state.label(lang)}" for state in self.states)
        lines.append(f"    [*] --> {self._machine.initial}")
        for trigger, event in self._machine.events.items():
            step = self.steps[trigger]
            label = step.label_en if lang == "en" else step.label_zh
            for source, moves in event.transitions.items():
                for move in moves:
                    if move.dest is None:
                        continue
                    guards = [self.guards[_name(c.func)] for c in move.conditions]
                    named = ", ".join(g.label_en if lang == "en" else g.label_zh for g in guards)
                    shown = f"{label} [{named}]" if named else label
                    lines.append(f"    {source} --> {move.dest}: {shown}")
        lines.extend(f"    {state.value} --> [*]" for state in self.states if state.final)
        return "\n".join(lines) + "\n"


WORKFLOW = WorkflowDefinition(states=tuple(ReviewState), initial=ReviewState.SCHEDULED, steps=STEPS)
"""The workflow of the source document (§5), shared by every review."""


def apply_entry(
    review: Review | None, entry: HistoryEntry, workflow: WorkflowDefinition = WORKFLOW
) -> Review:
    """The record after ``entry`` (see :meth:`WorkflowDefinition.apply_entry`)."""
    return workflow.apply_entry(review, entry)


def replay(
    entries: Iterable[HistoryEntry], workflow: WorkflowDefinition = WORKFLOW
) -> Review | None:
    """Fold a history into the record it describes (None for an empty history)."""
    return workflow.replay(entries)
