"""Who is reviewed, by whom, and who may do what (R-SUBJ, R-SCOPE-1..4, R-COVER, R-LEAD)."""

from __future__ import annotations

from datetime import date

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE
from steps import actor_for, find, to_publicizing, to_reviewing

Q4 = "2023-Q4"


@pytest.fixture
def scheduled(service: rf.ReviewService, office: str) -> rf.ReviewService:
    service.schedule(office, Q4)
    return service


def keys(service: rf.ReviewService, office: str) -> set[tuple[str, str, str, str]]:
    return {
        (r.reviewer_id, r.kind.value, r.subject_id, str(r.period))
        for r in service.reviews(office, within=Q4)
    }


# -- R-SUBJ --------------------------------------------------------------------------------------


def test_r_subj_subjects_are_organizations_and_members_never_groups(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SUBJ: subjects are organizations and members; a Party group is not an organization."""
    subjects = {(r.kind, r.subject_id) for r in scheduled.reviews(office)}
    assert (rf.ReviewKind.ORGANIZATION, "nursing-group") not in subjects
    assert {k for k, _ in subjects} == {rf.ReviewKind.ORGANIZATION, rf.ReviewKind.MEMBER}
    roster = scheduled.roster()
    for kind, subject in subjects:
        if kind is rf.ReviewKind.MEMBER:
            assert roster.member(subject) is not None
        else:
            assert roster.organizations[subject].kind is not rf.OrgKind.GROUP


def test_r_subj_group_members_are_reviewed_by_the_branch_head(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SUBJ, R-SCOPE-2: 郑芳 of the nursing group is reviewed by the internal branch's head."""
    review = find(scheduled, "zhou", "zheng", "2023-10")
    assert review.org_id == "internal"


def test_r_subj_the_reviewing_committee_and_its_head_are_not_subjects(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SUBJ: the committee itself and its secretary are reviewed from above, not here."""
    subjects = {r.subject_id for r in scheduled.reviews(office)}
    assert "bureau" not in subjects
    assert "wang" not in subjects


def test_r_subj_masses_are_never_subjects_only_participants(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SUBJ, R-PART: a masses representative is recorded as a participant, not a subject."""
    review = to_reviewing(scheduled, find(scheduled, "li", "hospital", Q4))
    review = scheduled.add_participant(
        "li", review.id, name="群众代表老周", capacity="masses_representative", opinion="好"
    )
    assert review.participants[-1].capacity is rf.ParticipantCapacity.MASSES_REPRESENTATIVE
    assert all(r.subject_id != "群众代表老周" for r in scheduled.reviews(office))


# -- R-SCOPE-1..3 --------------------------------------------------------------------------------


def test_r_scope_1_liaison_reviews_the_organization_and_its_leadership_team(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-1: 李文华 (liaison of the hospital) reviews it and its leadership team."""
    by_li = {k for k in keys(scheduled, office) if k[0] == "li"}
    assert by_li == {
        ("li", "organization", "hospital", Q4),
        ("li", "member", "liu", Q4),
        ("li", "member", "ma", Q4),
    }
    assert {r.basis for r in scheduled.reviews(office) if r.reviewer_id == "li"} == {
        rf.Basis.LIAISON
    }


def test_r_scope_2_head_reviews_own_members(scheduled: rf.ReviewService, office: str) -> None:
    """R-SCOPE-2: 周明 reviews the members of the internal branch (and its group), not others."""
    subjects = {k[2] for k in keys(scheduled, office) if k[0] == "zhou"}
    assert subjects == {"wu", "sun", "zheng"}


def test_r_scope_3_nobody_reviews_themselves(scheduled: rf.ReviewService, office: str) -> None:
    """R-SCOPE-3: no review has the reviewer as its subject."""
    assert all(r.reviewer_id != r.subject_id for r in scheduled.reviews(office))


def test_r_scope_3_head_is_covered_by_the_liaison(scheduled: rf.ReviewService, office: str) -> None:
    """R-SCOPE-3: the hospital head 刘志强 is reviewed by the liaison, not by himself."""
    reviewers = {r.reviewer_id for r in scheduled.reviews(office) if r.subject_id == "liu"}
    assert reviewers == {"li"}


def test_r_scope_3_without_liaison_the_parent_head_reviews(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-3: the internal branch has no liaison: 刘志强 (parent head) reviews it and 周明."""
    org = find(scheduled, "liu", "internal", Q4)
    head = find(scheduled, "liu", "zhou", Q4)
    assert org.basis is head.basis is rf.Basis.PARENT_HEAD


def test_r_scope_3_self_review_is_refused_even_by_hand(service: rf.ReviewService) -> None:
    """R-SCOPE-3: a head never gets a review of themselves, whatever the roster says."""
    service.schedule("office-chen", "2023-12")
    assert not [r for r in service.reviews("office-chen") if r.reviewer_id == r.subject_id]


# -- R-SCOPE-4 -----------------------------------------------------------------------------------


def test_r_scope_4_reviewer_of_another_subject_cannot_write(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-4: 赵立新 may not start 李文华's review; nothing changes but the attempt log."""
    review = find(scheduled, "li", "hospital", Q4)
    before = scheduled.history(office, review.id)
    with pytest.raises(rf.OutOfScope) as caught:
        scheduled.start("zhao", review.id)
    assert (caught.value.actor, caught.value.subject) == ("zhao", "hospital")
    assert scheduled.review(office, review.id) == review
    assert scheduled.history(office, review.id) == before
    attempt = scheduled.attempts(office, review.id)[-1]
    assert (attempt.actor_id, attempt.action, attempt.error) == ("zhao", "start", "OutOfScope")


def test_r_scope_4_reviewer_cannot_read_a_review_outside_scope(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-4: reading is scoped too: 吴红 may not read 孙丽's review."""
    review = find(scheduled, "zhou", "sun", "2023-10")
    with pytest.raises(rf.OutOfScope):
        scheduled.review("wu", review.id)
    with pytest.raises(rf.OutOfScope):
        scheduled.history("wu", review.id)
    assert scheduled.review("sun", review.id) == review
    assert all(r.subject_id == "wu" or r.reviewer_id == "wu" for r in scheduled.reviews("wu"))


def test_r_scope_4_subject_writes_only_the_subjects_parts(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-4: the reviewer may not report for the subject; the subject may not comment."""
    review = find(scheduled, "zhou", "wu", "2023-10")
    scheduled.start("zhou", review.id)
    with pytest.raises(rf.OutOfScope):
        scheduled.report("zhou", review.id, summary="代写汇报")
    scheduled.report("wu", review.id, summary="本月工作汇报", reported_on=date(2023, 10, 20))
    scheduled.conclude_fact_finding("zhou", review.id)
    with pytest.raises(rf.OutOfScope):
        scheduled.comment("wu", review.id, aspect="mem_commitments", achievements="自评")


def test_r_scope_4_only_the_office_files(scheduled: rf.ReviewService, office: str) -> None:
    """R-SCOPE-4: the office files; the reviewer cannot."""
    review = to_publicizing(scheduled, find(scheduled, "li", "hospital", Q4))
    filler = actor_for(scheduled, review, rf.Party.FORM_FILLER)
    scheduled.fill_form(filler, review.id)
    with pytest.raises(rf.OutOfScope):
        scheduled.file("li", review.id, filing_no="X-1")
    assert scheduled.file(office, review.id, filing_no="X-1").filing is not None


def test_r_scope_4_the_form_is_filled_by_the_head_of_the_subjects_organization(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-4, R-STEP-3 (decision): the form filler is the head of the review's organization,
    or the parent head when that head is the subject (党支部书记的点评表由党总支书记填写)."""
    roster = scheduled.roster()
    org_review = find(scheduled, "li", "hospital", Q4)
    head_review = find(scheduled, "liu", "zhou", Q4)  # 周明 heads the internal branch
    member_review = find(scheduled, "zhou", "wu", "2023-10")
    assert rf.Party.FORM_FILLER in scheduled.parties(roster, "liu", org_review)
    assert rf.Party.FORM_FILLER in scheduled.parties(roster, "liu", head_review)
    assert rf.Party.FORM_FILLER not in scheduled.parties(roster, "zhou", head_review)
    assert rf.Party.FORM_FILLER in scheduled.parties(roster, "zhou", member_review)


def test_r_scope_4_unknown_actor_is_out_of_scope(scheduled: rf.ReviewService, office: str) -> None:
    """R-SCOPE-4: someone not on the roster may do nothing."""
    review = find(scheduled, "li", "hospital", Q4)
    with pytest.raises(rf.OutOfScope):
        scheduled.start("stranger", review.id)
    with pytest.raises(rf.OutOfScope):
        scheduled.schedule("stranger", Q4)
    with pytest.raises(rf.OutOfScope):
        scheduled.coverage("stranger", Q4)


def test_r_scope_4_only_office_or_head_schedules_and_reads_coverage(
    service: rf.ReviewService, office: str
) -> None:
    """R-SCOPE-4: a head schedules and reads their own subtree, not the whole roster."""
    created = service.schedule("zhou", "2023-10", root_id="internal").created
    assert {r.org_id for r in created} == {"internal"}
    with pytest.raises(rf.OutOfScope):
        service.schedule("zhou", "2023-10")
    with pytest.raises(rf.OutOfScope):
        service.coverage("zhou", "2023-10", root_id="cdc")
    assert service.coverage("zhou", "2023-10", root_id="internal").expected == 3


# -- R-COVER and R-LEAD --------------------------------------------------------------------------


def test_r_cover_every_gap_is_named(service: rf.ReviewService, office: str) -> None:
    """R-COVER: a subject without a review in the period is listed by name, with its reviewer."""
    service.schedule(office, "2023-10", root_id="internal")
    report = service.coverage(office, "2023-10", root_id="hospital")
    names = {(g.subject_name, g.reviewer_name, g.reason) for g in report.gaps}
    assert ("马晓燕", "刘志强", rf.GapReason.NOT_SCHEDULED) in names
    assert ("冯军", "钱伟", rf.GapReason.NOT_SCHEDULED) in names
    assert report.missing == len(report.gaps)
    assert report.expected == report.missing + report.in_progress


def test_r_cover_coverage_can_schedule_the_missing(service: rf.ReviewService, office: str) -> None:
    """R-COVER: scheduling again fills every gap the report named."""
    service.schedule(office, "2023-10", root_id="internal")
    assert service.coverage(office, "2023-10").missing > 0
    service.schedule(office, "2023-10")
    report = service.coverage(office, "2023-10")
    assert (report.missing, report.gaps) == (0, ())


def test_r_cover_an_organization_without_head_is_a_gap_not_silence(
    service: rf.ReviewService, office: str
) -> None:
    """R-COVER: members of an organization with no head show as NO_REVIEWER gaps."""
    service.import_roster(
        office,
        organizations=[rf.Organization("lab", "检验科党支部", "branch", "医院", "hospital")],
        members=[rf.Member("gao", "高远", "lab", "医技")],
    )
    report = service.coverage(office, "2023-10", root_id="lab")
    assert [(g.subject_name, g.reason) for g in report.gaps] == [("高远", rf.GapReason.NO_REVIEWER)]


def test_r_cover_a_waived_review_is_never_covered(service: rf.ReviewService, office: str) -> None:
    """R-COVER, R-CAD-3: waived reviews are shown apart and do not raise the rate."""
    service.schedule(office, "2023-10", root_id="internal")
    review = find(service, "zhou", "wu", "2023-10")
    service.waive(office, review.id, reason="病休")
    report = service.coverage(office, "2023-10", root_id="internal")
    assert (report.expected, report.waived, report.reviewed) == (3, 1, 0)
    assert report.rate == 0.0


def test_r_lead_each_reviewer_has_their_own_rate(service: rf.ReviewService, office: str) -> None:
    """R-LEAD: the report shows each reviewer's own completion rate."""
    service.schedule(office, "2023-10", root_id="internal")
    to_publicizing(service, find(service, "zhou", "wu", "2023-10"))
    report = service.coverage(office, "2023-10", root_id="internal")
    (zhou,) = report.reviewers
    assert (zhou.reviewer_name, zhou.expected, zhou.reviewed) == ("周明", 3, 1)
    assert zhou.rate == pytest.approx(1 / 3)


def test_r_scope_4_the_office_fills_the_form_when_nobody_else_can(
    scheduled: rf.ReviewService, office: str
) -> None:
    """R-STEP-3 (decision): without a head, the parent head fills the form; without either, the
    office does."""
    review = to_publicizing(scheduled, find(scheduled, "li", "hospital", Q4))
    scheduled.member_leaves(office, "liu", on=date(2023, 12, 1), reason="调离")
    assert actor_for(scheduled, review, rf.Party.FORM_FILLER) == "wang"
    scheduled.member_leaves(office, "wang", on=date(2023, 12, 1), reason="退休")
    assert actor_for(scheduled, review, rf.Party.FORM_FILLER) == office
    assert scheduled.fill_form(office, review.id).form is not None


def test_r_cover_r_lead_a_waived_review_is_not_due_in_either_rate(
    any_service: rf.ReviewService,
) -> None:
    """R-COVER, R-LEAD, R-CAD-3: of 周明's three October reviews one is waived and one reviewed:
    both the coverage rate and his own are 1 of 2, not 1 of 3 (issue #14: counting the waived
    review as due survived the suite), on every store."""
    service = any_service
    service.schedule(OFFICE, "2023-10", root_id="internal")
    service.waive(OFFICE, find(service, "zhou", "wu", "2023-10").id, reason="病休")
    to_publicizing(service, find(service, "zhou", "sun", "2023-10"))
    service.forget_coverage()
    for report in (
        service.coverage(OFFICE, "2023-10", root_id="internal"),
        service.coverage(OFFICE, "2023-10"),
    ):
        (zhou,) = [r for r in report.reviewers if r.reviewer_id == "zhou"]
        assert (zhou.expected, zhou.waived, zhou.reviewed) == (3, 1, 1)
        assert zhou.rate == pytest.approx(1 / 2)
    internal = service.coverage(OFFICE, "2023-10", root_id="internal")
    assert (internal.expected, internal.waived, internal.reviewed) == (3, 1, 1)
    assert internal.rate == pytest.approx(1 / 2)


def test_r_scope_3_a_deputy_secretary_is_never_the_liaison_of_their_own_committee(
    any_service: rf.ReviewService,
) -> None:
    """R-SCOPE-3: 高明, deputy secretary of 区中医院党委 (a 基层党委), cannot be made its liaison:
    he would review the committee and its leadership team, himself among them. Refused naming
    him and the committee, nothing written; the organization above reviews it (王建国)."""
    service = any_service
    committee = rf.Organization("tcm", "区中医院党委", rf.OrgKind.COMMITTEE, "医院", "bureau", "xu")
    service.import_roster(
        OFFICE,
        organizations=[committee],
        members=[
            rf.Member("xu", "许华", "tcm", "管理", roles={rf.Role.SECRETARY}),
            rf.Member("gao", "高明", "tcm", "管理", roles={rf.Role.DEPUTY_SECRETARY}),
            rf.Member("tan", "谭静", "tcm", "医生"),
        ],
    )
    before = service.roster()
    for attempt in (
        lambda: service.assign_liaison(OFFICE, "gao", "tcm", since=date(2023, 1, 1)),
        lambda: service.import_roster(
            OFFICE, liaisons=[rf.LiaisonAssignment("gao", "tcm", date(2023, 1, 1))]
        ),
    ):
        with pytest.raises(rf.RosterConflict) as caught:
            attempt()
        assert set(caught.value.blocking) == {"gao", "tcm"}
        assert "R-SCOPE-3" in str(caught.value)
        assert service.roster().liaisons == before.liaisons
    # Such an assignment written before this rule (behind the service) does not count.
    legacy = rf.LiaisonAssignment("gao", "tcm", date(2023, 1, 1))
    service.store.apply(rf.ChangeSet(roster=(legacy,)))
    service.schedule(OFFICE, "2023-Q4")
    reviews = service.reviews(OFFICE, within="2023-Q4")
    assert not [r for r in reviews if r.reviewer_id == r.subject_id]
    (of_committee,) = [r for r in reviews if r.subject_id == "tcm"]
    assert (of_committee.reviewer_id, of_committee.basis) == ("wang", rf.Basis.PARENT_HEAD)
    assert not [r for r in reviews if r.reviewer_id == "gao" and r.subject_id in ("tcm", "xu")]
