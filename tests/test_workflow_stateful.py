"""R-AUDIT, R-SCOPE-4, R-STEP-1, R-STEP-2, R-STEP-3, R-STEP-4, R-CAD-4: the workflow at random.

A Hypothesis state machine schedules a period on the scenario's roster (区卫生局党委 ...) and then
tries every trigger of the workflow on random reviews, by random people of the roster (in scope and
out of scope), with plausible, sometimes wrong, data; now and then it takes the right next step
with the right person, so that reviews do get to ``closed``. Whatever happens, the invariants
below must hold after every step:

- R-AUDIT, R-SCOPE-4: every call succeeds or raises a ``ReviewflowError``; a refused call changes
  nothing (no review, version or history entry), and the attempt log grows by exactly one entry
  naming the actor and the action; a successful one changes only its review, by one history entry,
  and its actor is one of the step's parties.
- R-AUDIT: every history is gapless (seq 1..n), hash-chained, and replays to the review.
- R-STEP-1..4: no review skips a step; every forward move met its step's guards when it was taken.
- R-CAD-4: at most one review per (reviewer, kind, subject, period); scheduling again adds nothing.

The oracles are the machine's own, never the library's step table, guards or scope: who takes
each step in which state is RULES.md written down in tests/scope_oracle.py (the parties worked
out from the roster's plain records), and each review's prerequisites (R-STEP-1 report heard,
R-STEP-2 content, R-STEP-3 fill → file → publicize, R-STEP-4 ledger done → reply → closeout →
close) are tracked in :class:`Progress` from the steps the machine itself took.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_service
from scope_oracle import BY, DEST, OPEN, ScenarioScope
from workflow_data import HELD, TODAY, outcome, random_data

S = rf.ReviewState
ORDER = (S.SCHEDULED, S.FACT_FINDING, S.REVIEWING, S.PUBLICIZING, S.RECTIFYING, S.CLOSED)
RANK = {state: i for i, state in enumerate(ORDER)}
ENDS = frozenset({S.WAIVED, S.CANCELLED, S.NOT_APPLICABLE})
LIVE = frozenset(s for s in S if not s.final)

TRIGGERS = tuple(BY)
PERIODS = ("2023-Q4", "2023-Q3", "2023-12")
# The steps whose order R-STEP-3 and R-STEP-4 fix, tried more often on reviews that got there.
LATE_TRIGGERS = (
    "fill_form", "file", "publicize", "begin_rectification", "plan_item", "update_item", "reply",
    "confirm_closeout", "close",
)  # fmt: skip

# Good data for the steps that move a review on, tried before their prerequisites are met.
PREMATURE: dict[str, dict[str, Any]] = {
    "conclude_fact_finding": {},
    "conclude_review": {},
    "file": {"filing_no": "卫党点评〔2023〕41号", "filed_on": HELD},
    "publicize": {"scope": "本支部", "medium": rf.Medium.MEETING, "published_on": HELD},
    "begin_rectification": {},
    "reply": {"text": "整改已全部完成。", "replied_on": HELD},
    "confirm_closeout": {"confirmed_on": TODAY},
    "close": {},
}


@attrs.define
class Progress:
    """What the machine knows of one review from the steps it took (R-STEP-1..4): its state and
    the prerequisites met so far, tracked from each successful call's own arguments. The library
    is never asked whether a guard holds: ``unmet`` says which prerequisites RULES.md names that
    these records do not show, and a step taken with any of them unmet is a bug."""

    aspects: tuple[rf.Aspect, ...]
    org: bool = False  # an organization's review
    state: rf.ReviewState = S.SCHEDULED
    reported: bool = False
    method_dated: bool = False
    commented: set[rf.Aspect] = attrs.Factory(set)
    achievements: bool = False
    direction: bool = False
    problems: set[rf.Aspect] = attrs.Factory(set)  # aspects whose last comment raised one
    required: bool = False
    no_rectification: bool = False
    filled: bool = False
    filed: bool = False
    publicized: bool = False
    requirements: set[str] = attrs.Factory(set)
    items: dict[str, tuple[str, bool]] = attrs.Factory(dict)  # item -> (requirement, done)
    replied: bool = False
    closeout: bool = False

    def ledger_done(self) -> bool:
        planned = {requirement for requirement, _ in self.items.values()}
        return self.requirements <= planned and all(done for _, done in self.items.values())

    def unmet(self, trigger: str) -> list[str]:
        """The prerequisites of ``trigger`` these records do not show (RULES.md §5)."""
        replied = self.replied or not self.requirements
        needs = {
            # R-STEP-1: a report is heard before the review.
            "conclude_fact_finding": {"a situation report": self.reported},
            # R-STEP-2: method and date, every aspect, achievements and direction, and every
            # problem raised with a requirement or the statement that none is needed.
            "conclude_review": {
                "method and date": self.method_dated,
                "every aspect commented": self.commented >= set(self.aspects),
                "achievements": self.achievements,
                "direction": self.direction,
                "requirements for the problems": not self.problems
                or self.required
                or self.no_rectification,
            },
            # R-STEP-3: fill in, then file, then publicize.
            "file": {"form filled": self.filled},
            "publicize": {"form filled": self.filled, "filed": self.filed},
            "begin_rectification": {
                "form filled": self.filled,
                "filed": self.filed,
                "publicized": self.publicized,
            },
            # R-STEP-4: the reply certifies the finished ledger, the closeout the reply.
            "reply": {"ledger done": self.ledger_done()},
            "confirm_closeout": {"ledger done": self.ledger_done(), "reply": replied},
            "close": {
                "ledger done": self.ledger_done(),
                "reply": replied,
                "closeout": self.closeout,
            },
        }.get(trigger, {})
        return [name for name, met in needs.items() if not met]

    def took(self, trigger: str, kwargs: Mapping[str, Any], changed: rf.Review) -> None:
        """Record a step taken with ``kwargs`` (``changed`` only names what the step created)."""
        self.state = DEST.get(trigger, self.state)
        if trigger == "report":
            self.reported = True
        elif trigger == "record_method":
            self.method_dated = self.method_dated or kwargs.get("held_on") is not None
        elif trigger == "comment":
            aspect = rf.Aspect(kwargs["aspect"])
            self.commented.add(aspect)
            self.achievements = self.achievements or bool(kwargs["achievements"].strip())
            if any(p.strip() for p in kwargs.get("problems", ())):
                self.problems.add(aspect)
            else:
                self.problems.discard(aspect)
        elif trigger == "set_direction":
            self.direction = self.direction or bool(kwargs["direction"].strip())
        elif trigger == "require":
            self.required = True
            (new,) = {r.id for r in changed.requirements} - self.requirements
            self.requirements.add(new)
        elif trigger == "declare_no_rectification":
            self.no_rectification = True
        elif trigger in ("fill_form", "file", "publicize"):
            flag = {"fill_form": "filled", "file": "filed", "publicize": "publicized"}[trigger]
            setattr(self, flag, True)
        elif trigger == "plan_item":
            (new,) = {i.id for i in changed.ledger} - set(self.items)
            self.items[new] = (kwargs["requirement_id"], False)
        elif trigger == "update_item":
            requirement, _ = self.items[kwargs["item_id"]]
            done = rf.ItemStatus(kwargs["status"]) is rf.ItemStatus.DONE
            self.items[kwargs["item_id"]] = (requirement, done)
        elif trigger == "reply":
            self.replied = True
        elif trigger == "confirm_closeout":
            self.closeout = True


class WorkflowMachine(RuleBasedStateMachine):
    """R-AUDIT, R-SCOPE-4, R-STEP-1, R-STEP-2, R-STEP-3, R-STEP-4, R-CAD-4: the scenario roster."""

    def __init__(self) -> None:
        super().__init__()
        self.service = scenario_service(today=TODAY)
        roster = self.service.roster()
        self.scope = ScenarioScope()
        self.people = self.scope.people
        assert self.people == tuple(sorted([*roster.members, *roster.office_staff]))
        self.org_ids = tuple(sorted(roster.organizations))
        self.progress: dict[str, Progress] = {}
        self.period = rf.Period.parse(PERIODS[0])
        self.ids: tuple[str, ...] = ()
        self.successes: dict[str, int] = {}
        # review id -> the record and history checked last (only new entries are checked again)
        self.verified: dict[str, tuple[rf.Review, tuple[rf.HistoryEntry, ...]]] = {}

    # -- the one way this machine calls the service --------------------------------------------

    def _snapshot(self) -> tuple[dict[str, rf.Review | None], tuple[rf.Attempt, ...]]:
        # By id from the store: listing (and sorting) every review around each call is slow; the
        # invariant lists them once per step and checks no review appears from nowhere.
        store = self.service.store
        return {rid: store.review(rid) for rid in self.ids}, self.service.attempts(OFFICE)

    def _call(
        self, actor: str, trigger: str, review_id: str, kwargs: Mapping[str, Any]
    ) -> tuple[rf.Review | None, rf.ReviewflowError | None]:
        """Take ``trigger``, checking R-AUDIT and R-SCOPE-4 around it: (review, None) when taken,
        (None, error) when refused."""
        service = self.service
        before, attempts = self._snapshot()
        review = before[review_id]
        assert review is not None
        progress = self.progress[review_id]
        assert review.state is progress.state, (
            f"{review_id} is {review.state}, not {progress.state}"
        )
        history = service.history(OFFICE, review_id)
        allowed = self.scope.may(actor, trigger, review)
        is_open = trigger in OPEN.get(progress.state, ())
        unmet = progress.unmet(trigger)
        changed, error = outcome(lambda: getattr(service, trigger)(actor, review_id, **kwargs))
        if error is not None:
            after, attempts_after = self._snapshot()
            # R-AUDIT / R-SCOPE-4: a refusal changes nothing but the attempt log ...
            assert after == before, f"{trigger} by {actor} was refused ({error}) but changed data"
            assert service.history(OFFICE, review_id) == history
            # ... which grows by exactly one entry naming who tried what, and why it failed.
            assert attempts_after[: len(attempts)] == attempts, "the attempt log is append-only"
            assert len(attempts_after) == len(attempts) + 1
            attempt = attempts_after[-1]
            assert (attempt.actor_id, attempt.action, attempt.review_id) == (
                actor,
                trigger,
                review_id,
            )
            assert attempt.error == type(error).__name__
            assert attempt.message == str(error)
            assert attempt.at == service.now()
            # R-SCOPE-4: someone who is none of the step's parties is refused as out of scope.
            if not allowed:
                assert isinstance(error, rf.OutOfScope), error
            elif not is_open:
                assert isinstance(error, rf.TransitionNotAllowed | rf.ConcurrencyConflict), error
            return None, error
        assert changed is not None
        after, attempts_after = self._snapshot()
        # R-SCOPE-4: only one of the step's parties may take it, from a state it is open in, ...
        assert allowed, f"{actor} took {trigger} on {review_id} without being one of {BY[trigger]}"
        assert is_open, f"{trigger} taken from {progress.state}"
        # ... R-STEP-1..4: with every prerequisite the machine has seen met.
        assert not unmet, f"{trigger} on {review_id} was taken without {unmet}"
        # The step changed only its review, by exactly one version and one history entry.
        assert attempts_after == attempts, "a successful step wrote to the attempt log"
        assert {k: v for k, v in after.items() if k != review_id} == {
            k: v for k, v in before.items() if k != review_id
        }, f"{trigger} on {review_id} changed another review"
        assert changed == after[review_id]
        assert changed.version == review.version + 1
        progress.took(trigger, kwargs, changed)
        assert changed.state is progress.state, f"{trigger} moved {review_id} to {changed.state}"
        new_history = service.history(OFFICE, review_id)
        assert new_history[:-1] == history
        entry = new_history[-1]
        assert (entry.actor_id, entry.action, entry.from_state, entry.to_state) == (
            actor,
            trigger,
            review.state,
            changed.state,
        )
        assert entry.at == service.now()
        assert entry.reason == kwargs.get("reason", "")
        self.successes[review_id] += 1
        if changed.state is S.CLOSED:
            event("a review was closed")  # --hypothesis-show-statistics shows how often
        return changed, None

    # -- setting up --------------------------------------------------------------------------

    @initialize(period=st.sampled_from(PERIODS))
    def schedule(self, period: str) -> None:
        """R-CAD-4: scheduling a period creates each slot's review once."""
        result = self.service.schedule(OFFICE, period)
        self.period = rf.Period.parse(period)
        assert result.created, "the scenario calls for reviews in every period"
        self.ids = tuple(r.id for r in result.created)
        self.successes = dict.fromkeys(self.ids, 0)
        self.progress = {
            r.id: Progress(r.aspects, org=r.kind is rf.ReviewKind.ORGANIZATION)
            for r in result.created
        }
        again = self.service.schedule(OFFICE, period)
        assert again.created == ()
        assert again.existing == len(result.created)

    def _review(self, review_id: str) -> rf.Review:
        return self.service.review(OFFICE, review_id)

    # -- random attempts -----------------------------------------------------------------------

    @rule(data=st.data())
    def attempt_anything(self, data: st.DataObject) -> None:
        """Any trigger, on any review, by anyone of the roster (or one of the review's parties)."""
        review = self._review(data.draw(st.sampled_from(self.ids), label="review"))
        trigger = data.draw(st.sampled_from(TRIGGERS), label="trigger")
        self._attempt(review, trigger, data)

    @rule(data=st.data())
    def attempt_out_of_order(self, data: st.DataObject) -> None:
        """R-STEP-3, R-STEP-4, R-SCOPE-4: a step of publicity or rectification, on a review the
        machine took that far, by anyone (one of the review's parties more often than not)."""
        late = [
            rid for rid in self.ids if RANK.get(self.progress[rid].state, 0) >= RANK[S.REVIEWING]
        ]
        if not late:
            return
        review = self._review(data.draw(st.sampled_from(late), label="review"))
        self._attempt(review, data.draw(st.sampled_from(LATE_TRIGGERS), label="trigger"), data)

    def _attempt(self, review: rf.Review, trigger: str, data: st.DataObject) -> None:
        involved = [p for p in self.people if self.scope.parties(p, review)]
        actor = data.draw(
            st.one_of(st.sampled_from(self.people), st.sampled_from(involved)), label="actor"
        )
        kwargs = random_data(trigger, review, data)
        kwargs["expected_version"] = data.draw(
            st.sampled_from([None, None, review.version, review.version - 1, review.version + 1]),
            label="expected_version",
        )
        _, error = self._call(actor, trigger, review.id, kwargs)
        if kwargs["expected_version"] not in (None, review.version):
            # A stale version is refused: out of scope first, else as a concurrency conflict.
            assert isinstance(error, rf.OutOfScope | rf.ConcurrencyConflict), error

    @rule(data=st.data())
    def schedule_again(self, data: st.DataObject) -> None:
        """R-CAD-4, R-SCOPE-4: scheduling the period (or part of it) again creates nothing."""
        service = self.service
        roster = service.roster()
        actor = data.draw(st.sampled_from(self.people), label="actor")
        sub = [self.period, *self.period.subperiods(rf.PeriodKind.MONTH)]
        period = data.draw(st.sampled_from(sub), label="period")
        root_id = data.draw(st.one_of(st.none(), st.sampled_from(self.org_ids)), label="root")
        before, attempts = self._snapshot()
        may = roster.is_office(actor) or (
            root_id is not None
            and any(
                (head := roster.head_of(o)) is not None and head.id == actor
                for o in (root_id, *roster.ancestors(root_id))
            )
        )
        result, error = outcome(lambda: service.schedule(actor, period, root_id=root_id))
        if error is not None:
            assert not may, f"{actor} may schedule {root_id} but was refused: {error}"
            assert isinstance(error, rf.OutOfScope)
            after, attempts_after = self._snapshot()
            assert after == before
            assert attempts_after[:-1] == attempts
            assert (attempts_after[-1].actor_id, attempts_after[-1].action) == (actor, "schedule")
            return
        assert may, f"{actor} scheduled {root_id} out of scope"
        assert result is not None
        assert result.created == ()
        after, attempts_after = self._snapshot()
        assert after == before
        assert attempts_after == attempts

    # -- the right step, by the right person ----------------------------------------------------

    def _candidates(self, review: rf.Review, trigger: str) -> list[str]:
        return self.scope.takers(trigger, review)

    def _next_step(self, review: rf.Review, data: st.DataObject) -> tuple[str, dict[str, Any]]:
        """The step that moves ``review`` on, with data that meets its guards."""
        state = review.state
        if state is S.SCHEDULED:
            return "start", {}
        if state is S.FACT_FINDING:
            if not review.reports:
                return "report", {"summary": "本季度完成重点任务。", "reported_on": HELD}
            return "conclude_fact_finding", {}
        if state is S.REVIEWING:
            return self._next_in_review(review, data)
        if state is S.PUBLICIZING:
            if review.form is None:
                return "fill_form", {"filled_on": HELD}
            if review.filing is None:
                return "file", {"filing_no": f"备案-{review.id}", "filed_on": HELD}
            if review.publicity is None:
                return "publicize", {"scope": "本支部", "medium": rf.Medium.MEETING}
            return "begin_rectification", {}
        assert state is S.RECTIFYING, state
        planned = {i.requirement_id for i in review.ledger}
        for requirement in review.requirements:
            if requirement.id not in planned:
                return "plan_item", {
                    "requirement_id": requirement.id,
                    "measure": "建立学习笔记周清制度",
                    "owner": "支部书记",
                    "due": date(2024, 1, 15),
                }
        for item in review.ledger:
            if item.status is not rf.ItemStatus.DONE:
                return "update_item", {"item_id": item.id, "status": "done", "done_on": HELD}
        if review.requirements and review.reply is None:
            return "reply", {"text": "整改已全部完成。", "replied_on": HELD}
        if review.closeout is None:
            return "confirm_closeout", {"confirmed_on": TODAY}
        return "close", {}

    def _next_in_review(self, review: rf.Review, data: st.DataObject) -> tuple[str, dict[str, Any]]:
        if review.method is None or review.method.held_on is None:
            planned = review.planned_method
            assert planned is not None
            return "record_method", {
                "method": planned.method,
                "occasion": planned.occasion,
                "held_on": HELD,
            }
        cited = {pid for r in review.requirements for pid in r.problem_ids}
        for aspect in review.aspects:
            if review.comment_on(aspect) is None:
                with_problem = data.draw(st.booleans(), label="with_problem")
                return "comment", {
                    "aspect": aspect,
                    "achievements": "成绩突出。",
                    "problems": ["学习不够深入"] if with_problem else [],
                }
        if not any(c.achievements.strip() for c in review.comments):
            # Re-comment an aspect none of whose problems a requirement cites (else refused).
            for comment in review.comments:
                if not {p.id for p in comment.problems} & cited:
                    return "comment", {"aspect": comment.aspect, "achievements": "成绩突出。"}
            return "waive", {"reason": "点评内容无法补正，办公室决定免于点评"}
        if not review.direction.strip():
            return "set_direction", {"direction": "继续发挥先锋模范作用", "suggestions": ""}
        uncited = [pid for pid in review.problem_ids() if pid not in cited]
        if uncited and not review.no_rectification_needed:
            if data.draw(st.booleans(), label="require"):
                return "require", {"text": "限期整改。", "problem_ids": uncited}
            return "declare_no_rectification", {}
        return "conclude_review", {}

    def _advance(self, review_id: str, data: st.DataObject) -> bool:
        """Take the right next step of a live review; False when it is final already."""
        review = self._review(review_id)
        if review.state not in LIVE:
            return False
        trigger, kwargs = self._next_step(review, data)
        candidates = self._candidates(review, trigger)
        assert candidates, f"nobody on the roster may take {trigger} on {review_id}"
        actor = data.draw(st.sampled_from(candidates), label=f"{trigger} by")
        changed, error = self._call(actor, trigger, review_id, kwargs)
        assert error is None, (
            f"the right step {trigger} by {actor} on {review} was refused: {error}"
        )
        assert changed is not None
        self._too_early(changed, data)
        # R-STEP-1..4: the steps of the state just left are over (a situation report after
        # fact finding, a comment after the review, ...): refused, by their own parties too.
        for over in sorted(OPEN[review.state] - OPEN.get(changed.state, frozenset())):
            actor = data.draw(st.sampled_from(self.scope.takers(over, changed)), label=over)
            self._call(actor, over, review_id, random_data(over, changed, data))
        return True

    @rule(data=st.data())
    def out_of_turn(self, data: st.DataObject) -> None:
        """R-SCOPE-4, R-STEP-1..4: on a review (one the machine has moved, or an organization's,
        whose subject is a whole leadership team), every step by each of its parties and a step
        by everyone else, with a stale version: scope is decided first, so a party of the step
        meets a conflict and anyone else is out of scope; a party's own steps not open in the
        review's state; the right next step by everyone who may not take it; each step whose
        prerequisites are not met yet, by one who may take it, with good data. All refused."""
        moved = [rid for rid in self.ids if self.successes[rid]] or list(self.ids)
        orgs = [rid for rid in self.ids if self.progress[rid].org] or moved
        rid = data.draw(st.one_of(st.sampled_from(moved), st.sampled_from(orgs)), label="review")
        review = self._review(rid)
        involved = [p for p in self.people if self.scope.parties(p, review)]
        for person in self.people:
            tried = TRIGGERS if person in involved else (data.draw(st.sampled_from(TRIGGERS)),)
            for trigger in tried:
                stale = {
                    **random_data(trigger, review, data),
                    "expected_version": review.version + 1,
                }
                _, error = self._call(person, trigger, review.id, stale)
                wanted = (
                    rf.ConcurrencyConflict
                    if self.scope.may(person, trigger, review)
                    else rf.OutOfScope
                )
                assert isinstance(error, wanted), (person, trigger, error)
        actor = data.draw(st.sampled_from(involved), label="party")
        state = self.progress[review.id].state
        for trigger in TRIGGERS:
            if self.scope.may(actor, trigger, review) and trigger not in OPEN.get(state, ()):
                self._call(actor, trigger, review.id, random_data(trigger, review, data))
        if review.state not in LIVE:
            return
        trigger, kwargs = self._next_step(review, data)
        for person in self.people:
            if not self.scope.may(person, trigger, review):
                self._call(person, trigger, review.id, kwargs)
        self._too_early(review, data)

    def _too_early(self, review: rf.Review, data: st.DataObject) -> None:
        """R-STEP-1..4: each step open in the review's state whose prerequisites the machine has
        not seen met, by one who may take it, with good data: refused (``_call`` checks)."""
        progress = self.progress[review.id]
        for early, good in PREMATURE.items():
            if early in OPEN.get(progress.state, ()) and progress.unmet(early):
                actor = data.draw(st.sampled_from(self.scope.takers(early, review)), label=early)
                self._call(actor, early, review.id, good)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """R-STEP-1..4: the right next step, by one of its parties, is taken."""
        self._advance(data.draw(st.sampled_from(self.ids), label="review"), data)

    @rule(data=st.data(), steps=st.integers(1, 25))
    def advance_far(self, data: st.DataObject, steps: int) -> None:
        """R-STEP-1..4: several right steps in a row, so reviews get to ``closed``."""
        review_id = data.draw(st.sampled_from(self.ids), label="review")
        for _ in range(steps):
            if not self._advance(review_id, data):
                break

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def every_history_is_sound(self) -> None:
        """R-AUDIT, R-STEP-1..4, R-CAD-4: histories, versions, order of states, unique keys."""
        service = self.service
        reviews = service.reviews(OFFICE)
        keys = [r.key for r in reviews]
        assert len(keys) == len(set(keys)), "R-CAD-4: two reviews share a key"
        assert {r.id for r in reviews} == set(self.ids), "a review appeared or vanished"
        for review in reviews:
            # Versions rise by exactly one per successful change.
            assert review.version == 1 + self.successes[review.id]
            known = self.verified.get(review.id)
            if known is not None and known[0].version == review.version:
                assert known[0] == review
                continue
            self.verified[review.id] = (review, _check_history(service, review, known))


