"""When reviews are due (R-CAD-1..4, R-CLASS, R-DEADLINE) and what happens when the roster moves."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_roster
from steps import find, to_publicizing, to_reviewing

CLOCK = datetime(2023, 12, 28, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def service_with(policy: rf.Policy) -> rf.ReviewService:
    service = rf.ReviewService(
        rf.MemoryStore(), policy=policy, clock=lambda: CLOCK, ids=rf.sequential_ids()
    )
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    return service


def periods_of(service: rf.ReviewService, reviewer: str, subject: str) -> list[str]:
    return sorted(
        str(r.period)
        for r in service.reviews(OFFICE)
        if (r.reviewer_id, r.subject_id) == (reviewer, subject)
    )


# -- R-CAD-1, R-CAD-2 ----------------------------------------------------------------------------


def test_r_cad_1_liaison_reviews_once_a_quarter(service: rf.ReviewService, office: str) -> None:
    """R-CAD-1: over a year, the liaison reviews the organization and its team once a quarter."""
    service.schedule(office, "2023")
    quarters = ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    assert periods_of(service, "li", "hospital") == quarters
    assert periods_of(service, "li", "liu") == quarters


def test_r_cad_2_secretary_reviews_each_member_monthly(
    service: rf.ReviewService, office: str
) -> None:
    """R-CAD-2: over a quarter, the secretary reviews each member once a month."""
    service.schedule(office, "2023-Q4")
    assert periods_of(service, "zhou", "wu") == ["2023-10", "2023-11", "2023-12"]


def test_r_cad_1_a_month_schedules_no_quarterly_reviews(
    service: rf.ReviewService, office: str
) -> None:
    """R-CAD-1: scheduling one month creates the monthly reviews only."""
    created = service.schedule(office, "2023-11").created
    assert {r.period.kind for r in created} == {rf.PeriodKind.MONTH}


# -- R-CAD-3, R-CLASS ----------------------------------------------------------------------------


def test_r_cad_3_cadence_changes_per_organization_type() -> None:
    """R-CAD-3, R-CLASS: CDC members reviewed quarterly, hospital liaison reviews yearly."""
    policy = rf.Policy.from_toml(
        '[org_types."疾控"]\nmember_cadence = "quarter"\n'
        '[org_types."医院"]\nliaison_cadence = "year"\n'
    )
    service = service_with(policy)
    service.schedule(OFFICE, "2023")
    assert periods_of(service, "he", "lv") == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    assert periods_of(service, "li", "hospital") == ["2023"]
    assert len(periods_of(service, "zhou", "wu")) == 12


def test_r_cad_3_cadence_changes_per_post_category() -> None:
    """R-CAD-3, R-CLASS: the post category's rule wins over the organization type's."""
    policy = rf.Policy.from_toml(
        '[org_types."疾控"]\nmember_cadence = "quarter"\n'
        '[post_categories."流动"]\nmember_cadence = "year"\n'
    )
    service = service_with(policy)
    service.schedule(OFFICE, "2023")
    assert periods_of(service, "he", "shi") == ["2023"]  # 流动 member of the CDC
    assert len(periods_of(service, "he", "lv")) == 4


def test_r_cad_3_waiving_needs_the_office_and_a_reason(
    service: rf.ReviewService, office: str
) -> None:
    """R-CAD-3: only the office waives, and only with a reason; it shows as waived."""
    service.schedule(office, "2023-11")
    review = find(service, "zhou", "wu", "2023-11")
    with pytest.raises(rf.OutOfScope):
        service.waive("zhou", review.id, reason="忙")
    with pytest.raises(rf.InvalidInput) as caught:
        service.waive(office, review.id, reason="  ")
    assert caught.value.field == "reason"
    assert service.review(office, review.id).state is rf.ReviewState.SCHEDULED
    waived = service.waive(office, review.id, reason="长期病休")
    assert (waived.state, waived.end_reason) == (rf.ReviewState.WAIVED, "长期病休")
    assert service.history(office, review.id)[-1].reason == "长期病休"


def test_r_cad_3_a_waived_review_is_final(service: rf.ReviewService, office: str) -> None:
    """R-CAD-3: a waived review takes no further step."""
    service.schedule(office, "2023-11")
    review = service.waive(office, find(service, "zhou", "wu", "2023-11").id, reason="病休")
    with pytest.raises(rf.TransitionNotAllowed):
        service.start("zhou", review.id)


def test_r_class_coverage_breaks_down_by_type_and_category(
    service: rf.ReviewService, office: str
) -> None:
    """R-CLASS: coverage reports break down by organization type and post category."""
    service.schedule(office, "2023-10")
    report = service.coverage(office, "2023-10")
    assert {c.name for c in report.by_org_type} == {"机关", "医院", "疾控"}
    categories = {c.name: c.expected for c in report.by_post_category}
    assert categories["医生"] == 2  # 吴红 and 冯军; the doctors 周明 and 钱伟 are heads
    assert sum(categories.values()) == report.expected


# -- R-CAD-4 -------------------------------------------------------------------------------------


def test_r_cad_4_scheduling_is_idempotent(service: rf.ReviewService, office: str) -> None:
    """R-CAD-4: a second call creates nothing."""
    first = service.schedule(office, "2023-Q4")
    second = service.schedule(office, "2023-Q4")
    assert first.created
    assert (second.created, second.existing) == ((), len(first.created))
    assert len(service.reviews(office)) == len(first.created)


def test_r_cad_4_overlapping_periods_do_not_duplicate(
    service: rf.ReviewService, office: str
) -> None:
    """R-CAD-4: scheduling a month, then its quarter, then the year, keeps one review per key."""
    for period in ("2023-11", "2023-Q4", "2023"):
        service.schedule(office, period)
    reviews = service.reviews(office)
    assert len({r.key for r in reviews}) == len(reviews)


def test_r_cad_4_the_store_refuses_a_second_review_for_a_key(
    service: rf.ReviewService, office: str
) -> None:
    """R-CAD-4: even written directly, a second review of a key is not inserted."""
    service.schedule(office, "2023-11", root_id="internal")
    review = find(service, "zhou", "wu", "2023-11")
    first = service.history(office, review.id)[0]
    twin_entry = rf.HistoryEntry.create(
        review_id="twin",
        seq=1,
        at=first.at,
        actor_id=office,
        action="schedule",
        from_state=None,
        to_state=rf.ReviewState.SCHEDULED,
        data={**first.data, "id": "twin"},
        reason="",
        prev_digest="",
    )
    twin = rf.apply_entry(None, twin_entry)
    assert twin.key == review.key
    applied = service.store.apply(rf.ChangeSet(new_reviews=((twin, twin_entry),)))
    assert applied.inserted == ()


# -- R-DEADLINE ----------------------------------------------------------------------------------


def test_r_deadline_summary_due_by_12_30(service: rf.ReviewService, office: str) -> None:
    """R-DEADLINE: the yearly summary is due to the office by 12-30."""
    assert service.summary(office, "bureau", 2023).due == date(2023, 12, 30)


def test_r_deadline_working_days_follow_chinese_holidays() -> None:
    """R-DEADLINE: 5 working days from the eve of National Day skip the Golden Week."""
    due = rf.Deadline.parse("5个工作日").due(date(2023, 9, 28), rf.ChineseWorkCalendar())
    # 9-29 to 10-6 are the Mid-Autumn/National Day holidays; 10-7 and 10-8 are shifted workdays.
    assert due == date(2023, 10, 11)


def test_r_deadline_past_the_holiday_data_says_so() -> None:
    """R-DEADLINE: a working-day deadline past the calendar data raises, naming the years."""
    with pytest.raises(rf.CalendarDataMissing) as caught:
        rf.Deadline.parse("3 working days").due(date(2031, 5, 1), rf.ChineseWorkCalendar())
    assert caught.value.year == 2031


def test_r_deadline_reminders_reach_listeners(service: rf.ReviewService, office: str) -> None:
    """R-DEADLINE: an overdue ledger item and a near order deadline are announced."""
    heard: list[rf.Event] = []
    service.subscribe(heard.append)
    order = service.issue_order(
        office,
        kind="organization",
        subject_id="cdc",
        criticism="活动流于形式",
        requirement="一周内制定整改方案",
        deadline=date(2023, 12, 29),
    )
    found = service.check_deadlines(office)
    assert [(d.kind, d.order_id) for d in found if d.kind is rf.DueKind.ORDER] == [
        (rf.DueKind.ORDER, order.id)
    ]
    assert [e for e in heard if isinstance(e, rf.DeadlineNear)] == list(found)


# -- roster changes (decisions: see docs/rules.md) -----------------------------------------------


def test_roster_move_cancels_open_reviews_from_the_move_on(
    service: rf.ReviewService, office: str
) -> None:
    """Decision (R-ROSTER-2): a move cancels the member's open reviews of the periods after
    the one it falls in; the month of the move stays with the old branch."""
    service.schedule(office, "2023-Q4")
    done = to_publicizing(service, find(service, "qian", "feng", "2023-10"))
    cancelled = service.move_member(office, "feng", to_org_id="internal", on=date(2023, 11, 15))
    assert sorted(str(r.period) for r in cancelled) == ["2023-12"]
    assert {r.end_reason for r in cancelled} == {"党员组织关系转至内科党支部"}
    assert service.review(office, done.id).state is rf.ReviewState.PUBLICIZING
    assert not find(service, "qian", "feng", "2023-11").state.final
    member = service.roster().members["feng"]
    assert (member.org_id, member.joined_on) == ("internal", None)
    assert member.former_orgs == (rf.FormerOrg("surgery", date(2023, 11, 15)),)


def test_roster_move_then_schedule_gives_the_new_head(
    service: rf.ReviewService, office: str
) -> None:
    """Decision: after a move, the new head reviews the member from the next period on."""
    service.schedule(office, "2023-Q4")
    service.move_member(office, "feng", to_org_id="internal", on=date(2023, 11, 15))
    created = service.schedule(office, "2023-Q4").created
    assert sorted((r.reviewer_id, str(r.period)) for r in created) == [("zhou", "2023-12")]
    assert service.coverage(office, "2023-Q4").missing == 0


def test_roster_a_moving_head_leaves_the_head_post_and_cancels_their_reviews(
    service: rf.ReviewService, office: str
) -> None:
    """Decision: a head who moves away gives up the post; their open reviews are cancelled."""
    service.schedule(office, "2023-12")
    cancelled = service.move_member(office, "qian", to_org_id="internal", on=date(2023, 12, 1))
    assert {r.reviewer_id for r in cancelled} == {"qian"}
    assert service.roster().head_of("surgery") is None
    report = service.coverage(office, "2023-12", root_id="surgery")
    assert [g.reason for g in report.gaps] == [rf.GapReason.NO_REVIEWER]


def test_roster_leaving_needs_a_reason_and_cancels(service: rf.ReviewService, office: str) -> None:
    """Decision: a departure is recorded with a date and reason; open reviews are cancelled."""
    service.schedule(office, "2023-12")
    with pytest.raises(rf.InvalidInput):
        service.member_leaves(office, "wu", on=date(2023, 12, 10), reason="")
    cancelled = service.member_leaves(office, "wu", on=date(2023, 12, 10), reason="组织关系转出")
    assert [(r.subject_id, r.state, r.end_reason) for r in cancelled] == [
        ("wu", rf.ReviewState.CANCELLED, "组织关系转出")
    ]
    assert service.schedule(office, "2024-01").created
    assert "wu" not in {r.subject_id for r in service.reviews(office, within="2024-01")}


def test_roster_dissolving_is_refused_while_members_remain(
    service: rf.ReviewService, office: str
) -> None:
    """Decision: an organization with members is not dissolved; the error names them."""
    with pytest.raises(rf.RosterConflict) as caught:
        service.dissolve_organization(office, "surgery", on=date(2023, 12, 1), reason="科室合并")
    assert set(caught.value.blocking) == {"qian", "feng"}
    assert service.roster().organizations["surgery"].active


def test_roster_dissolving_cancels_its_reviews(service: rf.ReviewService, office: str) -> None:
    """Decision: dissolving ends its liaisons and cancels its open reviews, with the reason."""
    service.schedule(office, "2023-Q4")
    for member in ("feng", "qian"):
        service.move_member(office, member, to_org_id="internal", on=date(2023, 12, 1))
    cancelled = service.dissolve_organization(
        office, "surgery", on=date(2023, 12, 1), reason="科室合并"
    )
    assert {(r.subject_id, r.end_reason) for r in cancelled} == {("surgery", "科室合并")}
    assert not service.roster().organizations["surgery"].active


def test_roster_import_refuses_hidden_moves(service: rf.ReviewService, office: str) -> None:
    """Decision: an import cannot move a member behind the scheduled reviews' back."""
    moved = rf.Member("feng", "冯军", "internal", "医生")
    with pytest.raises(rf.RosterConflict) as caught:
        service.import_roster(office, members=[moved])
    assert caught.value.blocking == ("feng",)
    assert service.roster().members["feng"].org_id == "surgery"


