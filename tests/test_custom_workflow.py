"""A deployment's own workflow: a step added to the document's (a rating, 测评, that some units
attach to the form: RULES.md §F), carried through the kernel, the store, the history, replay,
verification and the diagram, on every store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_roster
from reviewflow.testing import CLOCK
from steps import to_reviewing

S = rf.ReviewState
GRADES = ("好", "较好", "一般", "差")


def _rating(_review: rf.Review, arguments: Mapping[str, Any], _given: rf.StepInput) -> Any:
    grade = arguments["grade"]
    if grade not in GRADES:
        raise rf.InvalidInput("grade", grade, "must be one of " + "、".join(GRADES))
    return {"grade": grade}


def _rated(review: rf.Review, _ctx: rf.GuardContext) -> Any:
    if "rating" in review.extras:
        return None
    from reviewflow.domain.guards import Failure  # noqa: PLC0415

    return Failure("the review has not been rated", ("rating",), ("测评",))


def rated_workflow() -> rf.WorkflowDefinition:
    """The document's workflow with a rating step, required before the review is concluded."""
    conclude = rf.WORKFLOW.steps["conclude_review"]
    return rf.WORKFLOW.extended(
        steps=[
            rf.Step(
                "rate", (S.REVIEWING,), None, frozenset({rf.Party.REVIEWER}), "测评", "rate",
                rule="§F", effect="record_rating", payload="rating",
            ),
            rf.Step(
                conclude.trigger, conclude.sources, conclude.dest, conclude.by, conclude.label_zh,
                conclude.label_en, (*conclude.guards, "rated"), conclude.rule,
            ),
        ],
        guards=[rf.Guard("rated", "§F", "已测评", "rated", _rated, unblocked_by=("rate",))],
        effects=[rf.Effect("record_rating", rf.put_extra("rating"))],
        payloads=[rf.Payload("rating", _rating, required=("grade",))],
    )  # fmt: skip


@pytest.fixture(
    params=[
        "memory://",
        "sqlite://",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def service(request: pytest.FixtureRequest) -> Iterator[rf.ReviewService]:
    url = request.param
    if url in ("postgres", "mysql"):
        url = request.getfixturevalue(f"{url}_url")
    store = rf.open_store(url)
    service = rf.ReviewService(
        store, clock=lambda: CLOCK, ids=rf.sequential_ids(), workflow=rated_workflow()
    )
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    service.schedule(OFFICE, "2023-Q4")
    yield service
    store.close()


def _ready_to_conclude(service: rf.ReviewService) -> rf.Review:
    """A member review of 周明's with everything step 2 asks for, but the rating."""
    review = to_reviewing(service, service.reviews("zhou", within="2023-10")[0])
    service.record_method("zhou", review.id, method="centralized", occasion="支部党员大会")
    for aspect in review.aspects:
        service.comment("zhou", review.id, aspect=aspect, achievements="完成任务")
    return service.set_direction("zhou", review.id, direction="继续发挥先锋模范作用")


def test_an_added_step_is_taken_stored_replayed_and_verified(service: rf.ReviewService) -> None:
    review = _ready_to_conclude(service)
    with pytest.raises(rf.GuardFailed) as caught:
        service.conclude_review("zhou", review.id)
    assert (caught.value.guard, caught.value.missing_zh) == ("rated", ("测评",))
    assert [(s.trigger, s.by) for s in caught.value.next_steps] == [("rate", ("reviewer",))]
    rated = service.take("zhou", "rate", review.id, grade="较好")
    assert rated.extras == {"rating": {"grade": "较好"}}
    concluded = service.conclude_review("zhou", review.id)
    assert concluded.state is S.PUBLICIZING
    assert service.store.review(review.id) == concluded  # the store carries what it records
    history = service.store.history(review.id)
    assert [e.action for e in history][-2:] == ["rate", "conclude_review"]
    assert history[-2].data == {"grade": "较好"}
    assert service.workflow.replay(history) == concluded
    assert service.verify(OFFICE) == ()
    # The document's own workflow knows no such step: its replay refuses the history.
    assert rf.verify_history(concluded, history) != []


def test_an_added_steps_payload_rule_refuses_bad_data_and_logs_it(
    service: rf.ReviewService,
) -> None:
    review = _ready_to_conclude(service)
    for bad in ({"grade": "优秀"}, {}, {"grade": "好", "score": 90}):
        with pytest.raises(rf.InvalidInput):
            service.take("zhou", "rate", review.id, **bad)
    assert service.review("zhou", review.id) == review
    refused = [a for a in service.attempts(OFFICE, review.id) if a.action == "rate"]
    assert [a.error for a in refused] == ["InvalidInput"] * 3
    with pytest.raises(rf.OutOfScope):
        service.take("wu", "rate", review.id, grade="好")


def test_an_added_step_in_bulk_and_on_the_diagram(service: rf.ReviewService) -> None:
    first = _ready_to_conclude(service)
    results = service.take_many("zhou", "rate", [first.id, "no-such-review"], grade="好")
    assert [r.ok for r in results] == [True, False]
    assert service.review("zhou", first.id).extras["rating"] == {"grade": "好"}
    diagram = service.workflow.mermaid("zh")
    assert "reviewing --> publicizing: 完成点评 [" in diagram
    assert "已测评]" in diagram