def _check_history(
    service: rf.ReviewService,
    review: rf.Review,
    known: tuple[rf.Review, tuple[rf.HistoryEntry, ...]] | None,
) -> tuple[rf.HistoryEntry, ...]:
    """R-AUDIT and R-STEP-1..4 for one review, from its history; ``known`` was checked before.

    Returns the history, checked.
    """
    history = service.history(OFFICE, review.id)
    assert [e.seq for e in history] == list(range(1, len(history) + 1)), "history has a gap"
    assert len(history) == review.version
    prev_digest = ""
    for entry in history:
        assert entry.review_id == review.id
        assert entry.prev_digest == prev_digest, f"entry {entry.seq} breaks the hash chain"
        assert entry.compute_digest() == entry.digest, f"entry {entry.seq} was altered"
        prev_digest = entry.digest
    assert review.last_digest == prev_digest
    assert rf.replay(history) == review, "the history does not replay to the review"
    if known is not None:
        assert history[: len(known[1])] == known[1], "R-AUDIT: the history is append-only"
    # No step skipped: the states follow the workflow's order, one forward move at a time.
    first = history[0]
    assert (first.action, first.from_state, first.to_state) == ("schedule", None, S.SCHEDULED)
    current = known[0] if known is not None else rf.apply_entry(None, first)
    for entry in history[current.version :]:  # the entries not checked yet
        src, dst = entry.from_state, entry.to_state
        assert src is current.state, f"entry {entry.seq} starts from {src}, not {current.state}"
        assert src in LIVE, f"{entry.action} taken from the final state {src}"
        if dst in ENDS:
            assert entry.action in ("waive", "cancel", "mark_not_applicable")
            assert entry.reason.strip(), "R-CAD-3: an end is recorded with its reason"
        else:
            assert RANK[dst] in (RANK[src], RANK[src] + 1), f"{src} -> {dst} skips a step"
        # The step was open in its state and moved the review where RULES.md says (the
        # prerequisites were checked by the machine when it took the step).
        assert entry.action in OPEN[src], f"{entry.action} taken from {src}"
        assert dst == DEST.get(entry.action, src)
        current = rf.apply_entry(current, entry)
    assert current == review
    if review.state is S.CLOSED:
        # R-STEP-4: closed means every requirement is planned and done, replied and confirmed.
        planned = {i.requirement_id for i in review.ledger}
        assert all(r.id in planned for r in review.requirements)
        assert all(i.status is rf.ItemStatus.DONE for i in review.ledger)
        assert review.reply is not None or not review.requirements
        assert review.closeout is not None or not service.policy.closeout_required
    if review.state.reviewed:
        # R-STEP-1, R-STEP-2: a report was heard, and the review's content is on record.
        assert review.reports
        assert review.method is not None
        assert review.method.held_on is not None
        assert all(review.comment_on(a) is not None for a in review.aspects)
        assert review.direction.strip()
    return history


