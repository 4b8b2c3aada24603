"""R-SCOPE-4 for reads: every read takes the actor and refuses one who is not on the roster, as
every other operation does (issue #14, seen 8 and 9)."""

from __future__ import annotations

from datetime import date

import pytest

import reviewflow as rf
from steps import find, to_rectifying


def test_r_scope_4_an_unknown_actor_is_refused_by_every_read(
    service: rf.ReviewService, office: str
) -> None:
    """The same refusal (OutOfScope, logged) from every read, never an empty answer."""
    service.schedule(office, "2023-11")
    rid = find(service, "zhou", "wu", "2023-11").id
    reads = {
        "review": lambda: service.review("nobody", rid),
        "reviews": lambda: service.reviews("nobody"),
        "work_list": lambda: service.work_list("nobody"),
        "exemplars": lambda: service.exemplars("nobody"),
        "check_deadlines": lambda: service.check_deadlines("nobody"),
        "coverage": lambda: service.coverage("nobody", "2023-11"),
        "orders": lambda: service.orders("nobody"),
    }
    for name, read in reads.items():
        logged = len(service.attempts(office))
        with pytest.raises(rf.OutOfScope):
            read()
        assert len(service.attempts(office)) == logged + 1, f"{name} was not logged"
        assert service.attempts(office)[-1].actor_id == "nobody"


def test_r_scope_4_exemplars_are_public_to_the_roster(
    service: rf.ReviewService, office: str
) -> None:
    """R-EXEMPLAR: exemplars are made public, so any member reads them."""
    exemplar = service.record_exemplar(
        office, kind="member", subject_id="wu", deeds="义诊服务群众200余人次"
    )
    assert service.exemplars("wu") == (exemplar,)
    assert service.exemplars("li", root_id="hospital") == (exemplar,)


def test_r_scope_4_check_deadlines_shows_each_person_what_they_may_see(
    service: rf.ReviewService, office: str
) -> None:
    """The office sees every deadline; a member only their own; a head their subtree's; the
    listeners hear what the call found, nothing of anyone else's."""
    service.schedule(office, "2023-11")
    review = to_rectifying(service, find(service, "zhou", "wu", "2023-11"), problem="学习不够")
    service.plan_item(
        "wu", review.id, requirement_id=review.requirements[0].id, measure="每周学习",
        owner="吴红", due=date(2023, 12, 29),
    )  # fmt: skip
    service.issue_order(
        office, kind="organization", subject_id="cdc", criticism="活动流于形式",
        requirement="一周内制定整改方案", deadline=date(2023, 12, 29),
    )  # fmt: skip
    everything = service.check_deadlines(office)
    kinds = {d.kind for d in everything}
    assert {rf.DueKind.LEDGER_ITEM, rf.DueKind.ORDER} <= kinds
    wu = service.check_deadlines("wu")
    assert [d.kind for d in wu] == [rf.DueKind.LEDGER_ITEM]
    assert all(d.owner_id == "wu" for d in wu)
    roster = service.roster()
    zhou = service.check_deadlines("zhou")  # 内科党支部's secretary
    assert zhou
    assert all(d.owner_id == "zhou" or d.org_id in roster.subtree("internal") for d in zhou), zhou
    assert not any(d.kind is rf.DueKind.ORDER for d in zhou)  # the CDC's order is not his
    heard: list[rf.Event] = []
    service.subscribe(heard.append)
    service.check_deadlines("wu")
    assert heard == list(wu)
