"""R-LIVE, R-STEP-3, R-STEP-4: no dead ends, the step orders, and one shape per refusal.

The oracles here are written from RULES.md, not read from the library: which steps are open in
which state (:data:`OPEN`), who takes each step (:data:`BY`), who on the scenario's roster is
which party of a review (:func:`person`), and the way to ``closed`` from any state
(:func:`way_on`). The library's own table (``WORKFLOW``) and scope (``parties``) are what is
being checked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_service
from steps import find, review_content, to_publicizing, to_reviewing
from workflow_data import HELD, TODAY, outcome, random_data

S = rf.ReviewState
R, SUBJ, FILLER, OFF = "reviewer", "subject", "form_filler", "office"

# -- the oracle: RULES.md §5 as a reader writes it down ------------------------------------------

ENDS = {"waive", "cancel", "mark_not_applicable"}
OPEN: dict[rf.ReviewState, set[str]] = {
    S.SCHEDULED: {"start"} | ENDS,
    S.FACT_FINDING: {"report", "conclude_fact_finding"} | ENDS,
    S.REVIEWING: {
        "record_method", "comment", "set_direction", "judge_commitment", "add_participant",
        "require", "declare_no_rectification", "conclude_review",
    } | ENDS,
    S.PUBLICIZING: {"fill_form", "file", "publicize", "begin_rectification"} | ENDS,
    S.RECTIFYING: {"plan_item", "update_item", "reply", "confirm_closeout", "close"} | ENDS,
}  # fmt: skip
"""R-STEP-1..4, R-NA: the steps open in each live state (none in the final ones)."""

BY: dict[str, set[str]] = {
    "start": {R}, "report": {SUBJ}, "conclude_fact_finding": {R},
    **{
        trigger: {R}
        for trigger in (
            "record_method", "comment", "set_direction", "judge_commitment", "add_participant",
            "require", "declare_no_rectification", "conclude_review",
        )
    },
    "fill_form": {FILLER}, "file": {OFF}, "publicize": {FILLER},
    "begin_rectification": {FILLER, OFF},
    "plan_item": {SUBJ}, "update_item": {SUBJ}, "reply": {SUBJ},
    "confirm_closeout": {R}, "close": {R}, "waive": {OFF}, "cancel": {OFF},
    "mark_not_applicable": {OFF},
}  # fmt: skip
"""R-STEP-1..4, R-SCOPE-1..3: who takes each step."""


def person(service: rf.ReviewService, review: rf.Review, party: str) -> str:
    """Who on the roster is ``party`` of ``review``: the reviewer; the member, or the subject
    organization's head; the head of the review's organization filling in its form (the head
    above when that head is the member reviewed); the office."""
    roster = service.roster()
    if party == R:
        return review.reviewer_id
    if party == SUBJ:
        if review.kind is rf.ReviewKind.MEMBER:
            return review.subject_id
        head = roster.head_of(review.subject_id)
        assert head is not None
        return head.id
    if party == FILLER:
        org = roster.organizations[review.org_id]
        head = roster.head_of(org.id)
        if head is not None and head.id != review.subject_id:
            return head.id
        above = roster.head_of(org.parent_id) if org.parent_id else None
        return above.id if above is not None else OFFICE
    return OFFICE


def way_on(review: rf.Review) -> tuple[str, str, dict[str, Any]]:
    """The next step on the way to ``closed`` (R-LIVE): (trigger, party, arguments)."""
    state = review.state
    if state is S.SCHEDULED:
        return "start", R, {}
    if state is S.FACT_FINDING:
        if not review.reports:
            return "report", SUBJ, {"summary": "本季度完成重点任务。", "reported_on": HELD}
        return "conclude_fact_finding", R, {}
    if state is S.REVIEWING:
        return _way_through_review(review)
    if state is S.PUBLICIZING:
        if review.form is None:
            return "fill_form", FILLER, {"filled_on": HELD}
        if review.filing is None:
            return "file", OFF, {"filing_no": f"备案-{review.id}", "filed_on": HELD}
        if review.publicity is None:
            return "publicize", FILLER, {"scope": "本支部", "medium": "meeting"}
        return "begin_rectification", OFF, {}
    assert state is S.RECTIFYING, state
    planned = {i.requirement_id for i in review.ledger}
    for requirement in review.requirements:
        if requirement.id not in planned:
            item = {"measure": "建立周清制度", "owner": "本人", "due": date(2024, 1, 15)}
            return "plan_item", SUBJ, {"requirement_id": requirement.id, **item}
    for item in review.ledger:
        if item.status is not rf.ItemStatus.DONE:
            return "update_item", SUBJ, {"item_id": item.id, "status": "done", "done_on": HELD}
    if review.requirements and review.reply is None:
        return "reply", SUBJ, {"text": "整改已全部完成。", "replied_on": HELD}
    if review.closeout is None:
        return "confirm_closeout", R, {"confirmed_on": TODAY}
    return "close", R, {}


def _way_through_review(review: rf.Review) -> tuple[str, str, dict[str, Any]]:
    if review.method is None or review.method.held_on is None:
        assert review.planned_method is not None
        planned = review.planned_method
        return "record_method", R, {
            "method": planned.method, "occasion": planned.occasion, "held_on": HELD,
        }  # fmt: skip
    for aspect in review.aspects:
        if review.comment_on(aspect) is None:
            return "comment", R, {"aspect": aspect, "achievements": "成绩突出。"}
    if not any(c.achievements.strip() for c in review.comments):
        # Commenting again keeps the problems a requirement cites: always open.
        return "comment", R, {"aspect": review.aspects[0], "achievements": "成绩突出。"}
    if not review.direction.strip():
        return "set_direction", R, {"direction": "继续发挥先锋模范作用"}
    cited = {pid for r in review.requirements for pid in r.problem_ids}
    uncited = [pid for pid in review.problem_ids() if pid not in cited]
    if uncited and not review.no_rectification_needed:
        return "require", R, {"text": "限期整改。", "problem_ids": uncited}
    return "conclude_review", R, {}


def check_refusal(review: rf.Review, trigger: str, error: rf.ReviewflowError) -> None:
    """R-LIVE: a step refused for its order or a prerequisite names what unblocks it, and who
    takes that: a step open now, by its parties; nothing once the review has ended."""
    if not isinstance(error, rf.StepRefused):
        return
    assert (error.review_id, error.trigger) == (review.id, trigger)
    if review.state.final:
        assert error.next_steps == (), error
        return
    assert error.next_steps, f"{trigger} refused on a live review without a way on: {error}"
    for step in error.next_steps:
        assert step.trigger in OPEN[review.state], f"{step} is not open in {review.state}"
        assert set(step.by) == BY[step.trigger], (step, BY[step.trigger])
        assert step.trigger in str(error)


# -- the state machine -----------------------------------------------------------------------


class LiveMachine(RuleBasedStateMachine):
    """R-LIVE: whatever the parties try, each live review can still be taken to ``closed``."""

    def __init__(self) -> None:
        super().__init__()
        self.service = scenario_service(today=TODAY)
        roster = self.service.roster()
        self.people = (*sorted(roster.members), *sorted(roster.office_staff))
        self.ids: tuple[str, ...] = ()

    @initialize(period=st.sampled_from(["2023-Q4", "2023-12"]))
    def schedule(self, period: str) -> None:
        self.ids = tuple(r.id for r in self.service.schedule(OFFICE, period).created)

    def _review(self, review_id: str) -> rf.Review:
        return self.service.review(OFFICE, review_id)

    @rule(data=st.data())
    def try_anything(self, data: st.DataObject) -> None:
        """Any step, by anyone (a party of the review more often than not), any data."""
        review = self._review(data.draw(st.sampled_from(self.ids), label="review"))
        trigger = data.draw(st.sampled_from(sorted(BY)), label="trigger")
        parties = [person(self.service, review, p) for p in sorted(BY[trigger])]
        actor = data.draw(
            st.one_of(st.sampled_from(parties), st.sampled_from(self.people)), label="actor"
        )
        kwargs = random_data(trigger, review, data)
        _, error = outcome(lambda: getattr(self.service, trigger)(actor, review.id, **kwargs))
        if error is not None:
            check_refusal(review, trigger, error)

    @rule(data=st.data(), steps=st.integers(1, 12))
    def go_on(self, data: st.DataObject, steps: int) -> None:
        """A few steps of the way on, by the right people."""
        review_id = data.draw(st.sampled_from(self.ids), label="review")
        for _ in range(steps):
            if not self._step_on(review_id):
                break

    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        """R-LIVE: from where it stands, a live review reaches ``closed``."""
        review_id = data.draw(st.sampled_from(self.ids), label="review")
        for _ in range(60):
            if not self._step_on(review_id):
                break
        assert self._review(review_id).state in (S.CLOSED, S.WAIVED, S.CANCELLED, S.NOT_APPLICABLE)

    def _step_on(self, review_id: str) -> bool:
        review = self._review(review_id)
        if review.state.final:
            return False
        trigger, party, kwargs = way_on(review)
        actor = person(self.service, review, party)
        _, error = outcome(lambda: getattr(self.service, trigger)(actor, review_id, **kwargs))
        assert error is None, f"R-LIVE: the way on ({trigger} by {actor}) was refused: {error}"
        return True

    @invariant()
    def nothing_is_stuck(self) -> None:
        """R-LIVE: every live review has a step open in its state per the oracle's table."""
        for review in self.service.reviews(OFFICE):
            if not review.state.final:
                assert way_on(review)[0] in OPEN[review.state]