TestWorkflowStateMachine = WorkflowMachine.TestCase
TestWorkflowStateMachine.settings = settings(stateful_step_count=40)


# -- a case the machine does not check: the 销号 covers the ledger as it ends ----------------------


def _in_rectification(service: rf.ReviewService) -> tuple[str, str]:
    """周明's October review of 吴红, with one requirement, brought to rectifying."""
    review = next(
        r
        for r in service.reviews(OFFICE)
        if (r.reviewer_id, r.subject_id, str(r.period)) == ("zhou", "wu", "2023-10")
    )
    rid, held = review.id, date(2023, 10, 20)
    service.start("zhou", rid)
    service.report("wu", rid, summary="本月完成任务。", reported_on=held)
    service.conclude_fact_finding("zhou", rid)
    service.record_method(
        "zhou", rid, method="centralized", occasion="branch_general_meeting", held_on=held
    )
    for i, aspect in enumerate(review.aspects):
        review = service.comment(
            "zhou",
            rid,
            aspect=aspect,
            achievements="表现良好。",
            problems=["学习笔记不够系统"] if i == 0 else [],
        )
    service.set_direction("zhou", rid, direction="继续发挥先锋模范作用")
    review = service.require(
        "zhou", rid, text="每周整理学习笔记", problem_ids=list(review.problem_ids())
    )
    service.conclude_review("zhou", rid)
    service.fill_form("zhou", rid, filled_on=held)
    service.file(OFFICE, rid, filing_no="内科〔2023-10〕wu", filed_on=held)
    service.publicize("zhou", rid, scope="内科党支部", medium="meeting", published_on=held)
    service.begin_rectification("zhou", rid)
    return rid, review.requirements[0].id


