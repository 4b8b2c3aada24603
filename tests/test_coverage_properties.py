"""R-COVER, R-LEAD, R-CLASS: the fast coverage is the first implementation's, on random rosters.

``ReviewService.coverage`` works from what the store counts in the database
(``Store.coverage_facts``) and reads review by review only the planned slots without a live review
of their own. The first implementation (tests/coverage_reference.py, kept as the spec) compares
the whole plan with every review of the period; ``build_coverage`` is its faster rewrite.
On random rosters (tests/test_scheduling_properties.py), random
periods scheduled, reviews moved to random states, and the roster changed after scheduling
(moves, departures, dissolutions, liaison points assigned and ended, heads replaced, and
scheduling again), both must give the same report, equal in every field: counts, every gap in
order, each reviewer's rate, by organization type and by post category; for the whole roster
and for a random subtree, for the period scheduled and the periods around it; on the memory
store and on SQLite.
"""

from __future__ import annotations

from datetime import date
from unittest import mock

import attrs
from hypothesis import event, given
from hypothesis import strategies as st

import reviewflow as rf
from coverage_reference import reference_coverage
from reviewflow.domain.office import build_coverage
from reviewflow.service import _coverage as service_module
from test_scheduling_properties import CLOCK, OFFICE, PERIODS, Spec, rosters

S = rf.ReviewState
# Where a review may be moved to (the store takes any state: coverage reads states only).
TARGETS = st.sampled_from(list(S))
DAYS = st.dates(date(2023, 1, 15), date(2023, 12, 28))
STORES = st.sampled_from(["memory://", "sqlite://"])


def service_on(url: str, spec: Spec) -> rf.ReviewService:
    store = rf.MemoryStore() if url == "memory://" else rf.open_store(url)
    service = rf.ReviewService(store, clock=lambda: CLOCK, ids=rf.sequential_ids())
    service.import_roster(
        OFFICE,
        organizations=spec.organizations,
        members=spec.members,
        liaisons=spec.liaisons,
        office_staff=[rf.OfficeStaff(OFFICE, "陈敏")],
    )
    return service


def set_state(service: rf.ReviewService, review: rf.Review, state: rf.ReviewState) -> None:
    """Write ``review`` in ``state`` through the store, with its history entry."""
    entry = rf.HistoryEntry.create(
        review_id=review.id, seq=review.version + 1, at=CLOCK, actor_id=review.reviewer_id,
        action="start", from_state=review.state, to_state=state, data={}, reason="",
        prev_digest=review.last_digest,
    )  # fmt: skip
    service.store.apply(rf.ChangeSet(review_updates=((rf.apply_entry(review, entry), entry),)))


def change_roster(service: rf.ReviewService, data: st.DataObject) -> None:
    """One roster change after scheduling, as the office makes them (refusals are fine)."""
    roster = service.roster()
    members = sorted(m.id for m in roster.members.values() if m.active)
    orgs = sorted(o.id for o in roster.organizations.values() if o.parent_id is not None)
    if not members or not orgs:
        return
    what = data.draw(
        st.sampled_from(["move", "leave", "dissolve", "liaison", "end_liaison", "head"]),
        label="change",
    )
    on = data.draw(DAYS, label="on")
    try:
        if what == "move":
            service.move_member(
                OFFICE,
                data.draw(st.sampled_from(members), label="member"),
                to_org_id=data.draw(st.sampled_from(orgs), label="to"),
                on=on,
            )
        elif what == "leave":
            member = data.draw(st.sampled_from(members), label="member")
            service.member_leaves(OFFICE, member, on=on, reason="调离")
        elif what == "dissolve":
            org = data.draw(st.sampled_from(orgs), label="org")
            service.dissolve_organization(OFFICE, org, on=on, reason="撤销")
        elif what == "liaison":
            team = sorted(m.id for m in roster.members_of("c") if m.roles)
            if team:
                member = data.draw(st.sampled_from(team), label="liaison")
                org = data.draw(st.sampled_from(orgs), label="org")
                service.assign_liaison(OFFICE, member, org, since=date(2023, 1, 1))
        elif what == "end_liaison":
            links = sorted(k for k, a in roster.liaisons.items() if a.active)
            if links:
                member, org = data.draw(st.sampled_from(links), label="link")
                service.end_liaison(OFFICE, member, org, on=on)
        else:  # another member of the organization heads it from now on (no review cancelled)
            org = roster.organizations[data.draw(st.sampled_from(orgs), label="org")]
            here = sorted(m.id for m in roster.members_of(org.id))
            if here:
                head = data.draw(st.sampled_from(here), label="head")
                service.import_roster(OFFICE, organizations=[attrs.evolve(org, head_id=head)])
    except rf.ReviewflowError:
        pass