TestLiveMachine = LiveMachine.TestCase
TestLiveMachine.settings = settings(stateful_step_count=30)


# -- the situations of issue #14, one by one ---------------------------------------------------


def refused(
    service: rf.ReviewService, review_id: str, call: Any, kind: type[rf.ReviewflowError]
) -> Any:
    """``call()`` is refused with ``kind``, changes nothing and is logged once (R-AUDIT)."""
    before = service.review(OFFICE, review_id)
    logged = len(service.attempts(OFFICE))
    with pytest.raises(kind) as caught:
        call()
    assert service.review(OFFICE, review_id) == before
    assert len(service.attempts(OFFICE)) == logged + 1
    return caught.value


def _with_a_requirement(service: rf.ReviewService) -> rf.Review:
    """周明's November review of 吴红, in 整改落实 with one requirement and no ledger item."""
    service.schedule(OFFICE, "2023-11")
    review = to_publicizing(service, find(service, "zhou", "wu", "2023-11"), problem="学习不够")
    rid = review.id
    service.fill_form("zhou", rid, filled_on=HELD)
    service.file(OFFICE, rid, filing_no="内科〔2023〕11号", filed_on=HELD)
    service.publicize("zhou", rid, scope="内科党支部", medium="meeting", published_on=HELD)
    return service.begin_rectification(OFFICE, rid)


