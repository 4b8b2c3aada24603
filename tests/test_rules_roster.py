"""R-ROSTER-1..3 (issue #14, seen 3): an effective-dated roster, a change of head, and imports
that go through the office's operations.

The issue's situation on every store: 周明 (zhou), secretary of 内科党支部 (internal), is replaced
by 吴红 (wu) on 15 November 2023, after the office scheduled 2023-Q4. October stays with 周明;
November and December pass to 吴红; 周明, a plain member from then on, is reviewed by 吴红 and
never holds 吴红's review; coverage of the quarter stays whole.
"""

from __future__ import annotations

from datetime import date

import attrs
import pytest

import reviewflow as rf
from reviewflow.scenario import OFFICE, QUARTER
from steps import find, to_closed

ON = date(2023, 11, 15)
MONTHS = ("2023-10", "2023-11", "2023-12")


def _of(service: rf.ReviewService, subject: str, period: str) -> list[rf.Review]:
    return [
        r
        for r in service.reviews(OFFICE, within=period)
        if r.subject_id == subject and str(r.period) == period
    ]


def _live(service: rf.ReviewService, subject: str, period: str) -> list[rf.Review]:
    return [r for r in _of(service, subject, period) if not r.state.final]


def test_r_roster_2_a_new_secretary_takes_the_open_reviews_from_the_day_of_the_change(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.schedule(OFFICE, QUARTER)
    before = {(r.reviewer_id, r.subject_id, str(r.period)): r for r in service.reviews(OFFICE)}
    heard: list[rf.Event] = []
    service.subscribe(heard.append)

    done = service.change_head(OFFICE, "internal", "wu", on=ON)

    # Every review the change made is announced once, with the period it belongs to.
    announced = [
        (str(e.period), r.id)
        for e in heard
        if isinstance(e, rf.ReviewsScheduled)
        for r in e.created
    ]
    assert sorted(announced) == sorted((str(r.period), r.id) for r in done.created)

    # October stays with the former secretary, as it stood.
    for subject in ("wu", "sun", "zheng"):
        october = find(service, "zhou", subject, "2023-10")
        assert october.reviewer_id == "zhou"
        assert october.version == before["zhou", subject, "2023-10"].version
    # November and December of the other members pass to the new one, with a history entry.
    for month in MONTHS[1:]:
        for subject in ("sun", "zheng"):
            moved = before["zhou", subject, month]
            now = service.review(OFFICE, moved.id)
            assert now.reviewer_id == "wu"
            assert now.state is moved.state
            last = service.store.history(moved.id)[-1]
            assert (last.action, last.actor_id, last.reason) == ("reassign", OFFICE, "书记调整")
            assert last.data == {"from": "zhou", "to": "wu"}
    assert sorted((r.subject_id, str(r.period)) for r in done.reassigned) == [
        ("sun", "2023-11"), ("sun", "2023-12"), ("zheng", "2023-11"), ("zheng", "2023-12"),
    ]  # fmt: skip
    # The former secretary never holds the new secretary's review: none is called for any more.
    for month in MONTHS[1:]:
        assert [r.reviewer_id for r in _live(service, "wu", month)] == []
        # ... and the former secretary, now a member, is reviewed by the new one.
        assert [r.reviewer_id for r in _live(service, "zhou", month)] == ["wu"]
    # The quarter's review of the branch's head (by the general branch's head, R-SCOPE-3)
    # follows the head in office on the quarter's last day.
    assert [r.reviewer_id for r in _live(service, "wu", "2023-Q4")] == ["liu"]
    assert _live(service, "zhou", "2023-Q4") == []
    assert {(r.reviewer_id, r.subject_id, str(r.period)) for r in done.created} == {
        ("wu", "zhou", "2023-11"), ("wu", "zhou", "2023-12"), ("liu", "wu", "2023-Q4"),
    }  # fmt: skip
    assert {(r.reviewer_id, r.subject_id, str(r.period)) for r in done.cancelled} == {
        ("zhou", "wu", "2023-11"), ("zhou", "wu", "2023-12"), ("liu", "zhou", "2023-Q4"),
    }  # fmt: skip
    assert all(r.state is rf.ReviewState.CANCELLED for r in done.cancelled)
    # The roster remembers the term.
    org = service.roster().organizations["internal"]
    assert (org.head_id, org.head_since) == ("wu", ON)
    assert org.former_heads == (rf.HeadTerm("zhou", None, ON),)
    assert rf.Role.SECRETARY not in service.roster().members["zhou"].roles
    assert service.verify(OFFICE) == ()


def test_r_roster_2_the_former_reviewer_loses_scope_at_once(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.schedule(OFFICE, QUARTER)
    november = find(service, "zhou", "sun", "2023-11")
    service.change_head(OFFICE, "internal", "wu", on=ON)
    with pytest.raises(rf.OutOfScope):
        service.start("zhou", november.id)
    assert service.review(OFFICE, november.id).state is rf.ReviewState.SCHEDULED
    assert service.start("wu", november.id).state is rf.ReviewState.FACT_FINDING
    # The former secretary still takes October's review, which is his.
    october = find(service, "zhou", "sun", "2023-10")
    assert service.start("zhou", october.id).state is rf.ReviewState.FACT_FINDING


def test_r_roster_2_after_the_change_the_quarter_is_whole_and_can_be_closed(
    any_service: rf.ReviewService,
) -> None:
    """The issue's scenario carried through: scheduling again creates nothing (no October
    review of the former secretary by the new one), every slot of the branch has its live
    review, and a reassigned review goes to ``closed`` with its new reviewer."""
    service = any_service
    service.schedule(OFFICE, QUARTER)
    service.change_head(OFFICE, "internal", "wu", on=ON)
    again = service.schedule(OFFICE, QUARTER)
    assert [(r.reviewer_id, r.subject_id, str(r.period)) for r in again.created] == []
    assert _of(service, "zhou", "2023-10") == []  # nobody reviewed the secretary monthly then

    coverage = service.coverage(OFFICE, QUARTER, root_id="internal")
    assert [g for g in coverage.gaps if g.reason is not rf.GapReason.NO_REVIEWER] == []
    assert coverage.missing == 0

    closed = to_closed(service, find(service, "wu", "sun", "2023-12"))
    assert (closed.state, closed.reviewer_id) == (rf.ReviewState.CLOSED, "wu")


def test_r_roster_2_a_change_of_head_is_refused_cleanly(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.schedule(OFFICE, QUARTER)
    before = [(r.id, r.reviewer_id, r.version) for r in service.reviews(OFFICE)]
    roster = service.roster()
    with pytest.raises(rf.OutOfScope):
        service.change_head("liu", "internal", "wu", on=ON)
    with pytest.raises(rf.RosterConflict, match="move_member"):
        service.change_head(OFFICE, "internal", "qian", on=ON)  # 钱伟 is in surgery
    with pytest.raises(rf.RosterConflict, match="already"):
        service.change_head(OFFICE, "internal", "zhou", on=ON)
    with pytest.raises(rf.NotFound):
        service.change_head(OFFICE, "nowhere", "wu", on=ON)
    with pytest.raises(rf.InvalidInput) as empty:
        service.change_head(OFFICE, "internal", "wu", on=ON, reason=" ")
    assert empty.value.field == "reason"
    service.change_head(OFFICE, "internal", "wu", on=ON)
    with pytest.raises(rf.InvalidInput) as earlier:
        service.change_head(OFFICE, "internal", "sun", on=date(2023, 11, 1))
    assert earlier.value.field == "on"
    refused = [a.action for a in service.store.attempts()]
    assert refused.count("change_head") == 6
    assert roster.organizations["surgery"] == service.roster().organizations["surgery"]
    unchanged = {(i, rv, v) for i, rv, v in before}
    after = {(r.id, r.reviewer_id, r.version) for r in service.reviews(OFFICE)}
    assert len(unchanged - after) == 7  # only the change that was allowed: 4 handed over, 3 ended


def test_r_roster_1_past_periods_are_planned_from_the_roster_as_it_stood(
    any_service: rf.ReviewService,
) -> None:
    """After the change, October is still 周明's month: planning it again gives him its
    reviews, and the new secretary none."""
    service = any_service
    service.change_head(OFFICE, "internal", "wu", on=ON)
    plan = rf.plan_period(service.roster(), service.policy, rf.Period.parse("2023-10"))
    october = {(s.reviewer_id, s.subject_id) for s in plan.slots if s.org_id == "internal"}
    assert october == {("zhou", "wu"), ("zhou", "sun"), ("zhou", "zheng")}
    december = rf.plan_period(service.roster(), service.policy, rf.Period.parse("2023-12"))
    assert {(s.reviewer_id, s.subject_id) for s in december.slots if s.org_id == "internal"} == {
        ("wu", "zhou"), ("wu", "sun"), ("wu", "zheng"),
    }  # fmt: skip


def test_r_roster_1_an_organization_founded_in_november_has_no_october_reviews(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.import_roster(
        OFFICE,
        organizations=[
            rf.Organization(
                "rehab", "康复科党支部", rf.OrgKind.BRANCH, "医院", "hospital", "gao",
                founded_on=date(2023, 11, 20),
            )
        ],
        members=[
            rf.Member("gao", "高原", "rehab", "医生", roles={rf.Role.SECRETARY}),
            rf.Member("tang", "唐宁", "rehab", "护理"),
        ],
    )  # fmt: skip
    created = service.schedule(OFFICE, QUARTER).created
    rehab = sorted(
        (r.reviewer_id, r.subject_id, str(r.period)) for r in created if r.org_id == "rehab"
    )
    assert rehab == [
        ("gao", "tang", "2023-11"), ("gao", "tang", "2023-12"),
        ("liu", "gao", "2023-Q4"), ("liu", "rehab", "2023-Q4"),
    ]  # fmt: skip


def test_r_roster_1_a_member_who_joined_in_december_is_reviewed_from_december(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.import_roster(
        OFFICE, members=[rf.Member("lin", "林涛", "surgery", "护理", joined_on=date(2023, 12, 1))]
    )
    created = service.schedule(OFFICE, QUARTER).created
    assert sorted(str(r.period) for r in created if r.subject_id == "lin") == ["2023-12"]


def test_r_roster_2_a_moved_member_is_reviewed_in_the_new_organization_from_the_next_period(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.schedule(OFFICE, QUARTER)
    november = find(service, "qian", "feng", "2023-11")
    december = find(service, "qian", "feng", "2023-12")
    cancelled = service.move_member(OFFICE, "feng", to_org_id="internal", on=ON)
    # November, the month of the move, stays with the old branch; December is the new one's.
    assert [r.id for r in cancelled] == [december.id]
    assert service.review(OFFICE, november.id).state is rf.ReviewState.SCHEDULED
    member = service.roster().members["feng"]
    assert (member.org_id, member.former_orgs) == ("internal", (rf.FormerOrg("surgery", ON),))
    again = service.schedule(OFFICE, QUARTER).created
    assert [(r.reviewer_id, r.org_id, str(r.period)) for r in again] == [
        ("zhou", "internal", "2023-12")
    ]
    coverage = service.coverage(OFFICE, QUARTER, root_id="hospital")
    assert [g.subject_id for g in coverage.gaps] == []


def test_r_roster_3_an_import_never_changes_a_head_silently(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    service.schedule(OFFICE, QUARTER)
    roster = service.roster()
    internal = roster.organizations["internal"]
    with pytest.raises(rf.RosterConflict, match="change_head"):
        service.import_roster(OFFICE, organizations=[attrs.evolve(internal, head_id="wu")])
    assert service.roster().organizations["internal"].head_id == "zhou"
    assert "import_roster" in [a.action for a in service.store.attempts()]


def test_r_roster_3_an_import_with_its_date_applies_the_changes_as_operations(
    any_service: rf.ReviewService,
) -> None:
    """The issue's 书记调整 through ``import_roster``: with the file's effective date the new
    head, the transfer and the departure are the office's operations, with their effects on
    the scheduled reviews and their history; imported again, the file changes nothing."""
    service = any_service
    service.schedule(OFFICE, QUARTER)
    roster = service.roster()
    internal = attrs.evolve(roster.organizations["internal"], head_id="wu")
    feng = attrs.evolve(roster.members["feng"], org_id="internal")
    lv = attrs.evolve(roster.members["lv"], left_on=date(2023, 11, 20), left_reason="转出")
    ren = rf.Member("ren", "任杰", "organ", "管理")
    december = find(service, "zhou", "sun", "2023-12")

    after = service.import_roster(
        OFFICE, organizations=[internal], members=[feng, lv, ren], effective_on=ON
    )

    assert (
        after.organizations["internal"].head_id,
        after.organizations["internal"].head_since,
    ) == (
        "wu",
        ON,
    )
    assert after.members["feng"].former_orgs == (rf.FormerOrg("surgery", ON),)
    assert after.members["lv"].left_on == date(2023, 11, 20)
    assert "ren" in after.members
    handed = service.store.history(december.id)[-1]
    assert (handed.action, handed.data, handed.reason) == (
        "reassign",
        {"from": "zhou", "to": "wu"},
        "书记调整（名册导入）",
    )
    lv_december = _of(service, "lv", "2023-12")
    assert [(r.state, r.end_reason) for r in lv_december] == [(rf.ReviewState.CANCELLED, "转出")]
    versions = {r.id: r.version for r in service.reviews(OFFICE)}
    again = service.import_roster(
        OFFICE, organizations=[internal], members=[feng, lv, ren], effective_on=ON
    )
    assert again == service.roster()
    assert {r.id: r.version for r in service.reviews(OFFICE)} == versions


def test_r_roster_3_without_a_date_the_error_names_every_operation(
    any_service: rf.ReviewService,
) -> None:
    service = any_service
    roster = service.roster()
    internal = attrs.evolve(roster.organizations["internal"], head_id="wu")
    feng = attrs.evolve(roster.members["feng"], org_id="internal")
    with pytest.raises(rf.RosterConflict) as caught:
        service.import_roster(OFFICE, organizations=[internal], members=[feng])
    message = str(caught.value)
    assert "move_member(feng -> internal)" in message
    assert "change_head(internal -> wu)" in message
    assert "effective_on" in message
    assert set(caught.value.blocking) == {"feng", "internal"}
    assert service.roster() == roster


def test_r_roster_2_a_new_liaison_reviewer_takes_the_quarter_from_the_day_of_the_change(
    any_service: rf.ReviewService,
) -> None:
    """赵立新 (zhao) hands the CDC branch to 王建国's deputy 李文华 (li) on 15 November: the
    quarter's review of the branch and of its secretary pass to 李文华, with a history entry;
    赵立新 loses them at once; an unknown assignment or an empty reason is refused."""
    service = any_service
    service.schedule(OFFICE, QUARTER)
    branch = find(service, "zhao", "cdc", "2023-Q4")
    secretary = find(service, "zhao", "he", "2023-Q4")
    with pytest.raises(rf.NotFound):
        service.change_liaison(OFFICE, "cdc", from_id="li", to_id="zhao", on=ON)
    with pytest.raises(rf.InvalidInput):
        service.change_liaison(OFFICE, "cdc", from_id="zhao", to_id="li", on=ON, reason="")
    with pytest.raises(rf.OutOfScope):
        service.change_liaison("he", "cdc", from_id="zhao", to_id="li", on=ON)
    assert service.review(OFFICE, branch.id).reviewer_id == "zhao"

    done = service.change_liaison(OFFICE, "cdc", from_id="zhao", to_id="li", on=ON)

    assert sorted(r.id for r in done.reassigned) == sorted([branch.id, secretary.id])
    assert (done.cancelled, done.created) == ((), ())
    for review in (branch, secretary):
        now = service.review(OFFICE, review.id)
        assert (now.reviewer_id, now.basis) == ("li", rf.Basis.LIAISON)
        last = service.store.history(review.id)[-1]
        assert (last.action, last.data, last.reason) == (
            "reassign", {"from": "zhao", "to": "li"}, "联系点调整",
        )  # fmt: skip
    with pytest.raises(rf.OutOfScope):
        service.start("zhao", branch.id)
    service.start("li", branch.id)
    links = service.roster().liaisons
    assert (links["zhao", "cdc"].until, links["li", "cdc"].since) == (ON, ON)
    assert service.schedule(OFFICE, QUARTER).created == ()
    assert service.coverage(OFFICE, QUARTER, root_id="cdc").missing == 0
    assert service.verify(OFFICE) == ()


def test_r_roster_2_reviews_a_change_makes_are_announced_in_their_own_periods(
    any_service: rf.ReviewService,
) -> None:
    """With the branch's November and December reviews waived, only the quarter's review of
    周明 is open when the head changes; the change still makes 吴红's monthly reviews of 周明,
    and each is announced with its month (not only the periods of the open reviews)."""
    service = any_service
    service.schedule(OFFICE, QUARTER)
    for month in MONTHS[1:]:
        for subject in ("wu", "sun", "zheng"):
            service.waive(OFFICE, find(service, "zhou", subject, month).id, reason="外出学习")
    heard: list[rf.Event] = []
    service.subscribe(heard.append)
    done = service.change_head(OFFICE, "internal", "wu", on=ON)
    assert {(r.reviewer_id, r.subject_id, str(r.period)) for r in done.created} >= {
        ("wu", "zhou", "2023-11"), ("wu", "zhou", "2023-12"),
    }  # fmt: skip
    announced = sorted(
        (str(e.period), r.id)
        for e in heard
        if isinstance(e, rf.ReviewsScheduled)
        for r in e.created
    )
    assert announced == sorted((str(r.period), r.id) for r in done.created)