def test_roster_ending_a_liaison_cancels_its_open_reviews(
    service: rf.ReviewService, office: str
) -> None:
    """Decision: ending a liaison cancels its open reviews; the parent head covers from then."""
    service.schedule(office, "2023-Q4")
    to_reviewing(service, find(service, "zhao", "cdc", "2023-Q4"))
    cancelled = service.end_liaison(office, "zhao", "cdc", on=date(2023, 12, 1))
    assert {r.subject_id for r in cancelled} == {"cdc", "he"}
    created = service.schedule(office, "2023-Q4").created
    assert {(r.reviewer_id, r.subject_id, r.basis) for r in created} == {
        ("wang", "cdc", rf.Basis.PARENT_HEAD),
        ("wang", "he", rf.Basis.PARENT_HEAD),
    }


def test_roster_first_import_must_name_its_office(office: str) -> None:
    """Decision: the first import sets up the office; its actor must be among the staff."""
    service = rf.ReviewService(rf.MemoryStore(), clock=lambda: CLOCK)
    with pytest.raises(rf.OutOfScope):
        service.import_roster("someone", office_staff=[rf.OfficeStaff(office, "陈敏")])
    assert not service.roster().office_staff
    service.import_roster(office, office_staff=[rf.OfficeStaff(office, "陈敏")])
    with pytest.raises(rf.OutOfScope):
        service.import_roster("someone", office_staff=[rf.OfficeStaff("x", "某")])