def test_r_step_4_no_reply_while_a_requirement_has_no_ledger_item(
    any_service: rf.ReviewService,
) -> None:
    """Issue #14, seen 1: the reply that made a review impossible to close is refused, and names
    the ledger item that is missing and who records it; the review then closes."""
    service = any_service
    review = _with_a_requirement(service)
    rid = review.id
    error = refused(service, rid, lambda: service.reply("wu", rid, text="已整改。"), rf.GuardFailed)
    assert error.guard == "ledger_done"
    assert [(s.trigger, s.by) for s in error.next_steps] == [
        ("plan_item", ("subject",)),
        ("update_item", ("subject",)),
    ]
    assert error.missing_zh == (f"整改台账：{review.requirements[0].text}",)
    review = service.plan_item(
        "wu", rid, requirement_id=review.requirements[0].id, measure="每周学习",
        owner="吴红", due=date(2023, 12, 15),
    )  # fmt: skip
    error = refused(service, rid, lambda: service.reply("wu", rid, text="已整改。"), rf.GuardFailed)
    assert error.guard == "ledger_done"  # the item is not done yet
    service.update_item("wu", rid, item_id=review.ledger[0].id, status="done", done_on=HELD)
    service.reply("wu", rid, text="已整改。", replied_on=HELD)
    service.confirm_closeout("zhou", rid, confirmed_on=HELD)
    assert service.close("zhou", rid).state is S.CLOSED


