"""The four steps and what a review contains (R-STEP-1..4, R-CONT*, R-COMMIT, R-METH*, R-PART,
R-AUDIT)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

import reviewflow as rf
from steps import (
    HELD,
    actor_for,
    find,
    publicize,
    rectify,
    review_content,
    subject_actor,
    to_closed,
    to_publicizing,
    to_rectifying,
    to_reviewing,
)

Q4 = "2023-Q4"


@pytest.fixture
def scheduled(service: rf.ReviewService, office: str) -> rf.ReviewService:
    service.schedule(office, Q4)
    return service


@pytest.fixture
def org_review(scheduled: rf.ReviewService) -> rf.Review:
    return find(scheduled, "li", "hospital", Q4)


@pytest.fixture
def member_review(scheduled: rf.ReviewService) -> rf.Review:
    return find(scheduled, "zhou", "wu", "2023-11")


def unchanged(service: rf.ReviewService, office: str, review: rf.Review) -> None:
    """The review and its history are as they were (a refused step changes nothing)."""
    assert service.review(office, review.id) == review
    assert len(service.history(office, review.id)) == review.version


# -- the state machine's order -------------------------------------------------------------------


def test_r_step_states_follow_the_four_steps(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-1..4: scheduled → fact_finding → reviewing → publicizing → rectifying → closed."""
    to_closed(scheduled, org_review, problem="承诺进度滞后")
    moves = [
        (e.from_state, e.to_state)
        for e in scheduled.history(office, org_review.id)
        if e.from_state is not e.to_state
    ]
    s = rf.ReviewState
    assert moves == [
        (None, s.SCHEDULED),
        (s.SCHEDULED, s.FACT_FINDING),
        (s.FACT_FINDING, s.REVIEWING),
        (s.REVIEWING, s.PUBLICIZING),
        (s.PUBLICIZING, s.RECTIFYING),
        (s.RECTIFYING, s.CLOSED),
    ]