def reopen_some(service: rf.ReviewService, data: st.DataObject) -> None:
    """R-REOPEN: some cancelled reviews' slots opened again, each new round moved to a random
    state (cancelled again, say)."""
    gone = frozenset({S.CANCELLED})
    cancelled = list(service.store.reviews(rf.ReviewQuery(states=gone)))
    if not cancelled:
        return
    chosen = data.draw(
        st.lists(st.sampled_from(cancelled), unique_by=lambda r: r.id), label="reopened"
    )
    for review in chosen:
        again = service.reopen(OFFICE, review.id, reason="重新点评")
        set_state(service, again, data.draw(TARGETS, label="reopened state"))


def around(period: rf.Period) -> list[rf.Period]:
    """The period, the year holding it, and its first month."""
    months = (
        period.subperiods(rf.PeriodKind.MONTH) if period.kind is not rf.PeriodKind.MONTH else ()
    )
    return [period, rf.Period.of_year(period.year), *months[:1]]


def assert_same_coverage(
    service: rf.ReviewService, period: rf.Period, root: str | None, *, tell: bool = False
) -> None:
    roster = service.roster()
    got = service.coverage(OFFICE, period, root_id=root)
    plan = rf.plan_period(roster, service.policy, period, root)
    org_ids = frozenset(roster.subtree(root)) if root is not None else None
    reviews = service.store.reviews(rf.ReviewQuery(within=period, org_ids=org_ids))
    spec = reference_coverage(roster, plan, reviews, period, root)
    assert got == spec, (str(period), root)
    assert build_coverage(roster, plan, reviews, period, root) == spec, (str(period), root)
    if not tell:
        return
    keys = [s.key for s in plan.slots]
    subjects = [(s.kind, s.subject_id, s.period) for s in plan.slots]
    event(f"subjects in two slots: {len(subjects) > len(set(subjects))}")
    event(f"a slot twice: {len(keys) > len(set(keys))}")
    event(f"gap reasons: {sorted({g.reason.value for g in got.gaps})}")
    event(f"unplanned reviews: {any(r.key not in set(keys) for r in reviews)}")
    event(f"slots opened again: {any(r.reopens is not None for r in reviews)}")


@given(spec=rosters(), period=PERIODS, url=STORES, data=st.data())
def test_r_cover_r_lead_r_class_coverage_is_the_first_implementations(
    spec: Spec, period: rf.Period, url: str, data: st.DataObject
) -> None:
    """R-COVER, R-LEAD, R-CLASS: the same report as build_coverage, after scheduling, random
    states and roster changes, for the roster and a subtree, over the period and around it."""
    service = service_on(url, spec)
    if data.draw(st.booleans(), label="schedule"):
        service.schedule(OFFICE, period)
    reviews = service.store.reviews(rf.ReviewQuery())
    for review in data.draw(st.lists(st.sampled_from(reviews), unique_by=lambda r: r.id)
                            if reviews else st.just([]), label="moved"):  # fmt: skip
        set_state(service, review, data.draw(TARGETS, label="state"))
    reopen_some(service, data)
    for _ in range(data.draw(st.integers(0, 3), label="changes")):
        change_roster(service, data)
        if data.draw(st.booleans(), label="schedule again"):
            service.schedule(OFFICE, period)
    root = data.draw(
        st.none() | st.sampled_from(sorted(service.roster().organizations)), label="root"
    )
    for within in around(period):
        assert_same_coverage(service, within, None, tell=True)
        assert_same_coverage(service, within, root, tell=True)
    service.store.close()