def test_r_step_4_after_the_reply_the_ledger_is_shut_and_the_way_on_is_named(
    any_service: rf.ReviewService,
) -> None:
    """R-STEP-4, R-LIVE: a ledger item after the reply is refused; the refusal names the
    closeout and the closing by the reviewer, never 'cancel and review again'."""
    service = any_service
    review = _with_a_requirement(service)
    rid, requirement = review.id, review.requirements[0].id
    review = service.plan_item(
        "wu", rid, requirement_id=requirement, measure="每周学习", owner="吴红",
        due=date(2023, 12, 15),
    )  # fmt: skip
    service.update_item("wu", rid, item_id=review.ledger[0].id, status="done", done_on=HELD)
    service.reply("wu", rid, text="已整改。", replied_on=HELD)

    def another_item() -> rf.Review:
        return service.plan_item(
            "wu", rid, requirement_id=requirement, measure="再学习", owner="吴红",
            due=date(2023, 12, 20),
        )  # fmt: skip

    error = refused(service, rid, another_item, rf.GuardFailed)
    assert error.guard == "ledger_open"
    assert [(s.trigger, s.by) for s in error.next_steps] == [
        ("confirm_closeout", ("reviewer",)),
        ("close", ("reviewer",)),
    ]
    assert "cancel" not in str(error)
    service.confirm_closeout("zhou", rid, confirmed_on=HELD)
    assert service.close("zhou", rid).state is S.CLOSED


def test_r_step_4_closeout_needs_the_ledger_and_the_reply_as_a_guard(
    any_service: rf.ReviewService,
) -> None:
    """Issue #14, seen 7: the missing ledger item is the same refusal from confirm_closeout as
    from close (GuardFailed naming the guard), not InvalidInput."""
    service = any_service
    rid = _with_a_requirement(service).id
    for call in (
        lambda: service.confirm_closeout("zhou", rid),
        lambda: service.close("zhou", rid),
    ):
        error = refused(service, rid, call, rf.GuardFailed)
        assert error.guard == "ledger_done"
        assert error.next_steps[0].trigger == "plan_item"


def test_r_step_3_fill_then_file_then_publicize(any_service: rf.ReviewService) -> None:
    """Issue #14, seen 2: filing before the form and publicizing before the filing are refused,
    each naming the step that comes first and who takes it; in order, all three are taken."""
    service = any_service
    service.schedule(OFFICE, "2023-11")
    rid = to_publicizing(service, find(service, "zhou", "wu", "2023-11")).id

    def file() -> rf.Review:
        return service.file(OFFICE, rid, filing_no="内科〔2023〕11号", filed_on=HELD)

    def publicize() -> rf.Review:
        return service.publicize("zhou", rid, scope="内科党支部", medium="meeting")

    error = refused(service, rid, file, rf.GuardFailed)
    assert (error.guard, [(s.trigger, s.by) for s in error.next_steps]) == (
        "form_complete",
        [("fill_form", ("form_filler",))],
    )
    error = refused(service, rid, publicize, rf.GuardFailed)
    assert error.guard == "form_complete"
    service.fill_form("zhou", rid, filled_on=HELD)
    error = refused(service, rid, publicize, rf.GuardFailed)
    assert (error.guard, [(s.trigger, s.by) for s in error.next_steps]) == (
        "filed",
        [("file", ("office",))],
    )
    file()
    review = publicize()
    assert (review.form, review.filing, review.publicity) != (None, None, None)
    assert review.publicity is not None