def test_r_step_a_step_out_of_order_is_not_allowed(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-1: no skipping: closing a scheduled review names the state and what is open."""
    with pytest.raises(rf.TransitionNotAllowed) as caught:
        scheduled.close("li", org_review.id)
    assert caught.value.state == "scheduled"
    assert caught.value.trigger == "close"
    assert "start" in caught.value.allowed
    unchanged(scheduled, office, org_review)


# -- R-STEP-1 ------------------------------------------------------------------------------------


def test_r_step_1_fact_finding_needs_a_situation_report(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-1: fact finding cannot end before a situation report is heard."""
    review = scheduled.start("li", org_review.id)
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.conclude_fact_finding("li", review.id)
    assert caught.value.guard == "has_situation_report"
    assert caught.value.missing
    unchanged(scheduled, office, review)


def test_r_step_1_the_report_carries_work_commitments_and_measures(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-STEP-1, R-COMMIT: the report records work, commitments with fulfilment, and measures."""
    scheduled.start("li", org_review.id)
    review = scheduled.report(
        "liu",
        org_review.id,
        summary="推进门诊流程再造",
        ideas_and_measures="预约诊疗全覆盖",
        commitments=[rf.Commitment("c1", "预约率60%", "fulfilled", "已达64%")],
        reported_on=HELD,
    )
    (report,) = review.reports
    assert (report.reported_by, report.ideas_and_measures) == ("liu", "预约诊疗全覆盖")
    assert review.commitments()[0].status is rf.FulfilmentStatus.FULFILLED


# -- R-STEP-2, R-CONT ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("guard", "prepare"),
    [
        ("method_and_date_recorded", lambda s, r: None),
        (
            "every_aspect_commented",
            lambda s, r: s.record_method(r.reviewer_id, r.id, method="on_site", held_on=HELD),
        ),
    ],
)
def test_r_step_2_guards_name_what_is_missing(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str, guard: str, prepare: object
) -> None:
    """R-STEP-2: concluding too early names the guard and the missing data."""
    review = to_reviewing(scheduled, org_review)
    prepare(scheduled, review)  # type: ignore[operator]
    review = scheduled.review(office, review.id)
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.conclude_review("li", review.id)
    assert caught.value.guard == guard
    assert caught.value.missing
    unchanged(scheduled, office, review)


def test_r_step_2_achievements_and_direction_are_required(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-STEP-2, R-CONT: every aspect commented with problems only, no direction → refused."""
    review = to_reviewing(scheduled, org_review)
    scheduled.record_method("li", review.id, method="on_site", held_on=HELD)
    for aspect in review.aspects:
        scheduled.comment("li", review.id, aspect=aspect, problems=["有不足"])
    scheduled.declare_no_rectification("li", review.id)
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.conclude_review("li", review.id)
    assert caught.value.guard == "achievements_and_direction"
    assert len(caught.value.missing) == 2


def test_r_step_2_every_problem_needs_a_requirement(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-STEP-2: a problem without a requirement holds the step, until one is added."""
    review = to_reviewing(scheduled, org_review)
    scheduled.record_method("li", review.id, method="on_site", held_on=HELD)
    for aspect in review.aspects:
        review = scheduled.comment(
            "li", review.id, aspect=aspect, achievements="好", problems=["缺"]
        )
    scheduled.set_direction("li", review.id, direction="再接再厉")
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.conclude_review("li", review.id)
    assert caught.value.guard == "problems_have_requirements"
    assert len(caught.value.missing) == 4
    scheduled.require("li", review.id, text="逐项整改", problem_ids=list(review.problem_ids()))
    assert scheduled.conclude_review("li", review.id).state is rf.ReviewState.PUBLICIZING


def test_r_step_2_or_the_reviewer_states_none_is_needed(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-STEP-2: the reviewer may state that the problems need no requirement."""
    review = to_reviewing(scheduled, org_review)
    scheduled.record_method("li", review.id, method="on_site", held_on=HELD)
    for aspect in review.aspects:
        scheduled.comment("li", review.id, aspect=aspect, achievements="好", problems=["小问题"])
    scheduled.set_direction("li", review.id, direction="再接再厉")
    scheduled.declare_no_rectification("li", review.id)
    review = scheduled.conclude_review("li", review.id)
    assert review.no_rectification_needed
    assert review.state is rf.ReviewState.PUBLICIZING


def test_r_step_2_a_requirement_must_cite_real_problems(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-2: citing a problem that does not exist is bad input and changes nothing."""
    review = to_reviewing(scheduled, org_review)
    with pytest.raises(rf.InvalidInput) as caught:
        scheduled.require("li", review.id, text="整改", problem_ids=["no-such-problem"])
    assert caught.value.field == "problem_ids"
    unchanged(scheduled, office, review)


def test_r_cont_org_four_aspects(scheduled: rf.ReviewService, org_review: rf.Review) -> None:
    """R-CONT-ORG: an organization review covers its four aspects, each with its own text."""
    assert [a.value for a in org_review.aspects] == [
        "org_core_work",
        "org_commitments",
        "org_serving_masses",
        "org_five_goods",
    ]
    review = to_reviewing(scheduled, org_review)
    review = review_content(scheduled, review)
    assert [c.aspect for c in review.comments] == list(review.aspects)


def test_r_cont_mem_four_aspects(scheduled: rf.ReviewService, member_review: rf.Review) -> None:
    """R-CONT-MEM: a member review covers the member's four aspects; org aspects are refused."""
    assert [a.value for a in member_review.aspects] == [
        "mem_arduous_tasks",
        "mem_commitments",
        "mem_practical_deeds",
        "mem_exemplary_role",
    ]
    review = to_reviewing(scheduled, member_review)
    with pytest.raises(rf.InvalidInput):
        scheduled.comment("zhou", review.id, aspect="org_five_goods", achievements="好")


def test_r_cont_achievements_problems_direction_are_recorded(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-CONT: achievements, problems, direction and suggestions end up on the record."""
    review = to_reviewing(scheduled, org_review)
    review = scheduled.comment(
        "li", review.id, aspect="org_core_work", achievements="流程再造", problems=["宣传不足"]
    )
    review = scheduled.set_direction("li", review.id, direction="深化服务", suggestions="多下基层")
    comment = review.comment_on(rf.Aspect.ORG_CORE_WORK)
    assert comment is not None
    assert (comment.achievements, [p.text for p in comment.problems]) == ("流程再造", ["宣传不足"])
    assert (review.direction, review.suggestions) == ("深化服务", "多下基层")


def test_r_commit_the_reviewer_judges_reported_commitments(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-COMMIT: a reported commitment is judged in step 2; an unknown one is refused."""
    review = to_reviewing(scheduled, org_review)
    review = scheduled.judge_commitment(
        "li", review.id, commitment_id="c1", status="not_fulfilled", remark="进度落后"
    )
    assert review.judgements[-1].status is rf.FulfilmentStatus.NOT_FULFILLED
    with pytest.raises(rf.InvalidInput):
        scheduled.judge_commitment("li", review.id, commitment_id="c9", status="fulfilled")
    unchanged(scheduled, office, review)


def test_r_commit_bad_status_names_the_choices() -> None:
    """R-COMMIT: a fulfilment status outside the four is refused with the choices named."""
    with pytest.raises(rf.InvalidInput, match="fulfilled"):
        rf.Commitment("c1", "承诺", "half done")


def test_r_meth_method_and_occasion_are_recorded(
    scheduled: rf.ReviewService, member_review: rf.Review
) -> None:
    """R-METH: the method and the occasion it was combined with are recorded."""
    review = to_reviewing(scheduled, member_review)
    review = scheduled.record_method(
        "zhou", review.id, method="talk", occasion="heart_to_heart_talk", held_on=HELD
    )
    assert review.method == rf.MethodRecord(rf.Method.TALK, rf.Occasion.HEART_TO_HEART_TALK, HELD)


def test_r_meth_an_occasion_of_another_method_is_refused(
    scheduled: rf.ReviewService, member_review: rf.Review
) -> None:
    """R-METH: a symposium is an on-site occasion, not a talk."""
    review = to_reviewing(scheduled, member_review)
    with pytest.raises(rf.InvalidInput):
        scheduled.record_method("zhou", review.id, method="talk", occasion="symposium")


def test_r_meth_default_liaison_on_site_member_branch_meeting(
    scheduled: rf.ReviewService, org_review: rf.Review, member_review: rf.Review
) -> None:
    """R-METH-DEFAULT: liaison reviews are planned on site; a secretary's member reviews at the
    branch general meeting; another method is allowed and recorded."""
    assert org_review.planned_method is not None
    assert org_review.planned_method.method is rf.Method.ON_SITE
    assert member_review.planned_method == rf.MethodRecord(
        rf.Method.CENTRALIZED, rf.Occasion.BRANCH_GENERAL_MEETING
    )
    review = to_reviewing(scheduled, member_review)
    review = scheduled.record_method("zhou", review.id, method="talk", held_on=HELD)
    assert review.method is not None
    assert review.method.method is rf.Method.TALK


def test_r_part_requirement_cites_a_participants_opinion(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-PART: participants' names, capacity and opinions are recorded and can be cited."""
    review = to_reviewing(scheduled, org_review)
    review = scheduled.add_participant(
        "li", review.id, name="党员代表吴红", capacity="member", opinion="加强夜间门诊"
    )
    participant = review.participants[-1]
    review = scheduled.require("li", review.id, text="增设夜间门诊", participant_id=participant.id)
    assert review.requirements[-1].participant_id == participant.id
    with pytest.raises(rf.InvalidInput):
        scheduled.require("li", review.id, text="x", participant_id="nobody")


# -- R-STEP-3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "guard"),
    [((), "form_complete"), (("fill",), "filed"), (("fill", "file"), "publicized")],
)
def test_r_step_3_form_filed_and_public_before_rectification(
    scheduled: rf.ReviewService,
    org_review: rf.Review,
    office: str,
    done: tuple[str, ...],
    guard: str,
) -> None:
    """R-STEP-3: the form must be filled in, filed (number and date) and made public."""
    review = to_publicizing(scheduled, org_review)
    filler = actor_for(scheduled, review, rf.Party.FORM_FILLER)
    if "fill" in done:
        scheduled.fill_form(filler, review.id, filled_on=HELD)
    if "file" in done:
        scheduled.file(office, review.id, filing_no="卫党点评〔2023〕1号", filed_on=HELD)
    review = scheduled.review(office, review.id)
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.begin_rectification(office, review.id)
    assert caught.value.guard == guard
    unchanged(scheduled, office, review)


def test_r_step_3_filing_and_publicity_are_recorded(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-3: filing number and date, publicity scope, medium and date are on the record."""
    review = publicize(scheduled, to_publicizing(scheduled, org_review))
    assert review.filing is not None
    assert (review.filing.filing_no, review.filing.filed_by) == (f"备-{review.id}", office)
    assert review.publicity == rf.Publicity("本支部", rf.Medium.MEETING, HELD)
    assert review.form is not None
    assert review.form.filled_by == "liu"


def test_r_step_3_a_form_cannot_be_filed_before_it_is_filled(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-3: filing needs a filled-in form; the refusal names the form and who fills it."""
    review = to_publicizing(scheduled, org_review)
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.file(office, review.id, filing_no="1")
    assert caught.value.guard == "form_complete"
    assert [s.trigger for s in caught.value.next_steps] == ["fill_form"]
    unchanged(scheduled, office, review)


# -- R-STEP-4 ------------------------------------------------------------------------------------


def test_r_step_4_ledger_items_must_be_done(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-4: every requirement becomes a ledger item, and every item must be done."""
    review = to_rectifying(scheduled, org_review, problem="承诺滞后")
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.close("li", review.id)
    assert caught.value.guard == "ledger_done"
    review = scheduled.plan_item(
        "liu",
        review.id,
        requirement_id=review.requirements[0].id,
        measure="补开义诊",
        owner="马晓燕",
        due="10 working days",
    )
    item = review.ledger[0]
    # R-DEADLINE: from Thu 2023-12-28: 12-29 is the 1st, New Year's Day is off, 01-12 the 10th
    assert item.due == date(2024, 1, 12)
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.close("li", review.id)
    assert caught.value.guard == "ledger_done"
    assert caught.value.missing == ("finish: 补开义诊",)


def test_r_step_4_written_reply_then_closeout(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-4: with items done, the written reply and the reviewer's closeout are required."""
    review = to_rectifying(scheduled, org_review, problem="承诺滞后")
    review = scheduled.plan_item(
        "liu",
        review.id,
        requirement_id=review.requirements[0].id,
        measure="补开义诊",
        owner="马晓燕",
        due=date(2023, 12, 31),
    )
    scheduled.update_item("liu", review.id, item_id=review.ledger[0].id, status="done")
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.close("li", review.id)
    assert caught.value.guard == "reply_recorded"
    scheduled.reply("liu", review.id, text="已全部整改")
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.close("li", review.id)
    assert caught.value.guard == "closeout_confirmed"
    scheduled.confirm_closeout("li", review.id)
    assert scheduled.close("li", review.id).state is rf.ReviewState.CLOSED


def test_r_step_4_reply_before_items_are_done_is_refused(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-4: the reply comes when all items are done."""
    review = to_rectifying(scheduled, org_review, problem="承诺滞后")
    review = scheduled.plan_item(
        "liu", review.id, requirement_id=review.requirements[0].id, measure="m", owner="o",
        due=date(2023, 12, 31),
    )  # fmt: skip
    with pytest.raises(rf.GuardFailed) as caught:
        scheduled.reply("liu", review.id, text="已整改")
    assert caught.value.guard == "ledger_done"
    unchanged(scheduled, office, review)


def test_r_step_4_closeout_is_a_policy_default(office: str) -> None:
    """R-STEP-4: a deployment that does not require the closeout closes without it."""
    from reviewflow.demo import scenario_roster  # noqa: PLC0415

    service = rf.ReviewService(
        rf.MemoryStore(),
        policy=rf.Policy.from_mapping({"workflow": {"closeout_required": False}}),
        clock=lambda: __import__("datetime").datetime(2023, 12, 28, 9),
    )
    service.import_roster(office, **scenario_roster())  # type: ignore[arg-type]
    service.schedule(office, "2023-11", root_id="internal")
    review = to_rectifying(service, find(service, "zhou", "wu", "2023-11"))
    assert service.close("zhou", review.id).state is rf.ReviewState.CLOSED


def test_r_step_4_no_requirement_no_reply_needed(
    scheduled: rf.ReviewService, member_review: rf.Review
) -> None:
    """R-STEP-4 (decision): a review without requirements needs no written reply to close."""
    review = to_rectifying(scheduled, member_review)
    rectify(scheduled, review)
    assert scheduled.close("zhou", review.id).reply is None


def test_r_step_4_ledger_item_must_answer_a_requirement(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-STEP-4: a ledger item names an existing requirement; the subject plans it."""
    review = to_rectifying(scheduled, org_review, problem="承诺滞后")
    with pytest.raises(rf.InvalidInput):
        scheduled.plan_item(
            "liu", review.id, requirement_id="nope", measure="m", owner="o", due=HELD
        )
    with pytest.raises(rf.OutOfScope):
        scheduled.plan_item(
            "li", review.id, requirement_id=review.requirements[0].id, measure="m", owner="o",
            due=HELD,
        )  # fmt: skip
    unchanged(scheduled, office, review)


# -- R-AUDIT -------------------------------------------------------------------------------------


def test_r_audit_every_step_is_in_the_history(
    scheduled: rf.ReviewService, member_review: rf.Review, office: str
) -> None:
    """R-AUDIT: who, when, from which state to which, with what data and why."""
    review = to_closed(scheduled, member_review)
    history = scheduled.history(office, review.id)
    assert [e.seq for e in history] == list(range(1, review.version + 1))
    report = next(e for e in history if e.action == "report")
    assert report.actor_id == "wu"
    assert report.data["summary"] == "立足岗位，推进重点任务。"
    assert report.from_state is report.to_state is rf.ReviewState.FACT_FINDING
    assert all(e.at.tzinfo is not None for e in history)
    assert rf.replay(history) == review


def test_r_audit_history_is_hash_chained(
    scheduled: rf.ReviewService, member_review: rf.Review, office: str
) -> None:
    """R-AUDIT: each entry's digest covers its content and the previous digest."""
    to_publicizing(scheduled, member_review)
    history = scheduled.history(office, member_review.id)
    for before, after in itertools.pairwise(history):
        assert after.prev_digest == before.digest
    assert all(e.compute_digest() == e.digest for e in history)


def test_r_audit_refused_attempts_are_logged_apart(
    scheduled: rf.ReviewService, org_review: rf.Review, office: str
) -> None:
    """R-AUDIT: a failed guard, an actor out of scope and a stale version each leave an attempt,
    and nothing else changes."""
    review = scheduled.start("li", org_review.id)
    refusals = [
        (lambda: scheduled.conclude_fact_finding("li", review.id), rf.GuardFailed),
        (lambda: scheduled.conclude_fact_finding("zhao", review.id), rf.OutOfScope),
        (
            lambda: scheduled.report("liu", review.id, summary="x", expected_version=1),
            rf.ConcurrencyConflict,
        ),
    ]
    for attempt, error in refusals:
        with pytest.raises(error):
            attempt()
    unchanged(scheduled, office, review)
    logged = scheduled.attempts(office, review.id)
    assert [(a.actor_id, a.error) for a in logged] == [
        ("li", "GuardFailed"),
        ("zhao", "OutOfScope"),
        ("liu", "ConcurrencyConflict"),
    ]
    assert logged[0].details["guard"] == "has_situation_report"


def test_r_audit_only_the_office_reads_the_attempt_log(scheduled: rf.ReviewService) -> None:
    """R-AUDIT, R-SCOPE-4: the attempt log is the office's."""
    with pytest.raises(rf.OutOfScope):
        scheduled.attempts("li")


def test_r_audit_subject_actor_helper_matches_roster(
    scheduled: rf.ReviewService, org_review: rf.Review
) -> None:
    """R-SCOPE-4: for an organization review its leadership team speaks for it."""
    assert subject_actor(scheduled, org_review) in {"liu", "ma"}
