"""The conformance kit: the tests every store adapter must pass, shipped with the library.

A third party writing an adapter for its own database runs the same suite as the adapters
here. Subclass :class:`StoreContract` (the required tier, :class:`~reviewflow.Store`), or
:class:`CountingStoreContract` if the store also has the optional tier
(:class:`~reviewflow.CountingStore`), and :class:`OutboxStoreContract` beside it if the store
has the outbox tier (:class:`~reviewflow.OutboxStore`); give it a ``store`` fixture that
yields a fresh, empty store, and let pytest collect it::

    from reviewflow.testing import StoreContract, agreement_test

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self):
            store = MyStore(...)
            yield store
            store.close()

    TestMyStoreAgrees = agreement_test(lambda: MyStore(...))

The kit's data is the source document's scenario (:mod:`reviewflow.scenario`).

:func:`agreement_test` builds a Hypothesis state machine that drives the adapter and the
in-memory reference store side by side through the service and checks after every step that
both gave the same answer and hold the same data.

Needs pytest and Hypothesis (``pip install reviewflow[dev]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import reviewflow as rf
from reviewflow.scenario import OFFICE, scenario_roster
from reviewflow.store import CoverageFacts, facts_of, slot_keys_of

__all__ = [
    "CLOCK",
    "CountingStoreContract",
    "OutboxStoreContract",
    "StoreContract",
    "agreement_test",
    "scenario_on",
]

CLOCK = datetime(2023, 12, 28, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
"""The fixed clock of the kit: the services stand on 2023-12-28."""


def scenario_on(store: rf.Store) -> rf.ReviewService:
    """A service over ``store`` with the demonstration roster imported and a fixed clock."""
    service = rf.ReviewService(store, clock=lambda: CLOCK, ids=rf.sequential_ids())
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    return service


def _entry(review: rf.Review, *, action: str, to: rf.ReviewState, prev: str) -> rf.HistoryEntry:
    return rf.HistoryEntry.create(
        review_id=review.id,
        seq=review.version + 1,
        at=CLOCK,
        actor_id=review.reviewer_id,
        action=action,
        from_state=review.state,
        to_state=to,
        data={},
        reason="",
        prev_digest=prev,
    )


def _step(review: rf.Review, prev: str | None = None) -> tuple[rf.Review, rf.HistoryEntry]:
    """The ``start`` step of a scheduled review, as the service would write it."""
    entry = _entry(
        review,
        action="start",
        to=rf.ReviewState.FACT_FINDING,
        prev=review.last_digest if prev is None else prev,
    )
    return rf.apply_entry(review, entry), entry


def _by(store: rf.Store, reviewer: str, subject: str, period: str) -> rf.Review:
    query = rf.ReviewQuery(reviewer_id=reviewer, subject_id=subject)
    return next(r for r in store.reviews(query) if str(r.period) == period)


def _reassign(review: rf.Review, to: str) -> tuple[rf.Review, rf.HistoryEntry]:
    """A ``reassign`` entry handing ``review`` to ``to``, as the service writes it."""
    entry = rf.HistoryEntry.create(
        review_id=review.id, seq=review.version + 1, at=CLOCK, actor_id=OFFICE,
        action="reassign", from_state=review.state, to_state=review.state,
        data={"from": review.reviewer_id, "to": to}, reason="书记调整",
        prev_digest=review.last_digest,
    )  # fmt: skip
    return rf.apply_entry(review, entry), entry


def _twin(
    store: rf.Store, review: rf.Review, reviewer: str, twin_id: str
) -> tuple[rf.Review, rf.HistoryEntry]:
    """A new review of ``review``'s subject and period by ``reviewer``, with its first entry."""
    data = {**store.history(review.id)[0].data, "id": twin_id, "reviewer_id": reviewer}
    entry = rf.HistoryEntry.create(
        review_id=twin_id, seq=1, at=CLOCK, actor_id=OFFICE, action="schedule",
        from_state=None, to_state=rf.ReviewState.SCHEDULED, data=data, reason="",
        prev_digest="",
    )  # fmt: skip
    return rf.apply_entry(None, entry), entry