def test_r_live_a_step_out_of_order_names_the_way_on(any_service: rf.ReviewService) -> None:
    """Issue #14, seen 7: a step too early names the move that leads to it; a step whose time
    has passed names the move on; a step on an ended review names nothing. All are the same
    kind of refusal (StepRefused)."""
    service = any_service
    service.schedule(OFFICE, "2023-11")
    review = to_reviewing(service, find(service, "zhou", "wu", "2023-11"))
    rid = review.id
    too_early = refused(
        service, rid, lambda: service.publicize("zhou", rid, scope="全院", medium="meeting"),
        rf.TransitionNotAllowed,
    )  # fmt: skip
    assert [(s.trigger, s.by) for s in too_early.next_steps] == [("conclude_review", ("reviewer",))]
    too_late = refused(
        service, rid, lambda: service.report("wu", rid, summary="补充汇报"),
        rf.TransitionNotAllowed,
    )  # fmt: skip
    assert [s.trigger for s in too_late.next_steps] == ["conclude_review"]
    assert isinstance(too_early, rf.StepRefused)
    review_content(service, review)
    service.conclude_review("zhou", rid)
    service.cancel(OFFICE, rid, reason="计划有误")
    ended = refused(service, rid, lambda: service.start("zhou", rid), rf.TransitionNotAllowed)
    assert ended.next_steps == ()
    assert ended.details()["next_steps"] == []
    assert too_early.details()["next_steps"][0] == {
        "trigger": "conclude_review",
        "by": ["reviewer"],
        "label_zh": "完成点评",
        "label_en": "conclude the review",
        "by_zh": ["点评领导"],
    }


def test_r_input_an_empty_reason_is_invalid_input_everywhere(
    any_service: rf.ReviewService,
) -> None:
    """Issue #14, seen 7: an empty reason is a missing value, refused as InvalidInput naming the
    reason, for waive, cancel and not applicable as for a member who leaves."""
    service = any_service
    service.schedule(OFFICE, "2023-11")
    rid = find(service, "zhou", "wu", "2023-11").id
    for end in (service.waive, service.cancel, service.mark_not_applicable):
        error = refused(
            service, rid, lambda end=end: end(OFFICE, rid, reason="  "), rf.InvalidInput
        )
        assert error.field == "reason"
    with pytest.raises(rf.InvalidInput) as caught:
        service.member_leaves(OFFICE, "wu", on=date(2023, 12, 1), reason="")
    assert caught.value.field == "reason"


def test_r_live_a_reply_recorded_on_an_unfinished_ledger_before_this_rule_can_still_close() -> None:
    """R-LIVE for data recorded before R-STEP-4 was sharpened: a reply on a ledger that was not
    done leaves the ledger open until it is, so the review can still be closed."""
    requirement = rf.RectificationRequirement("q1", "限期整改")
    stuck = rf.Review(
        "r1", rf.ReviewKind.MEMBER, "zhou", "wu", rf.Period.parse("2023-11"), rf.Basis.HEAD,
        "internal", state=S.RECTIFYING, requirements=(requirement,),
        reply=rf.WrittenReply("已整改。", "wu", HELD),
    )  # fmt: skip
    ctx = rf.GuardContext()
    assert rf.WORKFLOW.fire(stuck, "plan_item", ctx) is S.RECTIFYING
    item = rf.RectificationItem("i1", "q1", "每周学习", "吴红", date(2023, 12, 15))
    done = attrs.evolve(stuck, ledger=(attrs.evolve(item, status=rf.ItemStatus.DONE),))
    with pytest.raises(rf.GuardFailed) as caught:
        rf.WORKFLOW.fire(done, "plan_item", ctx)
    assert caught.value.guard == "ledger_open"
    assert rf.WORKFLOW.fire(attrs.evolve(done, closeout=None), "confirm_closeout", ctx)