def test_roster_a_liaison_reviewer_who_leaves_ends_the_liaison(
    service: rf.ReviewService, office: str
) -> None:
    """Decision: a committee member who leaves ends their liaison points the same day; the
    parent head covers the organization from then (R-SCOPE-3)."""
    service.schedule(office, "2023-Q4")
    cancelled = service.member_leaves(office, "zhao", on=date(2023, 12, 1), reason="调任")
    assert {r.subject_id for r in cancelled} >= {"cdc", "he"}
    assert service.roster().liaisons["zhao", "cdc"].until == date(2023, 12, 1)
    created = service.schedule(office, "2023-Q4").created
    assert {(r.reviewer_id, r.subject_id) for r in created} == {("wang", "cdc"), ("wang", "he")}


def test_r_scope_3_before_a_liaison_starts_the_parent_head_reviews(
    service: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-1, R-SCOPE-3: 李文华's liaison began 2023-01-01; in 2022 the parent head covers."""
    service.schedule(office, "2022-Q4")
    reviewers = {r.reviewer_id for r in service.reviews(office) if r.subject_id == "hospital"}
    assert reviewers == {"wang"}
    assert not service.coverage(office, "2022-Q4").gaps


def test_r_scope_1_a_liaison_who_starts_mid_quarter_reviews_that_quarter(
    service: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-1, R-CAD-1: 赵立新 becomes the liaison of 外科党支部 on 2023-11-15; the fourth
    quarter is his to review (not the parent head's, and not lost), the third is not."""
    service.assign_liaison(office, "zhao", "surgery", since=date(2023, 11, 15))
    service.schedule(office, "2023-Q4")
    service.schedule(office, "2023-Q3")

    def reviewers(period: str) -> set[str]:
        return {
            r.reviewer_id
            for r in service.reviews(office, within=period)
            if r.subject_id == "surgery" and str(r.period) == period
        }

    assert reviewers("2023-Q4") == {"zhao"}
    assert reviewers("2023-Q3") == {"liu"}
    assert not [g for g in service.coverage(office, "2023-Q4").gaps if g.subject_id == "surgery"]