class StoreContract:
    """The behaviour every store must show. One behaviour per test.

    Subclasses provide a ``store`` fixture yielding a fresh, empty store.
    """

    @pytest.fixture
    def store(self) -> Iterator[rf.Store]:
        """A fresh, empty store; subclasses override this."""
        raise NotImplementedError("override the store fixture")

    @pytest.fixture
    def service(self, store: rf.Store) -> rf.ReviewService:
        """The demonstration roster on the store."""
        return scenario_on(store)

    @pytest.fixture
    def scheduled(self, service: rf.ReviewService) -> rf.ReviewService:
        """The demonstration roster with 2023-Q4 scheduled."""
        service.schedule(OFFICE, "2023-Q4")
        return service

    # -- the protocol -----------------------------------------------------------------------------

    def test_store_satisfies_the_protocol(self, store: rf.Store) -> None:
        """The store is a ``Store`` (the protocol, checked at run time) with a URL."""
        assert isinstance(store, rf.Store)
        assert "://" in store.url

    def test_close_may_be_called_again(self, store: rf.Store) -> None:
        """A host's shutdown path may close a store twice (a pool's and a test's teardown)."""
        store.close()
        store.close()

    def test_empty_store_reads_empty(self, store: rf.Store) -> None:
        """A fresh store reads empty everywhere; an unknown review or order reads None."""
        assert store.roster().organizations == {}
        assert store.reviews(rf.ReviewQuery()) == ()
        assert tuple(store.history("review-1")) == ()
        assert tuple(store.attempts()) == ()
        assert tuple(store.orders()) == ()
        assert tuple(store.exemplars()) == ()
        assert store.office_records() == rf.OfficeRecords()
        assert store.review("review-1") is None
        assert store.order("order-1") is None

    # -- roster -----------------------------------------------------------------------------------

    def test_roster_round_trips(self, service: rf.ReviewService, store: rf.Store) -> None:
        """The roster reads back as written: organizations, members, liaisons."""
        records = scenario_roster()
        expected = rf.Roster.build(
            records["organizations"],  # type: ignore[arg-type]
            records["members"],  # type: ignore[arg-type]
            records["liaisons"],  # type: ignore[arg-type]
        )
        roster = store.roster()
        assert dict(roster.organizations) == dict(expected.organizations)
        assert dict(roster.members) == dict(expected.members)
        assert dict(roster.liaisons) == dict(expected.liaisons)
        assert roster.person("wang") == expected.members["wang"]
        assert roster.organization("hospital") == expected.organizations["hospital"]

    def test_roster_change_is_seen_at_once(
        self, service: rf.ReviewService, store: rf.Store
    ) -> None:
        """A roster change (a member moved) shows in the very next roster read."""
        service.move_member(OFFICE, "feng", to_org_id="internal", on=date(2023, 12, 1))
        assert store.roster().members["feng"].org_id == "internal"
        assert store.roster().organizations["surgery"].head_id == "qian"

    def test_a_refused_roster_change_writes_nothing(
        self, service: rf.ReviewService, store: rf.Store
    ) -> None:
        """A roster change set that breaks the roster raises RosterConflict, writes none of it."""
        orphan = rf.Member("x", "某", "no-such-org")
        with pytest.raises(rf.RosterConflict):
            store.apply(rf.ChangeSet(roster=(rf.Member("y", "乙", "cdc"), orphan)))
        assert store.roster().person("y") is None

    # -- reviews and history ----------------------------------------------------------------------

    def test_scheduling_inserts_reviews_with_their_first_entry(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """A scheduled review is stored with one history entry: its ``schedule`` entry."""
        reviews = store.reviews(rf.ReviewQuery())
        assert reviews
        for review in reviews:
            (entry,) = store.history(review.id)
            assert (entry.seq, entry.action, entry.to_state) == (1, "schedule", review.state)
            assert store.review(review.id) == review

    def test_r_cad_4_a_second_review_for_a_key_is_skipped(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """R-CAD-4: a second review for a (reviewer, subject, period) is skipped, not raised."""
        review = store.reviews(rf.ReviewQuery())[0]
        first = store.history(review.id)[0]
        twin_entry = attrs.evolve(first, review_id="twin", data={**first.data, "id": "twin"})
        twin = rf.apply_entry(None, twin_entry)
        assert store.apply(rf.ChangeSet(new_reviews=((twin, twin_entry),))).inserted == ()
        assert store.review("twin") is None

    def test_r_reopen_a_later_round_of_a_slot_is_inserted_once(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """One review per slot and round (R-CAD-4, R-REOPEN): a cancelled review's slot takes
        a review of the next round, and only one."""
        review = store.reviews(rf.ReviewQuery())[0]
        cancelled = scheduled.cancel(OFFICE, review.id, reason="撤")
        again = scheduled.reopen(OFFICE, cancelled.id, reason="重新点评")
        assert store.review(again.id) == again
        assert (again.key, again.round, again.reopens) == (review.key, 2, review.id)
        first = store.history(again.id)[0]
        twin_entry = attrs.evolve(first, review_id="twin", data={**first.data, "id": "twin"})
        twin = rf.apply_entry(None, twin_entry)
        assert store.apply(rf.ChangeSet(new_reviews=((twin, twin_entry),))).inserted == ()
        assert store.review("twin") is None

    def test_reviews_are_ordered_by_period_then_id(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """``reviews`` returns the reviews sorted by period, then id."""
        reviews = store.reviews(rf.ReviewQuery())
        assert list(reviews) == sorted(reviews, key=lambda r: (r.period, r.id))

    @pytest.mark.parametrize(
        "query",
        [
            rf.ReviewQuery(within=rf.Period.parse("2023-11")),
            rf.ReviewQuery(within=rf.Period.parse("2023-Q4")),
            rf.ReviewQuery(within=rf.Period.parse("2023-Q3")),
            rf.ReviewQuery(reviewer_id="zhou"),
            rf.ReviewQuery(subject_id="hospital"),
            rf.ReviewQuery(org_ids=frozenset({"internal", "cdc"})),
            rf.ReviewQuery(org_ids=frozenset()),
            rf.ReviewQuery(states=frozenset({rf.ReviewState.FACT_FINDING})),
            rf.ReviewQuery(reviewer_id="zhou", within=rf.Period.parse("2023-12")),
            rf.ReviewQuery(ids=frozenset({"review-1", "review-3", "no-such-review"})),
            rf.ReviewQuery(ids=frozenset({"review-2"}), states=frozenset({rf.ReviewState.CLOSED})),
            rf.ReviewQuery(ids=frozenset()),
            rf.ReviewQuery(subject_ids=frozenset({"li", "hospital", "no-such-subject"})),
            rf.ReviewQuery(subject_ids=frozenset()),
        ],
        ids=repr,
    )
    def test_review_queries_filter(
        self, scheduled: rf.ReviewService, store: rf.Store, query: rf.ReviewQuery
    ) -> None:
        """Each ``ReviewQuery`` filter returns what ``ReviewQuery.matches`` keeps, in order."""
        first = store.reviews(rf.ReviewQuery(reviewer_id="zhou"))[0]
        store.apply(rf.ChangeSet(review_updates=(_step(first),)))
        everything = store.reviews(rf.ReviewQuery())
        expected = [r for r in everything if query.matches(r)]
        assert list(store.reviews(query)) == expected

    def test_a_step_writes_the_review_and_its_entry(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """A step writes the changed review and appends its history entry."""
        review = store.reviews(rf.ReviewQuery())[0]
        changed, entry = _step(review)
        store.apply(rf.ChangeSet(review_updates=((changed, entry),)))
        assert store.review(review.id) == changed
        assert store.history(review.id)[-1] == entry

    @pytest.mark.parametrize("read_alone", [False, True], ids=["listed", "read-alone"])
    def test_a_stale_version_is_a_conflict_and_writes_nothing(
        self, scheduled: rf.ReviewService, store: rf.Store, read_alone: bool
    ) -> None:
        """Also for a review read on its own first (the path a service step takes: a SQL store
        may then write the step in one round trip)."""
        review = store.reviews(rf.ReviewQuery())[0]
        if read_alone:
            found = store.review(review.id)
            assert found is not None
            review = found
        store.apply(rf.ChangeSet(review_updates=(_step(review),)))
        current = store.review(review.id)
        with pytest.raises(rf.ConcurrencyConflict) as caught:
            store.apply(rf.ChangeSet(review_updates=(_step(review),)))
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        assert store.review(review.id) == current
        assert len(store.history(review.id)) == 2

    def test_a_change_set_is_all_or_nothing(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """A change set with one stale review writes nothing at all, its attempts included."""
        first, second = store.reviews(rf.ReviewQuery())[:2]
        store.apply(rf.ChangeSet(review_updates=(_step(second),)))
        attempt = rf.Attempt("attempt-x", CLOCK, OFFICE, "start", first.id, "E", "m", {})
        with pytest.raises(rf.ConcurrencyConflict):
            store.apply(
                rf.ChangeSet(review_updates=(_step(first), _step(second)), attempts=(attempt,))
            )
        assert store.review(first.id) == first
        assert len(store.history(first.id)) == 1
        assert tuple(store.attempts()) == ()

    def test_an_entry_off_the_chain_is_refused(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """An entry not chained to the last one's digest raises IntegrityError, writes nothing."""
        review = store.reviews(rf.ReviewQuery())[0]
        with pytest.raises(rf.IntegrityError):
            store.apply(rf.ChangeSet(review_updates=(_step(review, prev="forged"),)))
        assert store.review(review.id) == review

    def test_an_entry_that_does_not_match_is_refused(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """An entry whose sequence number does not follow on raises IntegrityError."""
        review = store.reviews(rf.ReviewQuery())[0]
        changed, entry = _step(review)
        with pytest.raises(rf.IntegrityError):
            store.apply(rf.ChangeSet(review_updates=((changed, attrs.evolve(entry, seq=5)),)))

    def test_a_reassign_entry_moves_the_review_to_its_new_slot(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """R-ROSTER-2: a review handed to another reviewer is found under the new one, with
        its old slot free for another review and the new one held."""
        review = _by(store, "zhou", "sun", "2023-12")
        changed, entry = _reassign(review, "wu")
        store.apply(rf.ChangeSet(review_updates=((changed, entry),)))
        assert store.review(review.id) == changed
        assert store.history(review.id)[-1] == entry
        assert [r.id for r in store.reviews(rf.ReviewQuery(reviewer_id="wu"))] == [review.id]
        assert (
            store.apply(rf.ChangeSet(new_reviews=(_twin(store, review, "wu", "twin-1"),))).inserted
            == ()
        )
        freed = store.apply(rf.ChangeSet(new_reviews=(_twin(store, review, "zhou", "twin-2"),)))
        assert freed.inserted == ("twin-2",)

    def test_a_reassign_into_a_held_slot_is_refused_and_writes_nothing(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """R-ROSTER-2: a reassign into a slot held already raises IntegrityError, writes nothing."""
        review = _by(store, "zhou", "sun", "2023-12")
        assert store.apply(
            rf.ChangeSet(new_reviews=(_twin(store, review, "qian", "twin"),))
        ).inserted
        with pytest.raises(rf.IntegrityError):
            store.apply(rf.ChangeSet(review_updates=(_reassign(review, "qian"),)))
        assert store.review(review.id) == review
        assert len(store.history(review.id)) == 1

    def test_a_full_review_round_trips(self, scheduled: rf.ReviewService, store: rf.Store) -> None:
        """A review through steps 1 and 2 reads back as the service has it and replays to it."""
        service = scheduled
        review = next(r for r in store.reviews(rf.ReviewQuery()) if r.subject_id == "hospital")
        rid = review.id
        service.start("li", rid)
        service.report(
            "liu",
            rid,
            summary="汇报：完成门诊流程再造 ✓",
            commitments=[rf.Commitment("c1", "预约率60%", "fulfilled", "已达64%")],
        )
        service.conclude_fact_finding("li", rid)
        service.record_method("li", rid, method="on_site", occasion="field_visit")
        for aspect in review.aspects:
            review = service.comment("li", rid, aspect=aspect, achievements="好", problems=["差"])
        service.set_direction("li", rid, direction="方向", suggestions="建议")
        service.require("li", rid, text="整改", problem_ids=list(review.problem_ids()))
        service.conclude_review("li", rid)
        after = service.review(OFFICE, rid)
        assert store.review(rid) == after
        assert rf.replay(store.history(rid)) == after

    # -- attempts, orders, exemplars --------------------------------------------------------------

    def test_attempts_are_appended_in_order(
        self, scheduled: rf.ReviewService, store: rf.Store
    ) -> None:
        """R-AUDIT: refused attempts are appended in order and read back all or by review."""
        review = store.reviews(rf.ReviewQuery())[0]
        for actor in ("nobody", "wu", OFFICE):
            with pytest.raises(rf.ReviewflowError):
                scheduled.close(actor, review.id)
        logged = tuple(store.attempts())
        assert [a.actor_id for a in logged] == ["nobody", "wu", OFFICE]
        assert tuple(store.attempts(review.id)) == logged
        assert tuple(store.attempts("other")) == ()

    def test_orders_are_versioned(self, service: rf.ReviewService, store: rf.Store) -> None:
        """An order keeps its latest version; writing a stale one raises ConcurrencyConflict."""
        order = service.issue_order(
            OFFICE, kind="organization", subject_id="cdc", criticism="c", requirement="r",
            deadline=date(2024, 1, 5),
        )  # fmt: skip
        reported = service.report_order("he", order.id, report="done")
        assert store.order(order.id) == reported
        with pytest.raises(rf.ConcurrencyConflict):
            store.apply(rf.ChangeSet(orders=(attrs.evolve(order, version=2),)))
        assert tuple(store.orders()) == (reported,)

    def test_exemplars_are_kept_in_order(self, service: rf.ReviewService, store: rf.Store) -> None:
        """Exemplars read back in the order they were recorded."""
        recorded = [
            service.record_exemplar(OFFICE, kind="member", subject_id=m, deeds=f"事迹{m}")
            for m in ("wu", "sun", "lv")
        ]
        assert tuple(store.exemplars()) == tuple(recorded)

    def test_office_records_are_kept_in_order(
        self, service: rf.ReviewService, store: rf.Store
    ) -> None:
        """Inspections, exemplars' publicity and summaries submitted, each oldest first, as
        written (R-SUPERVISE, R-EXEMPLAR, R-SUMMARY-SUBMIT)."""
        visits = [
            service.record_inspection(OFFICE, org_id=o, on=date(2023, 12, 1), inspectors=["陈敏"],
                                      place=f"{o}会议室", findings="台账不全")
            for o in ("cdc", "hospital")
        ]  # fmt: skip
        exemplar = service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
        for where in ("第3期", "第4期"):
            service.record_publicity(OFFICE, exemplar.id, on=date(2023, 12, 20), medium="简报",
                                     where=where)  # fmt: skip
        sent = [service.submit_summary(OFFICE, o, 2023, reference=o) for o in ("organ", "cdc")]
        records = store.office_records()
        assert records.inspections == tuple(visits)
        assert [p.where for p in records.exemplar_publicity] == ["第3期", "第4期"]
        assert records.submissions == tuple(sent)
        assert tuple(store.exemplars()) == (exemplar,)  # kept apart: the service lists them

    def test_one_summary_per_organization_and_year(
        self, service: rf.ReviewService, store: rf.Store
    ) -> None:
        """A second submission of an organization's year is refused, and nothing of its change
        set is written (R-SUMMARY-SUBMIT)."""
        sent = service.submit_summary(OFFICE, "cdc", 2023, reference="A")
        other = attrs.evolve(sent, id="submission-x", org_id="organ")
        for changes in (
            rf.ChangeSet(submissions=(attrs.evolve(sent, id="submission-y"),)),
            rf.ChangeSet(submissions=(other, attrs.evolve(other, id="submission-z"))),
        ):
            with pytest.raises(rf.IntegrityError):
                store.apply(changes)
        assert store.office_records().submissions == (sent,)


class OutboxStoreContract:
    """The outbox tier (:class:`~reviewflow.OutboxStore`): messages queued with their change,
    claimed by one dispatcher at a time, marked delivered, failed or dead. For a store that
    has the tier, beside :class:`StoreContract`; its ``store`` fixture yields a fresh, empty
    store."""

    LEASE = timedelta(minutes=5)
    """How long the tests' claims keep a message from other claims."""

    @pytest.fixture
    def store(self) -> Iterator[rf.OutboxStore]:
        """A fresh, empty store; subclasses override this."""
        raise NotImplementedError("override the store fixture")

    @staticmethod
    def queue(store: Any, *ids: str, at: datetime = CLOCK) -> None:
        """Queue messages ``ids`` in a change set of their own."""
        messages = tuple(rf.OutboxMessage(i, "StepTaken", f'{{"n":"{i}"}}', at) for i in ids)
        store.apply(rf.ChangeSet(outbox=messages))

    def test_store_has_the_outbox_tier(self, store: rf.OutboxStore) -> None:
        """The store is an :class:`~reviewflow.OutboxStore`."""
        assert isinstance(store, rf.OutboxStore)

    def test_a_message_is_claimed_once_until_its_lease_runs_out(self, store: Any) -> None:
        """A claimed message is claimed again only once its lease has run out."""
        self.queue(store, "m-1")
        (claimed,) = store.claim(CLOCK, 10, self.LEASE)
        assert claimed.message == rf.OutboxMessage("m-1", "StepTaken", '{"n":"m-1"}', CLOCK)
        assert (claimed.state, claimed.due, claimed.attempts) == (
            rf.DeliveryState.QUEUED, CLOCK + self.LEASE, 0,
        )  # fmt: skip
        assert store.claim(CLOCK + self.LEASE - timedelta(seconds=1), 10, self.LEASE) == ()
        (again,) = store.claim(CLOCK + self.LEASE, 10, self.LEASE)
        assert again.message.id == "m-1"

    def test_claims_take_the_oldest_first_and_never_the_same(self, store: Any) -> None:
        """Claims take the oldest due messages first, and two claims never the same one."""
        self.queue(store, "m-3", "m-1")
        self.queue(store, "m-2")
        first = [d.message.id for d in store.claim(CLOCK, 2, self.LEASE)]
        second = [d.message.id for d in store.claim(CLOCK, 2, self.LEASE)]
        assert (first, second) == (["m-3", "m-1"], ["m-2"])

    def test_a_message_not_yet_due_is_not_claimed(self, store: Any) -> None:
        """A message due later is not claimed now."""
        self.queue(store, "m-1", at=CLOCK + timedelta(hours=1))
        assert store.claim(CLOCK, 10, self.LEASE) == ()

    def test_a_delivered_message_is_never_claimed_again(self, store: Any) -> None:
        """A message marked delivered is never claimed again."""
        self.queue(store, "m-1")
        store.claim(CLOCK, 10, self.LEASE)
        store.mark_delivered("m-1", CLOCK)
        assert store.claim(CLOCK + timedelta(days=1), 10, self.LEASE) == ()
        found = store.delivery("m-1")
        assert (found.state, found.delivered) == (rf.DeliveryState.DELIVERED, CLOCK)

    def test_a_failed_message_is_due_again_at_its_retry(self, store: Any) -> None:
        """A failed message is due again at the retry time its failure gave."""
        self.queue(store, "m-1")
        store.claim(CLOCK, 10, self.LEASE)
        retry = CLOCK + timedelta(minutes=1)
        store.mark_failed("m-1", "HTTPError: 502", retry)
        found = store.delivery("m-1")
        assert (found.state, found.due, found.attempts, found.last_error) == (
            rf.DeliveryState.QUEUED, retry, 1, "HTTPError: 502",
        )  # fmt: skip
        assert store.claim(retry - timedelta(seconds=1), 10, self.LEASE) == ()
        assert [d.attempts for d in store.claim(retry, 10, self.LEASE)] == [1]

    def test_a_dead_message_waits_on_the_dead_list_until_requeued(self, store: Any) -> None:
        """A dead message is listed as dead and claimed again only once requeued."""
        self.queue(store, "m-1", "m-2")
        store.mark_failed("m-2", "gone", None)
        (dead,) = store.dead_messages()
        assert (dead.message.id, dead.state, dead.attempts) == ("m-2", rf.DeliveryState.DEAD, 1)
        assert [d.message.id for d in store.claim(CLOCK + timedelta(days=9), 9, self.LEASE)] == [
            "m-1"
        ]
        store.mark_delivered("m-1", CLOCK)
        later = CLOCK + timedelta(days=10)
        again = store.requeue("m-2", later)
        assert (again.state, again.due, again.attempts) == (rf.DeliveryState.QUEUED, later, 0)
        assert store.dead_messages() == ()
        assert [d.message.id for d in store.claim(later, 9, self.LEASE)] == ["m-2"]

    def test_requeue_refuses_an_unknown_or_live_message(self, store: Any) -> None:
        """Requeue refuses an id it does not hold and a message that is not dead."""
        self.queue(store, "m-1")
        with pytest.raises(rf.NotFound):
            store.requeue("m-404", CLOCK)
        with pytest.raises(rf.InvalidInput):
            store.requeue("m-1", CLOCK)
        assert store.delivery("m-1").state is rf.DeliveryState.QUEUED
        with pytest.raises(rf.NotFound):
            store.mark_delivered("m-404", CLOCK)

    def test_purge_deletes_only_what_was_delivered_before_the_time(self, store: Any) -> None:
        """Purge deletes the messages delivered before its time; later, queued and dead stay."""
        self.queue(store, "m-1", "m-2", "m-3", "m-4")
        store.claim(CLOCK, 10, self.LEASE)
        store.mark_delivered("m-1", CLOCK)
        store.mark_delivered("m-2", CLOCK + timedelta(days=2))
        store.mark_failed("m-3", "refused", None)
        assert store.purge(CLOCK + timedelta(days=1)) == 1
        assert store.delivery("m-1") is None
        assert [store.delivery(i).state for i in ("m-2", "m-3", "m-4")] == [
            rf.DeliveryState.DELIVERED, rf.DeliveryState.DEAD, rf.DeliveryState.QUEUED,
        ]  # fmt: skip
        assert store.purge(CLOCK + timedelta(days=1)) == 0

    def test_a_message_queued_twice_is_kept_once(self, store: Any) -> None:
        """A message id queued twice is stored once."""
        self.queue(store, "m-1")
        store.apply(rf.ChangeSet(outbox=(rf.OutboxMessage("m-1", "Other", "{}", CLOCK),)))
        (claimed,) = store.claim(CLOCK, 10, self.LEASE)
        assert claimed.message.kind == "StepTaken"

    def test_a_refused_change_set_queues_nothing(self, store: Any) -> None:
        """A change set the store refuses queues none of its messages."""
        service = scenario_on(store)
        order = service.issue_order(
            OFFICE, kind="organization", subject_id="cdc", criticism="c", requirement="r",
            deadline=date(2024, 1, 5),
        )  # fmt: skip
        message = rf.OutboxMessage("m-1", "OrderChanged", "{}", CLOCK)
        stale = attrs.evolve(order, version=3)
        with pytest.raises(rf.ConcurrencyConflict):
            store.apply(rf.ChangeSet(orders=(stale,), outbox=(message,)))
        assert store.delivery("m-1") is None
        assert store.claim(CLOCK, 10, self.LEASE) == ()

    def test_a_new_review_is_announced_only_if_inserted(self, store: Any) -> None:
        """A message tied to a new review is queued only if that review is inserted."""
        service = scenario_on(store)
        service.schedule(OFFICE, "2023-12")
        review = store.reviews(rf.ReviewQuery())[0]
        twin, entry = _twin(store, review, review.reviewer_id, "twin-1")
        kept = rf.OutboxMessage("m-kept", "StepTaken", "{}", CLOCK)
        skipped = attrs.evolve(kept, id="m-twin", new_review_id="twin-1")
        store.apply(rf.ChangeSet(new_reviews=((twin, entry),), outbox=(kept, skipped)))
        assert [d.message.id for d in store.claim(CLOCK, 10, self.LEASE)] == ["m-kept"]


# -- agreement with the reference store ----------------------------------------------------------

_PERIODS = ("2023-10", "2023-11", "2023-12", "2023-Q4")
_TRIGGERS = tuple(rf.WORKFLOW.steps)


class CountingStoreContract(StoreContract):
    """The optional tier (:class:`~reviewflow.store.base.CountingStore`): what a store counts
    is what the service would compute from its reviews. For a store that has the tier, in
    addition to :class:`StoreContract`; its ``store`` fixture yields a fresh, empty store."""

    def test_store_has_the_counting_tier(self, store: rf.CountingStore) -> None:
        """The store is a ``CountingStore`` (the optional tier, checked at run time)."""
        assert isinstance(store, rf.CountingStore)

    @pytest.mark.parametrize(
        "query",
        [
            rf.ReviewQuery(),
            rf.ReviewQuery(within=rf.Period.parse("2023-11")),
            rf.ReviewQuery(reviewer_id="zhou", within=rf.Period.parse("2023-12")),
            rf.ReviewQuery(org_ids=frozenset({"internal", "cdc"})),
            rf.ReviewQuery(states=frozenset({rf.ReviewState.FACT_FINDING})),
            rf.ReviewQuery(subject_ids=frozenset({"li", "hospital", "no-such-subject"})),
            rf.ReviewQuery(ids=frozenset()),
        ],
        ids=repr,
    )
    def test_refs_are_the_reviews_references(
        self, scheduled: rf.ReviewService, store: rf.CountingStore, query: rf.ReviewQuery
    ) -> None:
        """``refs`` gives the ``ReviewRef`` of each review ``reviews`` returns, in order."""
        first = store.reviews(rf.ReviewQuery(reviewer_id="zhou"))[0]
        store.apply(rf.ChangeSet(review_updates=(_step(first),)))
        assert list(store.refs(query)) == [rf.ReviewRef.of(r) for r in store.reviews(query)]

    @pytest.mark.parametrize("root", [None, "hospital", "cdc", "internal"])
    def test_coverage_facts_are_what_the_reviews_say(
        self, scheduled: rf.ReviewService, store: rf.CountingStore, root: str | None
    ) -> None:
        """The live reviews counted by reviewer, organization, kind, post category and state,
        each count with the sum of its reviews' slot hashes, and the cancelled ones by
        organization; for the roster or a subtree."""
        reviews = store.reviews(rf.ReviewQuery())
        entries = [
            _entry(r, action="cancel", to=rf.ReviewState.CANCELLED, prev=r.last_digest)
            for r in reviews[1:4]
        ]
        cancels = tuple(
            (rf.apply_entry(r, e), e) for r, e in zip(reviews[1:4], entries, strict=True)
        )
        store.apply(rf.ChangeSet(review_updates=(_step(reviews[0]), *cancels)))
        roster = store.roster()
        org_ids = frozenset(roster.subtree(root)) if root is not None else None
        for period in ("2023-Q4", "2023-11", "2023"):
            within = rf.Period.parse(period)
            found = store.coverage_facts(within, org_ids)
            expected = facts_of(
                roster, store.reviews(rf.ReviewQuery(within=within, org_ids=org_ids))
            )
            assert sorted(found.counts, key=repr) == sorted(expected.counts, key=repr)
            assert sorted(found.cancelled) == sorted(expected.cancelled)
            if root is None and period == "2023":
                assert sum(n for _, n, _ in found.cancelled) == 3
            assert found.counts or root == "internal" or period == "2023"

    @pytest.mark.parametrize("root", [None, "hospital", "internal"])
    def test_slot_keys_are_what_the_reviews_say(
        self, scheduled: rf.ReviewService, store: rf.CountingStore, root: str | None
    ) -> None:
        """The slots of the live and of the cancelled reviews matching a query: by period and
        scope, and by subject."""
        reviews = store.reviews(rf.ReviewQuery())
        entry = _entry(
            reviews[1], action="cancel", to=rf.ReviewState.CANCELLED, prev=reviews[1].last_digest
        )
        cancel = (rf.apply_entry(reviews[1], entry), entry)
        store.apply(rf.ChangeSet(review_updates=(_step(reviews[0]), cancel)))
        roster = store.roster()
        org_ids = frozenset(roster.subtree(root)) if root is not None else None
        subjects = frozenset(r.subject_id for r in reviews[:3])
        for period in ("2023-Q4", "2023-11", "2023"):
            within = rf.Period.parse(period)
            for query in (
                rf.ReviewQuery(within=within, org_ids=org_ids),
                rf.ReviewQuery(within=within, org_ids=org_ids, subject_ids=subjects),
            ):
                assert store.slot_keys(query) == slot_keys_of(store.reviews(query))
        live, cancelled = store.slot_keys(rf.ReviewQuery())
        assert len(cancelled) == 1
        assert len(live) == len(reviews) - 1

    def test_coverage_changes_add_up_to_the_facts_now(
        self, scheduled: rf.ReviewService, store: rf.CountingStore
    ) -> None:
        """Changes since earlier facts, added to them, are the facts now; or None, when the
        store cannot say (then the service counts afresh), or when more than ``limit``
        changes were written since."""
        within = rf.Period.parse("2023-12")
        before = store.coverage_facts(within, None)
        reviews = store.reviews(rf.ReviewQuery(within=within))
        cancel = _entry(
            reviews[1], action="cancel", to=rf.ReviewState.CANCELLED, prev=reviews[1].last_digest
        )
        store.apply(
            rf.ChangeSet(
                review_updates=(_step(reviews[0]), (rf.apply_entry(reviews[1], cancel), cancel))
            )
        )
        changes = store.coverage_changes(within, None, before.watermark, 100)
        if changes is None:
            return  # the store cannot say: the service counts afresh, always right
        assert _summed(before, changes) == _summed(store.coverage_facts(within, None))
        assert store.coverage_changes(within, None, before.watermark, 1) is None


def _summed(
    *facts: CoverageFacts,
) -> tuple[dict[object, tuple[int, int]], dict[str, tuple[int, int]]]:
    """Facts added up, the groups that count nothing left out."""
    counts: dict[object, tuple[int, int]] = {}
    cancelled: dict[str, tuple[int, int]] = {}
    for fact in facts:
        for *group, n, fingerprint in fact.counts:
            key = tuple(group)
            was = counts.get(key, (0, 0))
            counts[key] = (was[0] + n, was[1] + fingerprint)
        for org_id, n, fingerprint in fact.cancelled:
            was = cancelled.get(org_id, (0, 0))
            cancelled[org_id] = (was[0] + n, was[1] + fingerprint)
    return (
        {k: v for k, v in counts.items() if v[0]},
        {k: v for k, v in cancelled.items() if v[0]},
    )


def _call(service: rf.ReviewService, trigger: str, actor: str, review: rf.Review) -> rf.Review:
    """Take ``trigger`` on ``review`` as ``actor`` with plausible data."""
    rid = review.id
    every: Mapping[str, Mapping[str, Any]] = {
        "report": {"summary": "汇报", "commitments": [rf.Commitment(f"c{review.version}", "诺")]},
        "record_method": {"method": "on_site", "held_on": date(2023, 12, 1)},
        "comment": {"aspect": review.aspects[review.version % 4], "achievements": "好",
                    "problems": ["问题"] if review.version % 3 == 0 else []},
        "set_direction": {"direction": "方向"},
        "judge_commitment": {"commitment_id": "c1", "status": "fulfilled"},
        "add_participant": {"name": "代表", "capacity": "member", "opinion": "意见"},
        "require": {"text": "整改", "problem_ids": list(review.problem_ids())[:1]},
        "file": {"filing_no": f"F-{rid}"},
        "publicize": {"scope": "本支部", "medium": "meeting"},
        "plan_item": {"requirement_id": review.requirements[0].id if review.requirements else "r",
                      "measure": "措施", "owner": "本人", "due": date(2024, 1, 31)},
        "update_item": {"item_id": review.ledger[0].id if review.ledger else "i",
                        "status": "done", "done_on": date(2023, 12, 20)},
        "reply": {"text": "已整改"},
        "waive": {"reason": "免"},
        "cancel": {"reason": "撤"},
        "mark_not_applicable": {"reason": "不适用"},
    }  # fmt: skip
    data = every.get(trigger, {})
    method: Callable[..., rf.Review] = getattr(service, trigger)
    return method(actor, rid, **data)


def agreement_test(make_store: Callable[[], rf.Store]) -> type[Any]:
    """A test case that drives ``make_store()`` and the memory store side by side."""

    class StoreAgreement(RuleBasedStateMachine):
        """The adapter and the reference store answer alike and hold the same data."""

        def __init__(self) -> None:
            super().__init__()
            self.adapter = make_store()
            self.services = (scenario_on(rf.MemoryStore()), scenario_on(self.adapter))
            people = self.services[0].roster()
            self.actors = sorted([*people.members, *people.office_staff])

        def teardown(self) -> None:
            self.adapter.close()

        def _both(self, act: Callable[[rf.ReviewService], object]) -> None:
            outcomes = []
            for service in self.services:
                try:
                    outcomes.append(("ok", act(service)))
                except rf.ReviewflowError as error:
                    outcomes.append((type(error).__name__, str(error)))
            assert outcomes[0] == outcomes[1]

        @rule(period=st.sampled_from(_PERIODS))
        def schedule(self, period: str) -> None:
            self._both(lambda s: s.schedule(OFFICE, period))

        @precondition(lambda self: bool(self.services[0].store.reviews(rf.ReviewQuery())))
        @rule(data=st.data(), trigger=st.sampled_from(_TRIGGERS), right_actor=st.booleans())
        def step(self, data: st.DataObject, trigger: str, right_actor: bool) -> None:
            reviews = self.services[0].store.reviews(rf.ReviewQuery())
            review = data.draw(st.sampled_from(list(reviews)))
            if right_actor:
                roster = self.services[0].roster()
                by = rf.WORKFLOW.steps[trigger].by
                fitting = [
                    a for a in self.actors if by & self.services[0].parties(roster, a, review)
                ]
                actor = data.draw(st.sampled_from(fitting or self.actors))
            else:
                actor = data.draw(st.sampled_from(self.actors))
            self._both(lambda s: _call(s, trigger, actor, s.store.review(review.id) or review))

        @rule(
            change=st.sampled_from(
                [("internal", "wu"), ("internal", "sun"), ("surgery", "feng"), ("cdc", "lv")]
            ),
            day=st.sampled_from([date(2023, 11, 15), date(2023, 12, 1), date(2024, 2, 10)]),
        )
        def change_head(self, change: tuple[str, str], day: date) -> None:
            """R-ROSTER-2: a new head hands reviews over alike on both stores (or is refused
            alike: the same member twice, or a day before the present head's)."""
            org_id, member_id = change
            self._both(lambda s: s.change_head(OFFICE, org_id, member_id, on=day))

        @precondition(lambda self: bool(self.services[0].store.reviews(rf.ReviewQuery())))
        @rule(data=st.data())
        def reopen(self, data: st.DataObject) -> None:
            """R-REOPEN: a review's slot opened again (refused unless it is cancelled)."""
            review = data.draw(
                st.sampled_from(list(self.services[0].store.reviews(rf.ReviewQuery())))
            )
            self._both(lambda s: s.reopen(OFFICE, review.id, reason="重新点评"))

        @rule(data=st.data(), period=st.sampled_from(_PERIODS))
        def mark_slot_not_applicable(self, data: st.DataObject, period: str) -> None:
            """R-NA: a planned slot ended as not applicable (refused where a review is live)."""
            service = self.services[0]
            plan = rf.plan_period(service.roster(), service.policy, rf.Period.parse(period))
            if not plan.slots:
                return
            slot = data.draw(st.sampled_from(plan.slots))

            def mark(s: rf.ReviewService) -> rf.Review:
                return s.mark_slot_not_applicable(
                    OFFICE, slot.period, kind=slot.kind, subject_id=slot.subject_id,
                    reviewer_id=slot.reviewer_id, reason="误排",
                )  # fmt: skip

            self._both(mark)

        @invariant()
        def stores_agree(self) -> None:
            reference, adapter = (s.store for s in self.services)
            reviews = reference.reviews(rf.ReviewQuery())
            assert adapter.reviews(rf.ReviewQuery()) == reviews
            for review in reviews[:5]:
                assert tuple(adapter.history(review.id)) == tuple(reference.history(review.id))
            for review in reviews:
                if review.reopens is not None or review.round > 1:  # R-REOPEN, R-NA
                    history = tuple(adapter.history(review.id))
                    assert history == tuple(reference.history(review.id))
                    assert rf.replay(history) == review
            assert tuple(adapter.attempts()) == tuple(reference.attempts())

    StoreAgreement.TestCase.settings = settings(
        max_examples=settings().max_examples // 4 or 1, stateful_step_count=25, deadline=None
    )
    return StoreAgreement.TestCase
