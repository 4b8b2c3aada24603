"""One step over many reviews at once (a branch meeting), with one result per review."""

from __future__ import annotations

from datetime import date

import reviewflow as rf
from reviewflow.demo import OFFICE
from reviewflow.testing import CLOCK, scenario_on


def zhou_reviews(service: rf.ReviewService) -> list[str]:
    return [r.id for r in service.reviews(OFFICE, within="2023-Q4") if r.reviewer_id == "zhou"]


def test_take_many_applies_each_and_reports_each(service: rf.ReviewService) -> None:
    """A secretary starts all her member reviews of the quarter; one foreign id is refused."""
    service.schedule(OFFICE, "2023-Q4")
    ids = zhou_reviews(service)
    foreign = next(r.id for r in service.reviews(OFFICE) if r.reviewer_id == "li")
    results = service.take_many("zhou", "start", [*ids, foreign])
    assert [r.review_id for r in results] == [*ids, foreign]
    assert all(r.ok for r in results[:-1])
    assert isinstance(results[-1].error, rf.OutOfScope)
    for review_id in ids:
        review = service.review(OFFICE, review_id)
        assert (review.state, review.version) == (rf.ReviewState.FACT_FINDING, 2)
    assert [a.review_id for a in service.attempts(OFFICE)] == [foreign]


def test_take_many_passes_the_steps_data(service: rf.ReviewService) -> None:
    service.schedule(OFFICE, "2023-11", root_id="internal")
    ids = zhou_reviews(service)
    service.take_many("zhou", "start", ids)
    for review_id in ids:
        subject = service.review(OFFICE, review_id).subject_id
        service.report(subject, review_id, summary="汇报")
    service.take_many("zhou", "conclude_fact_finding", ids)
    results = service.take_many(
        "zhou", "record_method", ids, method="centralized", occasion="branch_general_meeting",
        held_on=date(2023, 11, 24),
    )  # fmt: skip
    assert all(r.ok for r in results)
    methods = {service.review(OFFICE, i).method for i in ids}
    assert methods == {
        rf.MethodRecord(
            rf.Method.CENTRALIZED, rf.Occasion.BRANCH_GENERAL_MEETING, date(2023, 11, 24)
        )
    }


def test_take_many_names_a_review_twice_once(service: rf.ReviewService) -> None:
    service.schedule(OFFICE, "2023-11", root_id="internal")
    (first, *_) = zhou_reviews(service)
    results = service.take_many("zhou", "start", [first, first])
    assert len(results) == 1
    assert results[0].ok
    assert service.review(OFFICE, first).version == 2


class RacingStore(rf.MemoryStore):
    """A memory store where another worker changes one review just before a batch lands."""

    def __init__(self) -> None:
        super().__init__()
        self.sneak: rf.ReviewService | None = None
        self.target = ""

    def apply(self, changes: rf.ChangeSet) -> rf.Applied:
        if self.sneak is not None and len(changes.review_updates) > 1:
            sneak, self.sneak = self.sneak, None
            sneak.waive(OFFICE, self.target, reason="另一进程先行处理")
        return super().apply(changes)


def test_take_many_writes_the_rest_when_one_changed_meanwhile() -> None:
    store = RacingStore()
    service = scenario_on(store)
    service.schedule(OFFICE, "2023-11", root_id="internal")
    ids = zhou_reviews(service)
    store.target = ids[1]
    store.sneak = rf.ReviewService(store, clock=lambda: CLOCK)
    results = service.take_many("zhou", "start", ids)
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, rf.ConcurrencyConflict)
    assert service.review(OFFICE, ids[1]).state is rf.ReviewState.WAIVED
    assert service.review(OFFICE, ids[0]).state is rf.ReviewState.FACT_FINDING
    assert service.attempts(OFFICE)[-1].error == "ConcurrencyConflict"


def test_schedule_writes_in_batches_and_stays_idempotent(service: rf.ReviewService) -> None:
    """A period is scheduled one batch (one transaction) at a time; rerunning fills the rest."""
    seen: list[int] = []
    original = service.store.apply

    def counting(changes: rf.ChangeSet) -> rf.Applied:
        if changes.new_reviews:
            seen.append(len(changes.new_reviews))
        return original(changes)

    service.store.apply = counting  # type: ignore[method-assign]
    service.schedule_batch = 7
    created = service.schedule(OFFICE, "2023-Q4").created
    assert sum(seen) == len(created)
    assert max(seen) == 7
    assert len(seen) == -(-len(created) // 7)
    assert service.schedule(OFFICE, "2023-Q4").created == ()


def test_r_cad_4_schedule_that_lost_a_race_writes_only_the_free_slots(empty_url: str) -> None:
    """Two schedulers of one large period: the one that read the period before the other
    wrote it inserts optimistically, in statements of many rows (SQLite, MariaDB) or a COPY
    fed as the rows are made (PostgreSQL); the database refuses the taken slots, and the batch
    is written again without them (R-CAD-4): nothing twice."""
    url = empty_url
    sec = {rf.Role.SECRETARY}
    people = [rf.Member("h", "书记", "root", "管理", roles=sec),
              rf.Member("s", "支书", "b", "管理", roles=sec)]  # fmt: skip
    people += [rf.Member(f"m{n}", f"党员{n}", "b", "管理") for n in range(450)]
    records = {
        "organizations": [
            rf.Organization("root", "党委", rf.OrgKind.COMMITTEE, "机关", None, "h"),
            rf.Organization("b", "支部", rf.OrgKind.BRANCH, "机关", "root", "s"),
        ],
        "members": people,
        "liaisons": [],
        "office_staff": [rf.OfficeStaff(OFFICE, "办公室")],
    }
    first = rf.ReviewService(rf.open_store(url), ids=rf.sequential_ids())
    first.import_roster(OFFICE, **records)  # type: ignore[arg-type]
    late = rf.ReviewService(rf.open_store(url), ids=rf.sequential_ids(10_000))
    late.schedule_batch = 300
    # The late scheduler read the period before the first one wrote half of it.
    late.store.refs = lambda query: ()  # type: ignore[method-assign]
    won = first.schedule(OFFICE, "2024-01", root_id="b")
    assert len(won.created) > 200
    taken = {r.key for r in won.created}
    # The whole roster: the late scheduler's batches meet the taken slots of the branch.
    result = late.schedule(OFFICE, "2024-01")
    assert not {r.key for r in result.created} & taken
    everything = first.store.reviews(rf.ReviewQuery(within=rf.Period.parse("2024-01")))
    assert (
        len(everything)
        == len({r.key for r in everything})
        == len(won.created) + len(result.created)
    )
    first.store.close()
    late.store.close()
