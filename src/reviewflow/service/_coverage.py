"""Coverage (R-COVER, R-LEAD), counted where the store counts best and kept up to date.

The first call for a period and subtree rolls up the store's counts (:class:`RunningCoverage`);
the service keeps that and, where the store can say what was written since (the optional
tier's ``coverage_changes``: PostgreSQL, SQLite), later calls count in only that. A store that
cannot say is counted afresh on every call, which is always right.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from reviewflow.domain.office import CoverageReport, RunningCoverage, build_coverage
from reviewflow.domain.periods import Period
from reviewflow.domain.review import ReviewRef, ReviewState
from reviewflow.domain.roster import Roster
from reviewflow.service._core import Core
from reviewflow.service._plans import KEPT, Plans
from reviewflow.store.base import ReviewQuery, by_period_then_id, slot_keys_of

__all__ = ["Coverage"]

_SUBJECTS_BY_NAME = 2_000  # coverage reads the reviews of at most this many subjects by name
_SUBJECTS_IN_CHUNKS = 100_000  # … in chunks of that many; beyond, the whole scope at once
# Coverage reads the cancelled slots of at most this many organizations by name.
_ORGS_BY_NAME = 1_000
# Coverage counts in at most this many history entries written since its last call; beyond,
# it counts the period afresh (one call reads a bounded number of changes, never a backlog).
_CHANGES_AT_MOST = 5_000


class Coverage:
    """A service's coverage reports, each kept up to date from the store's changes."""

    def __init__(self, core: Core, plans: Plans) -> None:
        self.core = core
        self.plans = plans
        self._lock = threading.Lock()
        self._running: dict[tuple[Period, str | None], RunningCoverage] = {}

    def forget(self) -> None:
        """Drop what is kept: the next report is counted afresh."""
        with self._lock:
            self._running.clear()

    def report(self, roster: Roster, period: Period, root_id: str | None) -> CoverageReport:
        """Coverage of ``period`` over the roster or the subtree of ``root_id``."""
        core = self.core
        plan = self.plans.plan(roster, core.policy, period, root_id)
        index = self.plans.index(plan, period, root_id)
        org_ids = self.plans.subtree(roster, root_id)
        if index is None:  # a plan with a slot twice: count review by review
            refs = core.counts.refs(ReviewQuery(within=period, org_ids=org_ids))
            return build_coverage(roster, plan, refs, period, root_id)
        reads = _Reads(core, period, org_ids)
        key = (period, root_id)
        with self._lock:
            running = self._running.get(key)
        if (
            running is not None
            and running.roster is roster
            and running.plan is plan
            and running.index is index
        ):
            kept = self._kept_up(key, running, reads, root_id)
            if kept is not None:
                return kept
        running = RunningCoverage(roster, plan, index, core.counts.coverage_facts(period, org_ids))
        report = running.report(
            reads.slots_of, reads.candidates, period, root_id, reads.cancelled_of
        )
        if running.watermark is not None:
            with self._lock:
                self._running.pop(key, None)
                if len(self._running) >= KEPT:
                    self._running.pop(next(iter(self._running)))
                self._running[key] = running
        return report

    def _kept_up(
        self,
        key: tuple[Period, str | None],
        running: RunningCoverage,
        reads: _Reads,
        root_id: str | None,
    ) -> CoverageReport | None:
        """The kept report with the changes since counted in; None when the store cannot say
        what changed (then the caller counts afresh)."""
        with running.lock:  # one call at a time changes it
            changes = self.core.counts.coverage_changes(
                reads.period, reads.org_ids, running.watermark, _CHANGES_AT_MOST
            )
            if changes is None:
                return None
            try:
                running.add(changes)
                return running.report(
                    reads.slots_of, reads.candidates, reads.period, root_id, reads.cancelled_of
                )
            except BaseException:
                with self._lock:  # half changed: counted afresh next time
                    if self._running.get(key) is running:
                        del self._running[key]
                raise


class _Reads:
    """What a report reads of the store beyond the counts: slots and references of a few
    subjects or organizations, by name where they are few."""

    def __init__(self, core: Core, period: Period, org_ids: frozenset[str] | None) -> None:
        self.counts = core.counts
        self.period = period
        self.org_ids = org_ids
        # Reviews read by subject are few: a large subtree (a city's ten thousand
        # organizations) is tested here rather than sent as a list with each query.
        self.by_org = org_ids is not None and len(org_ids) > _ORGS_BY_NAME
        self.orgs_sent = None if self.by_org else org_ids

    def _in_scope(self, refs: Sequence[ReviewRef]) -> Sequence[ReviewRef]:
        org_ids = self.org_ids
        return [r for r in refs if r.org_id in org_ids] if self.by_org and org_ids else refs

    def slots_of(self, subjects: set[str]) -> tuple[frozenset[str], frozenset[str]]:
        """The live and cancelled slots of ``subjects`` in the period and scope."""
        if len(subjects) <= _SUBJECTS_BY_NAME:
            query = ReviewQuery(
                within=self.period, org_ids=self.orgs_sent, subject_ids=frozenset(subjects)
            )
            if self.by_org:
                return slot_keys_of(self._in_scope(self.counts.refs(query)))
            return self.counts.slot_keys(query)
        # Many subjects: the scope's slots at once cost less than a long IN list.
        return self.counts.slot_keys(ReviewQuery(within=self.period, org_ids=self.org_ids))

    def candidates(self, subjects: set[str]) -> Sequence[ReviewRef]:
        """The references of the reviews of ``subjects`` in the period and scope."""
        if len(subjects) > _SUBJECTS_IN_CHUNKS:  # most of the scope: read it all
            found = self.counts.refs(ReviewQuery(within=self.period, org_ids=self.org_ids))
            return [ref for ref in found if ref.subject_id in subjects]
        # By name, a bounded list at a time (an index lookup a subject), in the stores'
        # order: a million reviews are not read for the few thousand subjects unfilled.
        names = sorted(subjects)
        chunks = [
            frozenset(names[n : n + _SUBJECTS_BY_NAME])
            for n in range(0, len(names), _SUBJECTS_BY_NAME)
        ]
        found_refs = [
            self._in_scope(
                self.counts.refs(
                    ReviewQuery(within=self.period, org_ids=self.orgs_sent, subject_ids=chunk)
                )
            )
            for chunk in chunks
        ]
        if len(found_refs) == 1:
            return found_refs[0]
        return by_period_then_id(ref for refs in found_refs for ref in refs)

    def cancelled_of(self, orgs: set[str]) -> frozenset[str]:
        """The cancelled slots of ``orgs`` in the period."""
        gone = frozenset({ReviewState.CANCELLED})
        # A few organizations by name; many: the scope's cancelled ones (a longer IN list
        # than the databases take would be needed, and extra slots do no harm).
        scope = frozenset(orgs) if len(orgs) <= _ORGS_BY_NAME else self.org_ids
        query = ReviewQuery(within=self.period, org_ids=scope, states=gone)
        return self.counts.slot_keys(query)[1]
