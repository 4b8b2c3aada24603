"""R-CAD-4, R-COVER, R-SCOPE-1..3, R-CAD-1..2, R-SUBJ: scheduling on random rosters.

Rosters are random trees under one Party committee (a head, 0-3 leadership-team members): general
branches and branches, branches under general branches, Party groups under branches, members with
post categories and leadership roles, liaison points of committee leadership-team members, and
organizations without a head. Periods are random months, quarters or the year 2023.

What is scheduled is compared with an oracle written here from RULES.md, not with ``plan_period``;
the oracle's comments say where it follows a decision of ``planning.py`` on something the rules
leave open.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

import reviewflow as rf

OFFICE = "office-chen"
CLOCK = datetime(2023, 12, 28, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
COMMITTEE = "c"

POSTS = ("管理", "医生", "护理", "医技", "后勤", "离退休", "流动")
ORG_TYPES = ("机关", "医院", "疾控", "卫生监督", "社区卫生服务中心")
TEAM_ROLES = st.sets(
    st.sampled_from([rf.Role.DEPUTY_SECRETARY, rf.Role.COMMITTEE_MEMBER]), min_size=1
)
# Strategies built once: building them inside the roster strategy, per draw, costs more than the
# scheduling under test.
MAYBE_DAY = st.none() | st.dates(date(2023, 1, 1), date(2023, 12, 31))
POST = st.sampled_from(POSTS)
ORG_TYPE = st.sampled_from(ORG_TYPES)
STATUS = st.sampled_from(rf.MemberStatus)
UNIT_KIND = st.sampled_from([rf.OrgKind.GENERAL_BRANCH, rf.OrgKind.BRANCH])
COIN = st.booleans()
UP_TO_2 = st.integers(0, 2)
UP_TO_3 = st.integers(0, 3)
ONE_IN_5 = st.integers(0, 4)

Org, Mem = rf.OrgKind, rf.ReviewKind.MEMBER
ORG_REVIEW = rf.ReviewKind.ORGANIZATION

# (reviewer, kind, subject, period, basis, org_id): a scheduled review as the oracle sees it.
Planned = tuple[str, rf.ReviewKind, str, rf.Period, rf.Basis, str]
# (kind, subject, period, org_id, reason): a subject the rules call for, without a reviewer.
Gap = tuple[rf.ReviewKind, str, rf.Period, str, rf.GapReason]


@dataclasses.dataclass(frozen=True)
class Spec:
    """A generated roster: its records, as imported."""

    organizations: tuple[rf.Organization, ...]
    members: tuple[rf.Member, ...]
    liaisons: tuple[rf.LiaisonAssignment, ...]

    def org(self, org_id: str) -> rf.Organization:
        return next(o for o in self.organizations if o.id == org_id)


@st.composite
def rosters(draw: st.DrawFn) -> Spec:
    """A committee, its leadership team, 1-4 organizations below, branches, groups, members."""
    orgs: list[rf.Organization] = []
    members: list[rf.Member] = []
    counter = iter(range(10_000))

    def member(org_id: str, *, roles: Iterable[rf.Role] = (), may_leave: bool = True) -> str:
        mid = f"m{next(counter)}"
        members.append(
            rf.Member(
                mid,
                f"党员{mid}",
                org_id,
                draw(POST),
                draw(STATUS),
                frozenset(roles),
                # Some left during the year: no longer on the roster's active members.
                left_on=draw(MAYBE_DAY) if may_leave and draw(COIN) else None,
                joined_on=draw(MAYBE_DAY),
            )
        )
        return mid

    def organization(
        org_id: str,
        kind: rf.OrgKind,
        parent: str | None,
        *,
        with_head: bool,
        team: st.SearchStrategy[int] = UP_TO_2,
    ) -> None:
        """The organization, its head (named by head_id, or found by the secretary role), its
        other leadership-team members and plain members."""
        org_type = draw(ORG_TYPE)
        head_id = None
        if with_head:
            by_role = draw(COIN)
            # A head named by head_id may hold no role: the head is on the team all the same.
            roles = {rf.Role.SECRETARY} if by_role or draw(COIN) else set()
            head = member(org_id, roles=roles, may_leave=False)
            head_id = None if by_role else head
        for _ in range(draw(team)):
            member(org_id, roles=draw(TEAM_ROLES))
        for _ in range(draw(UP_TO_2)):
            member(org_id)
        orgs.append(rf.Organization(org_id, f"组织{org_id}", kind, org_type, parent, head_id))

    # The committee always has a head, and 0-3 more leadership-team members with roles.
    organization(COMMITTEE, Org.COMMITTEE, None, with_head=True, team=UP_TO_3)
    committee_team = [m.id for m in members if m.roles and m.left_on is None]
    for i in range(draw(st.integers(1, 4))):
        unit = f"u{i}"
        kind = draw(UNIT_KIND)
        organization(unit, kind, COMMITTEE, with_head=draw(COIN))
        branches = [unit] if kind is Org.BRANCH else []
        if kind is Org.GENERAL_BRANCH:
            for j in range(draw(UP_TO_2)):
                branch = f"{unit}b{j}"
                organization(branch, Org.BRANCH, unit, with_head=draw(COIN))
                branches.append(branch)
        for branch in branches:
            for k in range(draw(UP_TO_2)):
                group = f"{branch}g{k}"
                orgs.append(rf.Organization(group, f"党小组{group}", Org.GROUP, "", branch))
                for _ in range(draw(UP_TO_2)):
                    member(group)
    # Liaison points: committee leadership-team members who are still active (a departed
    # liaison reviewer is another case, see test_r_scope_3_departed_liaison_...).
    targets = [o.id for o in orgs if o.kind in (Org.GENERAL_BRANCH, Org.BRANCH)]
    liaisons: list[rf.LiaisonAssignment] = []
    if committee_team:
        liaison_choice = st.lists(st.sampled_from(committee_team), max_size=2, unique=True)
        for org_id in targets:
            chosen = draw(liaison_choice)
            liaisons.extend(
                rf.LiaisonAssignment(
                    cm,
                    org_id,
                    date(2022, 1, 1),
                    # Now and then an ended assignment: it no longer makes a liaison point.
                    until=date(2022, 12, 31) if draw(ONE_IN_5) == 0 else None,
                )
                for cm in chosen
            )
    return Spec(tuple(orgs), tuple(members), tuple(liaisons))


# The kind first, then which one: quarters (they hold the liaison and parent-head reviews) as often
# as months, the year (12 monthly reviews per member: the slow case) one time in five.
PERIOD_KIND = st.sampled_from(
    [*(rf.PeriodKind.QUARTER, rf.PeriodKind.MONTH) * 2, rf.PeriodKind.YEAR]
)
MONTH_INDEX = st.integers(1, 12)
QUARTER_INDEX = st.integers(1, 4)


@st.composite
def periods(draw: st.DrawFn) -> rf.Period:
    """A month, a quarter or the year, of 2023."""
    kind = draw(PERIOD_KIND)
    if kind is rf.PeriodKind.YEAR:
        return rf.Period.of_year(2023)
    if kind is rf.PeriodKind.QUARTER:
        return rf.Period.quarter(2023, draw(QUARTER_INDEX))
    return rf.Period.month(2023, draw(MONTH_INDEX))


PERIODS = periods()


def service_for(spec: Spec) -> rf.ReviewService:
    """A fresh service over the roster; the office is imported in the first import."""
    service = rf.ReviewService(rf.MemoryStore(), clock=lambda: CLOCK, ids=rf.sequential_ids())
    service.import_roster(
        OFFICE,
        organizations=spec.organizations,
        members=spec.members,
        liaisons=spec.liaisons,
        office_staff=[rf.OfficeStaff(OFFICE, "陈敏")],
    )
    return service


# -- the oracle ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Oracle:
    """The reviews and gaps RULES.md calls for in a period, worked out from the records."""

    planned: frozenset[Planned]
    gaps: Counter[Gap]


def _months(period: rf.Period) -> list[rf.Period]:
    first = {rf.PeriodKind.MONTH: period.index, rf.PeriodKind.QUARTER: 3 * period.index - 2}
    count = {rf.PeriodKind.MONTH: 1, rf.PeriodKind.QUARTER: 3, rf.PeriodKind.YEAR: 12}
    start = first.get(period.kind, 1)
    return [rf.Period.month(period.year, m) for m in range(start, start + count[period.kind])]


def _quarters(period: rf.Period) -> list[rf.Period]:
    # R-CAD-1: a liaison point once a quarter, so a month holds no liaison review.
    if period.kind is rf.PeriodKind.MONTH:
        return []
    if period.kind is rf.PeriodKind.QUARTER:
        return [period]
    return [rf.Period.quarter(period.year, q) for q in range(1, 5)]


def head_of(spec: Spec, org_id: str) -> rf.Member | None:
    """The head: named by ``head_id``, else the one active secretary (the generator makes one at
    most, and gives every head it names this way the secretary role); heads never leave here."""
    org = spec.org(org_id)
    if org.head_id is not None:
        return next(m for m in spec.members if m.id == org.head_id)
    return next(
        (
            m
            for m in spec.members
            if m.org_id == org_id and m.left_on is None and rf.Role.SECRETARY in m.roles
        ),
        None,
    )


def oracle(spec: Spec, period: rf.Period) -> Oracle:
    """R-SCOPE-1..3, R-CAD-1..2, R-SUBJ, R-ROSTER-1 under the default policy, from the rules
    alone."""

    def on_roll(m: rf.Member, p: rf.Period) -> bool:
        # R-ROSTER-1: a member is reviewed for the periods from the one they joined in to the
        # last one that ended before they left.
        return (m.joined_on is None or m.joined_on <= p.end) and (
            m.left_on is None or m.left_on > p.end
        )

    def head(org_id: str, p: rf.Period) -> rf.Member | None:
        # R-ROSTER-1: no review is owed by a head for a period before they took office (here:
        # joined; heads never leave in these rosters).
        found = head_of(spec, org_id)
        return found if found is not None and on_roll(found, p) else None

    def member(member_id: str) -> rf.Member:
        return next(m for m in spec.members if m.id == member_id)

    planned: set[Planned] = set()
    gaps: Counter[Gap] = Counter()
    for org in spec.organizations:
        if org.kind is Org.GROUP:
            continue  # R-SUBJ: a Party group is no Party organization, never a subject
        if org.parent_id is not None:  # the committee itself is reviewed from above the roster
            for q in _quarters(period):
                org_head = head(org.id, q)
                # R-SCOPE-1: the leadership team: its head and members with a role, on the roll.
                team = [
                    m
                    for m in spec.members
                    if m.org_id == org.id and (m.roles or m == org_head) and on_roll(m, q)
                ]
                # The assignments in force on the quarter's last day, by reviewers on the roll.
                reviewers = [
                    a.committee_member_id
                    for a in spec.liaisons
                    if a.org_id == org.id
                    and (a.since is None or a.since <= q.end)
                    and (a.until is None or a.until > q.end)
                    and on_roll(member(a.committee_member_id), q)
                ]
                if reviewers:
                    for r in reviewers:
                        planned.add((r, ORG_REVIEW, org.id, q, rf.Basis.LIAISON, org.id))
                        planned.update(
                            (r, Mem, m.id, q, rf.Basis.LIAISON, org.id) for m in team if m.id != r
                        )
                    continue
                # R-SCOPE-3: no liaison point: the parent's head reviews the organization and its
                # head (planning.py: only the head, not the rest of the team, who are the
                # organization head's members under R-SCOPE-2).
                parent_head = head(org.parent_id, q)  # parents are never groups in these trees
                if parent_head is not None:
                    planned.add(
                        (parent_head.id, ORG_REVIEW, org.id, q, rf.Basis.PARENT_HEAD, org.id)
                    )
                    if org_head is not None:
                        planned.add(
                            (parent_head.id, Mem, org_head.id, q, rf.Basis.PARENT_HEAD, org.id)
                        )
                    continue
                gaps[(ORG_REVIEW, org.id, q, org.id, rf.GapReason.NO_REVIEWER)] += 1
                if org_head is not None:
                    gaps[(Mem, org_head.id, q, org.id, rf.GapReason.NO_REVIEWER)] += 1
        # R-SCOPE-2: the head reviews every other member of the organization and of its Party
        # groups, monthly (R-CAD-2), for the months they were on the roll (R-ROSTER-1); the head
        # is covered with the organization (R-SCOPE-3).
        groups = {g.id for g in spec.organizations if g.kind is Org.GROUP and g.parent_id == org.id}
        for m in spec.members:
            if m.org_id not in {org.id, *groups} or m == head_of(spec, org.id):
                continue
            for month in _months(period):
                if not on_roll(m, month):
                    continue
                month_head = head(org.id, month)
                if month_head is None:
                    gaps[(Mem, m.id, month, org.id, rf.GapReason.NO_REVIEWER)] += 1
                else:
                    planned.add((month_head.id, Mem, m.id, month, rf.Basis.HEAD, org.id))
    return Oracle(frozenset(planned), gaps)


def subtree(spec: Spec, root_id: str) -> set[str]:
    """The organization and everything below it, from the parent links."""
    found = {root_id}
    grew = True
    while grew:
        below = {o.id for o in spec.organizations if o.parent_id in found}
        grew = not below <= found
        found |= below
    return found


def scheduled(reviews: Iterable[rf.Review]) -> frozenset[Planned]:
    return frozenset(
        (r.reviewer_id, r.kind, r.subject_id, r.period, r.basis, r.org_id) for r in reviews
    )


def gap_counts(gaps: Iterable[rf.PlannedGap]) -> Counter[Gap]:
    return Counter((g.kind, g.subject_id, g.period, g.org_id, g.reason) for g in gaps)


# -- properties ------------------------------------------------------------------------------


@given(spec=rosters(), period=PERIODS)
def test_r_cad_4_scheduling_twice_creates_nothing(spec: Spec, period: rf.Period) -> None:
    """R-CAD-4: at most one review per (reviewer, kind, subject, period); scheduling is idempotent,
    also for the periods inside the one scheduled."""
    service = service_for(spec)
    first = service.schedule(OFFICE, period)
    assert first.existing == 0
    again = service.schedule(OFFICE, period)
    assert again.created == ()
    assert again.existing == len(first.created)
    assert again.gaps == first.gaps
    for kind in (rf.PeriodKind.QUARTER, rf.PeriodKind.MONTH):
        if (kind is rf.PeriodKind.QUARTER) and period.kind is rf.PeriodKind.MONTH:
            continue
        for part in period.subperiods(kind):
            assert service.schedule(OFFICE, part).created == ()
    reviews = service.reviews(OFFICE)
    assert len(reviews) == len(first.created)
    keys = [r.key for r in reviews]
    assert len(keys) == len(set(keys))
    assert all(len(service.history(OFFICE, r.id)) == 1 for r in reviews)


@given(spec=rosters(), period=PERIODS)
def test_r_cover_r_scope_r_roster_1_schedule_follows_the_rules(
    spec: Spec, period: rf.Period
) -> None:
    """R-COVER, R-SCOPE-1, R-SCOPE-2, R-SCOPE-3, R-CAD-1, R-CAD-2, R-SUBJ, R-METH-DEFAULT: what is
    scheduled, and every gap, is what the rules call for."""
    expected = oracle(spec, period)
    result = service_for(spec).schedule(OFFICE, period)
    got = scheduled(result.created)
    assert got == expected.planned, (
        f"missing: {sorted(map(str, expected.planned - got))}; "
        f"extra: {sorted(map(str, got - expected.planned))}"
    )
    assert gap_counts(result.gaps) == expected.gaps
    committee_head = head_of(spec, COMMITTEE)
    assert committee_head is not None
    groups = {o.id for o in spec.organizations if o.kind is Org.GROUP}
    for review in result.created:
        assert review.state is rf.ReviewState.SCHEDULED
        assert review.period.within(period)
        # R-SCOPE-3: nobody reviews themselves.
        assert review.reviewer_id != review.subject_id
        # R-SUBJ: the top committee and its head are reviewed from above; groups never.
        assert review.subject_id not in {COMMITTEE, committee_head.id, *groups}
        assert review.org_id not in groups
        # R-METH-DEFAULT: on site for a liaison review, the branch general meeting for a head's.
        assert review.planned_method is not None
        if review.basis is rf.Basis.LIAISON:
            assert review.planned_method.method is rf.Method.ON_SITE
        if review.basis is rf.Basis.HEAD:
            assert (review.planned_method.method, review.planned_method.occasion) == (
                rf.Method.CENTRALIZED,
                rf.Occasion.BRANCH_GENERAL_MEETING,
            )


@given(spec=rosters(), period=PERIODS, data=st.data())
def test_r_cover_subtree_schedules_its_part_of_the_whole(
    spec: Spec, period: rf.Period, data: st.DataObject
) -> None:
    """R-COVER: scheduling a subtree creates exactly the whole plan's reviews inside it; the rest
    follows when the whole roster is scheduled, and nothing twice (R-CAD-4)."""
    root_id = data.draw(st.sampled_from([o.id for o in spec.organizations]), label="root_id")
    whole = scheduled(service_for(spec).schedule(OFFICE, period).created)
    inside = subtree(spec, root_id)
    service = service_for(spec)
    part = service.schedule(OFFICE, period, root_id=root_id)
    assert scheduled(part.created) == {p for p in whole if p[5] in inside}
    assert scheduled(part.created) == {p for p in oracle(spec, period).planned if p[5] in inside}
    rest = service.schedule(OFFICE, period)
    assert scheduled(part.created) | scheduled(rest.created) == whole
    assert not scheduled(part.created) & scheduled(rest.created)
    assert scheduled(service.reviews(OFFICE)) == whole


@given(spec=rosters(), period=PERIODS, data=st.data())
def test_r_cover_coverage_right_after_scheduling(
    spec: Spec, period: rf.Period, data: st.DataObject
) -> None:
    """R-COVER: right after scheduling, everything is expected, nothing reviewed, and only the
    subjects without a reviewer are missing, each named as a gap."""
    service = service_for(spec)
    root_id = data.draw(
        st.none() | st.sampled_from([o.id for o in spec.organizations]), label="root_id"
    )
    result = service.schedule(OFFICE, period)
    expected = oracle(spec, period)
    inside = subtree(spec, root_id) if root_id is not None else {o.id for o in spec.organizations}
    slots = [p for p in expected.planned if p[5] in inside]
    gaps = Counter({g: n for g, n in expected.gaps.items() if g[3] in inside})
    assert len(result.created) == len(expected.planned)
    report = service.coverage(OFFICE, period, root_id=root_id)
    assert report.expected == len(slots) + gaps.total()
    assert report.missing == gaps.total()
    assert (report.reviewed, report.closed, report.waived) == (0, 0, 0)
    assert report.in_progress == len(slots)
    assert (
        Counter((g.kind, g.subject_id, g.period, g.org_id, g.reason) for g in report.gaps) == gaps
    )
    assert all(g.reviewer_id is None for g in report.gaps)
    assert sum(r.expected for r in report.reviewers) == len(slots)


# -- cases the properties may miss, pinned by example --------------------


def test_r_cover_no_gap_for_a_head_before_joining() -> None:
    """R-COVER: a head is missing only for the periods that apply to them; a head who joined in
    November is not missing in Q1-Q3, even where nobody reviews their organization."""
    spec = Spec(
        organizations=(
            rf.Organization(COMMITTEE, "区卫生局党委", Org.COMMITTEE, "机关", head_id="wang"),
            rf.Organization("hospital", "区人民医院党总支", Org.GENERAL_BRANCH, "医院", COMMITTEE),
            rf.Organization("internal", "内科党支部", Org.BRANCH, "医院", "hospital", "zhou"),
        ),
        members=(
            rf.Member("wang", "王建国", COMMITTEE, "管理", roles={rf.Role.SECRETARY}),
            rf.Member("ma", "马晓燕", "hospital", "管理"),
            rf.Member(
                "zhou",
                "周明",
                "internal",
                "医生",
                roles={rf.Role.SECRETARY},
                joined_on=date(2023, 11, 1),
            ),
        ),
        liaisons=(),
    )
    result = service_for(spec).schedule(OFFICE, rf.Period.of_year(2023))
    zhou = sorted(str(g.period) for g in result.gaps if g.subject_id == "zhou")
    assert zhou == ["2023-Q4"]


def test_r_scope_3_departed_liaison_reviewer_leaves_the_parent_head_to_review() -> None:
    """R-SCOPE-1, R-SCOPE-3: a committee member who left reviews nobody; the organization has no
    liaison reviewer, so the head of its parent covers it (and its head)."""
    committee_head = rf.Member("wang", "王建国", COMMITTEE, "管理", roles={rf.Role.SECRETARY})
    departed = rf.Member(
        "li",
        "李文华",
        COMMITTEE,
        "管理",
        roles={rf.Role.DEPUTY_SECRETARY},
        left_on=date(2023, 9, 30),
        left_reason="调离",
    )
    branch_head = rf.Member("zhou", "周明", "branch", "医生", roles={rf.Role.SECRETARY})
    spec = Spec(
        organizations=(
            rf.Organization(COMMITTEE, "区卫生局党委", Org.COMMITTEE, "机关", head_id="wang"),
            rf.Organization("branch", "内科党支部", Org.BRANCH, "医院", COMMITTEE, "zhou"),
        ),
        members=(committee_head, departed, branch_head),
        liaisons=(rf.LiaisonAssignment("li", "branch", date(2023, 1, 1)),),
    )
    q4 = rf.Period.quarter(2023, 4)
    result = service_for(spec).schedule(OFFICE, q4)
    assert result.gaps == ()
    assert {(r.reviewer_id, r.subject_id) for r in result.created} >= {
        ("wang", "branch"),
        ("wang", "zhou"),
    }