def test_r_cover_two_liaisons_of_one_organization_share_its_subjects() -> None:
    """R-COVER, R-SCOPE-1: an organization with two liaison reviewers puts it and its team in
    two slots each; with the first liaison's review cancelled, the second's stands in for the
    first slot and its own slot counts it again, as build_coverage does: no gap, counted
    twice."""
    spec = Spec(
        organizations=(
            rf.Organization("c", "区卫生局党委", rf.OrgKind.COMMITTEE, "机关", head_id="wang"),
            rf.Organization("b", "内科党支部", rf.OrgKind.BRANCH, "医院", "c", "zhou"),
        ),
        members=(
            rf.Member("wang", "王建国", "c", "管理", roles={rf.Role.SECRETARY}),
            rf.Member("li", "李文华", "c", "管理", roles={rf.Role.DEPUTY_SECRETARY}),
            rf.Member("zhao", "赵刚", "c", "管理", roles={rf.Role.COMMITTEE_MEMBER}),
            rf.Member("zhou", "周明", "b", "医生", roles={rf.Role.SECRETARY}),
            rf.Member("wu", "吴红", "b", "护理"),
        ),
        liaisons=(
            rf.LiaisonAssignment("li", "b", date(2023, 1, 1)),
            rf.LiaisonAssignment("zhao", "b", date(2023, 1, 1)),
        ),
    )
    q4 = rf.Period.quarter(2023, 4)
    for url in ("memory://", "sqlite://"):
        service = service_on(url, spec)
        created = service.schedule(OFFICE, q4).created
        (by_li,) = (r for r in created if r.reviewer_id == "li" and r.subject_id == "b")
        (by_zhao,) = (r for r in created if r.reviewer_id == "zhao" and r.subject_id == "b")
        service.cancel(OFFICE, by_li.id, reason="误排")
        set_state(service, service.review(OFFICE, by_zhao.id), S.CLOSED)
        report = service.coverage(OFFICE, q4)
        assert_same_coverage(service, q4, None)
        assert_same_coverage(service, q4, "b")
        assert report.closed == 2  # li's review of the branch, counted for both slots
        assert not any(g.subject_id == "b" for g in report.gaps)
        service.store.close()


@given(
    spec=rosters(),
    period=PERIODS,
    url=STORES,
    data=st.data(),
    bounds=st.sampled_from([(1, 1_000_000, 0), (2, 5, 1), (1, 0, 1_000)]),
)
def test_r_cover_coverage_is_the_same_whatever_the_read_bounds(
    spec: Spec, period: rf.Period, url: str, data: st.DataObject, bounds: tuple[int, int, int]
) -> None:
    """R-COVER: coverage reads the reviews of unfilled subjects by name in bounded lists, or the
    whole scope beyond a bound, and the cancelled slots of a few organizations by name, or of
    the scope; with the bounds made tiny (every path taken on small rosters) the report is
    still the first implementation's."""
    by_name, in_chunks, orgs_by_name = bounds
    with mock.patch.multiple(
        service_module,
        _SUBJECTS_BY_NAME=by_name,
        _SUBJECTS_IN_CHUNKS=in_chunks,
        _ORGS_BY_NAME=orgs_by_name,
    ):
        test_r_cover_r_lead_r_class_coverage_is_the_first_implementations.hypothesis.inner_test(  # type: ignore[attr-defined]
            spec, period, url, data
        )


def test_r_cover_a_former_heads_reviews_stand_in_read_a_few_subjects_at_a_time() -> None:
    """R-COVER: after a branch's head changed behind the service's back (a roster written
    straight to the store, as before R-ROSTER-3 made that a service operation), the former
    head's reviews of the month stand in for the new head's slots (no gap for them). Coverage
    finds them by subject, a bounded list at a time: with one subject a list, every list must
    be read."""
    sec = {rf.Role.SECRETARY}
    spec = Spec(
        organizations=(
            rf.Organization("c", "区卫生局党委", rf.OrgKind.COMMITTEE, "机关", head_id="wang"),
            rf.Organization("b", "内科党支部", rf.OrgKind.BRANCH, "医院", "c", "zhou"),
        ),
        members=(
            rf.Member("wang", "王建国", "c", "管理", roles=sec),
            rf.Member("zhou", "周明", "b", "医生", roles=sec),
            rf.Member("wu", "吴红", "b", "医生"),
            *(rf.Member(f"m{n}", f"党员{n}", "b", "医生") for n in range(4)),
        ),
        liaisons=(),
    )
    month = rf.Period.month(2023, 11)
    for url in ("memory://", "sqlite://"):
        service = service_on(url, spec)
        service.schedule(OFFICE, month)
        branch = service.roster().organization("b")
        assert branch is not None
        service.store.apply(rf.ChangeSet(roster=(attrs.evolve(branch, head_id="wu"),)))
        with mock.patch.multiple(service_module, _SUBJECTS_BY_NAME=1):
            report = service.coverage(OFFICE, month)
            assert_same_coverage(service, month, None)
        # Only the former head, now a member with no review of the month, is a gap.
        assert [g.subject_id for g in report.gaps if g.org_id == "b"] == ["zhou"], report.gaps
        service.store.close()