def test_r_step_4_closeout_covers_the_final_ledger(service: rf.ReviewService) -> None:
    """R-STEP-4: the subject replies when every item is done, and the reviewer's 销号 confirms that
    ledger; an item added after the 销号 must not close on it (be refused, or need a new reply and
    a new closeout first)."""
    service.schedule(OFFICE, "2023-Q4")
    rid, requirement_id = _in_rectification(service)
    review = service.plan_item(
        "wu",
        rid,
        requirement_id=requirement_id,
        measure="建立周清制度",
        owner="吴红",
        due=date(2023, 11, 30),
    )
    service.update_item("wu", rid, item_id=review.ledger[0].id, status="done", done_on=HELD)
    service.reply("wu", rid, text="整改已完成。", replied_on=HELD)
    service.confirm_closeout("zhou", rid, confirmed_on=HELD)

    def add_an_item_and_close() -> rf.Review:
        changed = service.plan_item(
            "wu",
            rid,
            requirement_id=requirement_id,
            measure="新增整改措施",
            owner="吴红",
            due=date(2024, 1, 31),
        )
        service.update_item("wu", rid, item_id=changed.ledger[-1].id, status="done")
        return service.close("zhou", rid)

    with pytest.raises(rf.ReviewflowError):
        add_an_item_and_close()
