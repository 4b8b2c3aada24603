"""R-COVER, R-LEAD, R-CAD-3, R-SCOPE-1..3: coverage against an oracle of its own.

tests/coverage_reference.py, the spec ``build_coverage`` is held to, imports the implementation's
classes and plan. Here the expected report is worked out from the roster's plain records and
the reviews' plain fields by tests/coverage_oracle.py, with RULES.md's rules written there, and
the library's answer (counts, every gap by name and reason, each reviewer's counts and rate, the
overall rate) must be the same: after real steps on every store, and on memory and SQLite with
reviews in random states and a liaison point that starts in the middle of a quarter.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import reviewflow as rf
from coverage_oracle import CoverageOracle, library_numbers
from reviewflow.demo import OFFICE
from reviewflow.scenario import scenario_roster
from steps import find, to_closed, to_publicizing
from test_coverage_properties import set_state
from test_scheduling_properties import CLOCK, Spec, rosters

S = rf.ReviewState


def assert_coverage_is_the_oracles(
    service: rf.ReviewService, oracle: CoverageOracle, period: str, root: str | None = None
) -> None:
    orgs = oracle.subtree(root)
    reviews = [r for r in service.reviews(OFFICE, within=period) if r.org_id in orgs]
    got = service.coverage(OFFICE, period, root_id=root)
    assert library_numbers(got) == oracle.report(period, root, reviews), (period, root)
    assert len(got.gaps) == got.missing


def test_r_cover_r_lead_r_cad_3_coverage_is_the_rules_after_real_steps(
    any_service: rf.ReviewService,
) -> None:
    """On every store: 2023-Q4 scheduled; a liaison review closed, a member review reviewed,
    one started, two waived (one of a reviewer with a review done: waived is not due, R-LEAD),
    one cancelled; the quarter, its months, the year and three subtrees."""
    service = any_service
    service.schedule(OFFICE, "2023-Q4")
    to_closed(service, find(service, "li", "hospital", "2023-Q4"), problem="服务意识不强")
    to_publicizing(service, find(service, "zhou", "wu", "2023-10"))
    service.start("zhou", find(service, "zhou", "sun", "2023-11").id)
    service.waive(OFFICE, find(service, "he", "shi", "2023-10").id, reason="外出学习")
    service.waive(OFFICE, find(service, "zhou", "zheng", "2023-11").id, reason="长期病假")
    service.cancel(OFFICE, find(service, "qian", "feng", "2023-12").id, reason="误排")
    oracle = CoverageOracle(scenario_roster())
    for period in ("2023-Q4", "2023-10", "2023-11", "2023-12", "2023"):
        assert_coverage_is_the_oracles(service, oracle, period)
    for root in ("hospital", "internal", "cdc"):
        assert_coverage_is_the_oracles(service, oracle, "2023-Q4", root)


# A liaison point that starts in the middle of a quarter: 赵立新 takes 局机关党支部 on that day.
LATE_LIAISON = st.one_of(st.none(), st.dates(date(2023, 7, 2), date(2023, 12, 30)))


@given(
    url=st.sampled_from(["memory://", "sqlite://"]),
    period=st.sampled_from(["2023-Q4", "2023-Q3", "2023-11"]),
    since=LATE_LIAISON,
    data=st.data(),
)
def test_r_cover_r_lead_r_scope_1_coverage_is_the_rules_in_random_states(
    url: str, period: str, since: date | None, data: st.DataObject
) -> None:
    """R-COVER, R-LEAD, R-CAD-3, R-SCOPE-1: reviews in random states (waived, cancelled,
    reviewed, closed ...); a liaison in force on a quarter's last day reviews that quarter."""
    records = scenario_roster()
    if since is not None:
        records["liaisons"] = (*records["liaisons"], rf.LiaisonAssignment("zhao", "organ", since))
    service = rf.ReviewService(rf.open_store(url), clock=lambda: CLOCK, ids=rf.sequential_ids())
    service.import_roster(OFFICE, **records)  # type: ignore[arg-type]
    service.schedule(OFFICE, period)
    reviews = service.reviews(OFFICE)
    for review in data.draw(st.lists(st.sampled_from(reviews), unique_by=lambda r: r.id)):
        set_state(service, review, data.draw(st.sampled_from(list(S)), label="state"))
    oracle = CoverageOracle(records)
    root = data.draw(st.sampled_from([None, "hospital", "organ", "bureau"]), label="root")
    year = period[:4]
    for within in {period, year, f"{year}-{int(period[-1]) * 3:02d}" if "Q" in period else period}:
        assert_coverage_is_the_oracles(service, oracle, within, root)
    service.store.close()


@given(
    spec=rosters(),
    period=st.sampled_from(["2023-Q2", "2023-Q4", "2023-05", "2023"]),
    data=st.data(),
)
def test_r_cover_r_scope_3_coverage_is_the_rules_on_random_rosters(
    spec: Spec, period: str, data: st.DataObject
) -> None:
    """R-COVER, R-LEAD, R-CAD-3, R-SCOPE-1..3, R-SUBJ, R-ROSTER-1: random organization trees
    (heads named or found by role, or none; Party groups; members joining and leaving during the
    year; liaison points, some ended; at most one per organization), reviews in random
    states."""
    once: dict[str, rf.LiaisonAssignment] = {}
    for link in spec.liaisons:
        once.setdefault(link.org_id, link)
    records = {
        "organizations": spec.organizations,
        "members": spec.members,
        "liaisons": tuple(once.values()),
        "office_staff": (rf.OfficeStaff(OFFICE, "陈敏"),),
    }
    service = rf.ReviewService(rf.MemoryStore(), clock=lambda: CLOCK, ids=rf.sequential_ids())
    service.import_roster(OFFICE, **records)  # type: ignore[arg-type]
    if data.draw(st.booleans(), label="schedule"):
        service.schedule(OFFICE, period)
    reviews = service.reviews(OFFICE)
    for review in data.draw(st.lists(st.sampled_from(reviews), unique_by=lambda r: r.id)
                            if reviews else st.just([]), label="moved"):  # fmt: skip
        set_state(service, review, data.draw(st.sampled_from(list(S)), label="state"))
    oracle = CoverageOracle(records)
    root = data.draw(st.sampled_from([None, *sorted(oracle.orgs)]), label="root")
    assert_coverage_is_the_oracles(service, oracle, period, root)
