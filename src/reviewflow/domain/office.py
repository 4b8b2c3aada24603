"""The office's work: coverage (R-COVER, R-LEAD), supervision and inspections (R-SUPERVISE),
exemplars and their publicity (R-EXEMPLAR), the yearly summary (R-SUMMARY) and its submission
(R-SUMMARY-SUBMIT), computed from the roster, the plan and the reviews."""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from reviewflow.domain.periods import Period
from reviewflow.domain.planning import GapReason, Plan
from reviewflow.domain.review import Review, ReviewRef, ReviewState
from reviewflow.domain.roster import Roster

# The office's records (orders, inspections, exemplars, submissions) are defined in supervision.py
# and imported from here by the rest of the library, as before they moved.
from reviewflow.domain.supervision import (
    Exemplar,
    ExemplarPublicity,
    Inspection,
    SubmissionStatus,
    SummarySubmission,
    SupervisionOrder,
)
from reviewflow.domain.vocabulary import ReviewKind

__all__ = [
    "ClassCoverage",
    "CoverageGap",
    "CoverageReport",
    "Exemplar",
    "ExemplarPublicity",
    "Inspection",
    "ReviewerRate",
    "SubmissionStatus",
    "SummarySubmission",
    "SupervisionOrder",
    "build_coverage",
]


@attrs.frozen
class CoverageGap:
    """A review the rules call for that is missing, named (R-COVER)."""

    kind: ReviewKind
    """Whether the missing review is of an organization or a member."""
    subject_id: str
    """Who is not reviewed."""
    subject_name: str
    """Their name, for the report."""
    period: Period
    """The period the review is missing for."""
    org_id: str
    """The organization the gap lies in."""
    org_name: str
    """Its name."""
    reviewer_id: str | None
    """Who should review; None when the roster has nobody (``GapReason.NO_REVIEWER``)."""
    reviewer_name: str
    """Their name; empty when there is nobody."""
    reason: GapReason
    """Why the review is missing: not scheduled, no reviewer, or cancelled."""


@attrs.frozen
class ReviewerRate:
    """One reviewer's own completion (R-LEAD)."""

    reviewer_id: str
    """The reviewer."""
    reviewer_name: str
    """Their name."""
    expected: int
    """The reviews the reviewer owes in the period."""
    reviewed: int
    """Those past step 2."""
    closed: int
    """Those closed."""
    waived: int
    """Those waived (not counted as reviewed)."""
    not_applicable: int = 0
    """Those ended as not applicable (R-NA), counted neither way."""

    @property
    def rate(self) -> float:
        """Reviewed share of the reviews neither waived nor not applicable (1.0 when there are
        none)."""
        due = self.expected - self.waived - self.not_applicable
        return self.reviewed / due if due else 1.0


@attrs.frozen
class ClassCoverage:
    """Coverage for one organization type or post category (R-CLASS)."""

    name: str
    """The organization type or post category."""
    expected: int
    """The reviews expected of that class."""
    reviewed: int
    """Those past step 2."""


@attrs.frozen
class CoverageReport:
    """Coverage of a period over a subtree (R-COVER).

    ``expected`` counts the reviews the rules call for (and any others scheduled in the period);
    a review counts as ``reviewed`` once step 2 is concluded, ``closed`` once closed; ``waived``
    are shown apart and never count as covered (R-CAD-3); ``not_applicable`` (不适用, R-NA) are
    counted neither as covered nor as a gap; ``missing`` are named in ``gaps``.
    """

    period: Period
    """The period covered."""
    root_id: str | None
    """The organization whose subtree is covered; None: the whole roster."""
    expected: int
    """The reviews the rules call for, and any others scheduled in the period."""
    reviewed: int
    """Reviews past step 2 (publicizing, rectifying or closed): covered."""
    closed: int
    """Of those, the ones closed."""
    in_progress: int
    """Reviews scheduled and not yet past step 2."""
    waived: int
    """Reviews waived: shown apart, never covered."""
    missing: int
    """Reviews the rules call for that do not exist or were cancelled: each one in ``gaps``."""
    gaps: tuple[CoverageGap, ...]
    """Every missing review, by name."""
    reviewers: tuple[ReviewerRate, ...]
    """Each reviewer's own completion (R-LEAD)."""
    by_org_type: tuple[ClassCoverage, ...]
    """The counts by organization type (R-CLASS)."""
    by_post_category: tuple[ClassCoverage, ...]
    """The counts by member post category (R-CLASS)."""
    not_applicable: int = 0
    """Reviews ended as not applicable (R-NA): neither covered nor a gap."""

    @property
    def rate(self) -> float:
        """Reviewed share of the expected reviews, waived and not applicable ones excluded."""
        due = self.expected - self.waived - self.not_applicable
        return self.reviewed / due if due else 1.0


def build_coverage(
    roster: Roster,
    plan: Plan,
    reviews: Iterable[Review | ReviewRef],
    period: Period,
    root_id: str | None,
) -> CoverageReport:
    """Compare the plan with the reviews of the period: counts, gaps and rates."""
    review_list = list(reviews)
    by_key = {r.key: r for r in review_list}
    # A subject is covered in a period by any live review of it, whoever the reviewer: after a
    # move, the review held by the old head still counts (R-COVER is about the subject); a slot
    # opened again (R-REOPEN) by its later round, when the cancelled one is found by its key.
    by_subject: dict[tuple[ReviewKind, str, Period], list[Review | ReviewRef]] = {}
    for r in review_list:
        if r.state is not ReviewState.CANCELLED:
            by_subject.setdefault((r.kind, r.subject_id, r.period), []).append(r)
    used: set[str] = set()
    gaps: list[CoverageGap] = []
    counts = _Tally(roster)
    tally = counts.review
    cancelled = ReviewState.CANCELLED
    for slot in plan.slots:
        review = by_key.get(slot.key)
        if review is not None and review.state is not cancelled:
            chosen: Review | ReviewRef | None = review
        else:
            chosen = next(
                (
                    r
                    for r in by_subject.get((slot.kind, slot.subject_id, slot.period), ())
                    if r.id not in used
                ),
                None,
            )
        if chosen is not None:
            used.add(chosen.id)
            tally(chosen)
            continue
        counts.missing(slot.reviewer_id, slot.org_id, slot.kind, slot.subject_id)
        gaps.append(
            _gap(
                roster,
                kind=slot.kind,
                subject_id=slot.subject_id,
                period=slot.period,
                org_id=slot.org_id,
                reviewer_id=slot.reviewer_id,
                reason=GapReason.NOT_SCHEDULED if review is None else GapReason.CANCELLED,
            )
        )
    if len(used) < len(review_list):
        planned = {s.key for s in plan.slots}
        for review in review_list:
            if review.id not in used and review.key not in planned:
                tally(review)  # scheduled earlier under a roster that has since changed
    return _report(roster, plan, counts, gaps, period, root_id)


def _report(  # noqa: PLR0917 - what the report is made of
    roster: Roster,
    plan: Plan,
    counts: _Tally,
    gaps: list[CoverageGap],
    period: Period,
    root_id: str | None,
) -> CoverageReport:
    totals, per_reviewer, org_type_counts, category_counts = _roll_up(roster, counts.tallies)
    for planned_gap in plan.gaps:
        totals[_EXPECTED] += 1
        totals[_MISSING] += 1
        gaps.append(
            _gap(
                roster,
                kind=planned_gap.kind,
                subject_id=planned_gap.subject_id,
                period=planned_gap.period,
                org_id=planned_gap.org_id,
                reviewer_id=None,
                reason=planned_gap.reason,
            )
        )
    name = roster.person_name
    reviewers = tuple(
        ReviewerRate(rid, name(rid), *_rate_counts(c)) for rid, c in sorted(per_reviewer.items())
    )
    return _made_report(
        period, root_id, totals,
        tuple(sorted(gaps, key=_gap_order)),
        reviewers, _classes(org_type_counts), _classes(category_counts),
    )  # fmt: skip


def _made_report(  # noqa: PLR0917 - what the report is made of
    period: Period,
    root_id: str | None,
    totals: Sequence[int],
    gaps: tuple[CoverageGap, ...],
    reviewers: tuple[ReviewerRate, ...],
    by_org_type: tuple[ClassCoverage, ...],
    by_post_category: tuple[ClassCoverage, ...],
) -> CoverageReport:
    """The report of ``totals`` (the seven counts, by their indexes) and the rest, made."""
    return CoverageReport(
        period=period,
        root_id=root_id,
        expected=totals[_EXPECTED],
        reviewed=totals[_REVIEWED],
        closed=totals[_CLOSED],
        in_progress=totals[_IN_PROGRESS],
        waived=totals[_WAIVED],
        missing=totals[_MISSING],
        gaps=gaps,
        reviewers=reviewers,
        by_org_type=by_org_type,
        by_post_category=by_post_category,
        not_applicable=totals[_NOT_APPLICABLE],
    )


def slot_key(kind: ReviewKind, reviewer_id: str, subject_id: str, period: Period | str) -> str:
    """A slot as one string: kind, reviewer, subject and period (or its text) joined by the
    unit separator."""
    return f"{kind.value}\x1f{reviewer_id}\x1f{subject_id}\x1f{period}"


def slot_hash(kind: ReviewKind, reviewer_id: str, subject_id: str, period: Period | str) -> int:
    """A slot's fingerprint: the first 40 bits of the BLAKE2b digest of its :func:`slot_key`.

    Stores keep it with each review, so that the database can sum it by organization: 40 bits
    leave room for 2^23 reviews in one sum within a signed 64-bit integer (SQLite's ``SUM``)."""
    return key_hash(slot_key(kind, reviewer_id, subject_id, period))


def key_hash(key: str) -> int:
    """:func:`slot_hash` of a slot already made a :func:`slot_key`."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=5).digest(), "big")


@attrs.frozen
class CoverageFacts:
    """What a store says of the reviews of a period in scope, for coverage, without a record
    read: the live ones counted by reviewer, organization, kind, the member subject's post
    category (None for an organization, "" for a member no longer on the roster) and state,
    each count with the sum of those reviews' :func:`slot_hash` (their fingerprint); and the
    cancelled ones by organization, with theirs (empty: a store that does not say; coverage
    then reads the slots of every organization whose live reviews differ from its plan)."""

    counts: tuple[tuple[str, str, ReviewKind, str | None, ReviewState, int, int], ...]
    """The reviews that are not cancelled, one row per group: ``(reviewer_id, org_id, kind,
    post_category, state, how many, sum of their slot hashes)``."""
    cancelled: tuple[tuple[str, int, int], ...] = ()
    """The cancelled reviews, one row per organization: ``(org_id, how many, sum of their slot
    hashes)``; empty when the store does not say."""
    watermark: object = attrs.field(default=None, eq=False)
    """Where the store stood when it counted (None: it cannot say what changed since): given
    back to the store's ``coverage_changes``, it says what was written after these facts."""


class PlanIndex:
    """A plan's slots as :func:`slot_key` strings, with their places in the plan, and each
    organization's planned slots: their places and their fingerprint (how many, and the sum
    of their :func:`slot_hash`). Kept with the plan: coverage asks for them on every call."""

    def __init__(self, plan: Plan) -> None:
        self.keys = [slot_key(s.kind, s.reviewer_id, s.subject_id, s.period) for s in plan.slots]
        self.place = {k: n for n, k in enumerate(self.keys)}
        self.places: dict[str, list[int]] = {}
        fingerprints: dict[str, tuple[int, int]] = {}
        for n, (slot, key) in enumerate(zip(plan.slots, self.keys, strict=True)):
            self.places.setdefault(slot.org_id, []).append(n)
            count, total = fingerprints.get(slot.org_id, (0, 0))
            fingerprints[slot.org_id] = (count + 1, total + key_hash(key))
        self.fingerprints = fingerprints


class RunningCoverage:
    """:func:`build_coverage` from counts instead of every review, kept up to date: the store's
    facts (:class:`CoverageFacts`) rolled up once, then
    changed by what the store says changed since (:meth:`add`, the facts of the reviews
    written since, their old contributions negative), so that a warm service does not roll up
    a province's hundred thousand organizations again for each call.

    What it keeps is sums (by reviewer, organization type, post category, the totals, each
    organization's fingerprint), so a change adds to them wherever it lands; the organizations
    whose reviews differ from their plan are looked at again only where a change touched them.
    The report keeps its orders: the reviewers in a sorted list patched in place, the plan's
    own gaps sorted once, the others (few) merged into them. Every count a report shows has
    ``expected`` at least 1 (each tallied review and each gap adds to it), which is how an entry
    is known to be present, as in :func:`build_coverage`. Not thread-safe: the caller holds
    ``lock`` while it adds and reports.
    """

    def __init__(self, roster: Roster, plan: Plan, index: PlanIndex, facts: CoverageFacts) -> None:
        self.roster = roster
        self.plan = plan
        self.index = index
        self.watermark: object = facts.watermark
        self.lock = threading.Lock()  # held by whoever adds and reports
        self._held: dict[str, list[int]] = {}
        self._dropped: dict[str, list[int]] = {}
        self._per_reviewer: _Counts = {}
        self._org_types: _Counts = {}
        self._post_categories: _Counts = {}
        self._totals = [0] * _SIZE
        self._org_type: dict[str, str] = {}
        self._differing: set[str] = set()
        self._cancelled_only: set[str] = set()
        self._changed: set[str] = set()  # reviewers whose counts moved since the last report
        self._extra: _Counts = {}  # by reviewer: what the last report added (unfilled slots)
        self._order: list[str] = []  # reviewer ids, sorted, with their rates beside
        self._rates: list[ReviewerRate] = []
        self._fresh = True
        key = _gap_order
        self._plan_gaps = sorted(
            (
                _gap(roster, kind=g.kind, subject_id=g.subject_id, period=g.period,
                     org_id=g.org_id, reviewer_id=None, reason=g.reason)
                for g in plan.gaps
            ),
            key=key,
        )  # fmt: skip
        self._plan_gap_keys = [key(g) for g in self._plan_gaps]
        self._add(facts)
        for org_id in index.fingerprints:
            self._recheck(org_id)

    def add(self, changes: CoverageFacts) -> None:
        """Count ``changes`` in (counts may be negative: a review's former state taken out),
        and take their watermark."""
        for org_id in self._add(changes):
            self._recheck(org_id)
        self.watermark = changes.watermark

    def _add(self, facts: CoverageFacts) -> set[str]:
        touched: set[str] = set()
        held, dropped = self._held, self._dropped
        per_reviewer, org_types, categories = (
            self._per_reviewer, self._org_types, self._post_categories
        )  # fmt: skip
        totals, changed = self._totals, self._changed
        org_type = self._type_of
        member = ReviewKind.MEMBER
        for reviewer_id, org_id, kind, category, state, n, fingerprint in facts.counts:
            found = held.get(org_id)
            if found is None:
                found = held[org_id] = [0, 0]
            found[0] += n
            found[1] += fingerprint
            places = _PLACES[state]
            into = [
                _counts(per_reviewer, reviewer_id), _counts(org_types, org_type(org_id)), totals
            ]  # fmt: skip
            if kind is member:
                into.append(_counts(categories, category or ""))
            for counts in into:
                for place in places:
                    counts[place] += n
            changed.add(reviewer_id)
            touched.add(org_id)
        for org_id, n, fingerprint in facts.cancelled:
            found = dropped.get(org_id)
            if found is None:
                found = dropped[org_id] = [0, 0]
            found[0] += n
            found[1] += fingerprint
            touched.add(org_id)
        return touched

    def _type_of(self, org_id: str) -> str:
        found = self._org_type.get(org_id)
        if found is None:
            org = self.roster.organization(org_id)
            found = self._org_type[org_id] = org.org_type if org else ""
        return found

    def _recheck(self, org_id: str) -> None:
        """Whether ``org_id``'s live reviews differ from its plan (by fingerprint), and if so,
        whether its cancelled reviews make up the difference."""
        self._differing.discard(org_id)
        self._cancelled_only.discard(org_id)
        planned = self.index.fingerprints.get(org_id)
        if planned is None:
            return
        count, total = self._held.get(org_id, (0, 0))
        if (count, total) == planned:
            return
        gone = self._dropped.get(org_id)
        if gone is not None and (count + gone[0], total + gone[1]) == planned:
            self._cancelled_only.add(org_id)
        else:
            self._differing.add(org_id)

    def report(
        self,
        slots_of: Callable[[set[str]], tuple[frozenset[str], frozenset[str]]],
        candidates: Callable[[set[str]], Iterable[ReviewRef]],
        period: Period,
        root_id: str | None,
        cancelled_of: Callable[[set[str]], frozenset[str]],
    ) -> CoverageReport:
        """The report as the facts now stand, the same as :func:`build_coverage` gives: the
        unfilled slots worked out afresh (they are read from the store), everything else from
        the sums kept.

        Every live review is tallied once by :func:`build_coverage` (by its own slot, as
        another slot's stand-in, or as unplanned), so the store's counts of the live reviews
        are the bulk of the report. What is left is worked out from the planned slots with no
        live review of their own, in plan order: a stand-in by subject, counted again when it
        also fills its own slot later in the plan, as :func:`build_coverage` does; or a named
        gap.

        Those slots are found by organization: where the live reviews an organization holds
        have the fingerprint of its planned slots (as many, and the same sum of slot hashes),
        they are its planned slots, and every one of them is filled. Only the planned slots of
        the other organizations are looked at: ``slots_of`` gives the slots of the live and of
        the cancelled reviews of their subjects in scope, and ``candidates`` the live and
        cancelled reviews in scope of the subjects whose slots are still unfilled, in the
        stores' order. Two different sets of slots share a fingerprint with a chance of about
        one in 2^40 (a sum of 40-bit hashes).

        Where an organization's live reviews together with its cancelled ones have its plan's
        fingerprint, its unfilled slots are its cancelled reviews' slots: ``cancelled_of``
        gives the slots of the cancelled reviews of those organizations in scope (it may give
        more), and their other slots are not read."""
        extra = _Tally(self.roster)
        gaps = self._unfilled(extra, slots_of, candidates, cancelled_of)
        more, more_by_reviewer, more_types, more_categories = _roll_up(self.roster, extra.tallies)
        totals = [a + b for a, b in zip(self._totals, more, strict=True)]
        totals[_EXPECTED] += len(self._plan_gaps)
        totals[_MISSING] += len(self._plan_gaps)
        self._patch_reviewers(more_by_reviewer)
        return _made_report(
            period, root_id, totals, self._merged_gaps(gaps), tuple(self._rates),
            _classes(_present(self._org_types, more_types)),
            _classes(_present(self._post_categories, more_categories)),
        )  # fmt: skip

    def _unfilled(
        self,
        counts: _Tally,
        slots_of: Callable[[set[str]], tuple[frozenset[str], frozenset[str]]],
        candidates: Callable[[set[str]], Iterable[ReviewRef]],
        cancelled_of: Callable[[set[str]], frozenset[str]],
    ) -> list[CoverageGap]:
        """The planned slots without a live review of their own, in plan order: each one's
        stand-in tallied into ``counts`` (see :meth:`report`), or its gap."""
        roster, plan, index = self.roster, self.plan, self.index
        places = index.places
        suspect = sorted(n for org_id in self._differing for n in places[org_id])
        cancelled_only = self._cancelled_only
        gaps: list[CoverageGap] = []
        slots = plan.slots
        keys = index.keys
        unmatched: list[int] = []
        cancelled: frozenset[str] = frozenset()
        if suspect:
            live, cancelled = slots_of({slots[n].subject_id for n in suspect})
            unmatched = [n for n in suspect if keys[n] not in live]
        if cancelled_only:
            also = cancelled_of(set(cancelled_only))
            cancelled |= also
            unmatched = sorted(
                [*unmatched, *(n for org_id in cancelled_only for n in places[org_id]
                               if keys[n] in also)]
            )  # fmt: skip
        if not unmatched:
            return gaps
        by_subject: dict[tuple[ReviewKind, str, Period], list[ReviewRef]] = {}
        for ref in candidates({slots[n].subject_id for n in unmatched}):
            if ref.state is not ReviewState.CANCELLED:
                by_subject.setdefault((ref.kind, ref.subject_id, ref.period), []).append(ref)
        standing_in: set[str] = set()
        for n in unmatched:
            key = keys[n]
            slot = slots[n]
            chosen = None
            for ref in by_subject.get((slot.kind, slot.subject_id, slot.period), ()):
                place = index.place.get(slot_key(ref.kind, ref.reviewer_id, ref.subject_id,
                                                 ref.period))  # fmt: skip
                used = ref.id in standing_in or (place is not None and place < n)
                if not used:
                    chosen, chosen_place = ref, place
                    break
            if chosen is not None:
                standing_in.add(chosen.id)
                if chosen_place is not None:  # it fills its own slot later too: counted twice
                    counts.review(chosen)
                continue
            counts.missing(slot.reviewer_id, slot.org_id, slot.kind, slot.subject_id)
            gaps.append(
                _gap(
                    roster, kind=slot.kind, subject_id=slot.subject_id, period=slot.period,
                    org_id=slot.org_id, reviewer_id=slot.reviewer_id,
                    reason=GapReason.CANCELLED if key in cancelled else GapReason.NOT_SCHEDULED,
                )
            )  # fmt: skip
        return gaps

    def _patch_reviewers(self, more: _Counts) -> None:
        """The reviewers' rates with ``more`` (this report's unfilled slots) added: only those
        whose counts moved, or whose added counts did, are made again, in their places."""
        base = self._per_reviewer
        name = self.roster.person_name
        if self._fresh:
            self._fresh = False
            order = sorted({*base, *more})
            self._order, self._rates = [], []
            for rid in order:
                c = _sum(base.get(rid), more.get(rid))
                if c[_EXPECTED]:
                    self._order.append(rid)
                    self._rates.append(ReviewerRate(rid, name(rid), *_rate_counts(c)))
        else:
            order, rates = self._order, self._rates
            for rid in self._changed | self._extra.keys() | more.keys():
                c = _sum(base.get(rid), more.get(rid))
                at = bisect.bisect_left(order, rid)
                present = at < len(order) and order[at] == rid
                if not c[_EXPECTED]:
                    if present:
                        del order[at]
                        del rates[at]
                    continue
                rate = ReviewerRate(rid, name(rid), *_rate_counts(c))
                if present:
                    rates[at] = rate
                else:
                    order.insert(at, rid)
                    rates.insert(at, rate)
        self._changed = set()
        self._extra = more

    def _merged_gaps(self, found: list[CoverageGap]) -> tuple[CoverageGap, ...]:
        """``found`` and the plan's gaps in one order, as a stable sort of ``found`` followed
        by the plan's gaps would give; the plan's gaps are sorted once."""
        if not found:
            return tuple(self._plan_gaps)
        static, static_keys = self._plan_gaps, self._plan_gap_keys
        merged: list[CoverageGap] = []
        start = 0
        for gap in sorted(found, key=_gap_order):
            at = bisect.bisect_left(static_keys, _gap_order(gap), lo=start)
            merged += static[start:at]
            merged.append(gap)
            start = at
        merged += static[start:]
        return tuple(merged)


def _gap_order(gap: CoverageGap) -> tuple[Period, str, ReviewKind, str]:
    return (gap.period, gap.org_id, gap.kind, gap.subject_id)


def _rate_counts(c: list[int]) -> tuple[int, int, int, int, int]:
    return c[_EXPECTED], c[_REVIEWED], c[_CLOSED], c[_WAIVED], c[_NOT_APPLICABLE]


def _counts(into: _Counts, name: str) -> list[int]:
    found = into.get(name)
    if found is None:
        found = into[name] = [0] * _SIZE
    return found


def _sum(a: list[int] | None, b: list[int] | None) -> list[int]:
    if a is None:
        return b if b is not None else [0] * _SIZE
    if b is None:
        return a
    return [x + y for x, y in zip(a, b, strict=True)]


def _present(base: _Counts, more: _Counts) -> _Counts:
    """``base`` and ``more`` added up, without the entries nothing is expected of (absent from
    a report made afresh)."""
    summed = {name: _sum(base.get(name), more.get(name)) for name in {*base, *more}}
    return {name: c for name, c in summed.items() if c[_EXPECTED]}


# A tally's counts, by place: expected, reviewed, closed, in progress, waived, missing, not
# applicable.
_EXPECTED, _REVIEWED, _CLOSED, _IN_PROGRESS, _WAIVED, _MISSING, _NOT_APPLICABLE = range(7)
_SIZE = 7
_Head = tuple[str, str, str | None]  # reviewer, organization, post category of a member subject


def _places(state: ReviewState) -> tuple[int, ...]:
    """The counts a live review in ``state`` adds one to."""
    if state is ReviewState.WAIVED:
        return (_EXPECTED, _WAIVED)
    if state is ReviewState.NOT_APPLICABLE:  # R-NA: neither covered nor a gap
        return (_EXPECTED, _NOT_APPLICABLE)
    if state.reviewed:
        return (
            (_EXPECTED, _REVIEWED, _CLOSED)
            if state is ReviewState.CLOSED
            else (_EXPECTED, _REVIEWED)
        )
    return (_EXPECTED, _IN_PROGRESS)


_PLACES = {state: _places(state) for state in ReviewState}


class _Tally:
    """Every count of a coverage report kept once, by (reviewer, organization, post category of
    a member subject), as seven counts (expected, reviewed, closed, in progress, waived,
    missing, not applicable),
    to be rolled up at the end: a slot costs two increments or three."""

    def __init__(self, roster: Roster) -> None:
        self.tallies: dict[_Head, list[int]] = {}
        self._member = roster.member
        self._categories: dict[str, str] = {}

    def _category(self, kind: ReviewKind, subject_id: str) -> str | None:
        if kind is not ReviewKind.MEMBER:
            return None
        found = self._categories.get(subject_id)
        if found is None:
            subject = self._member(subject_id)
            found = self._categories[subject_id] = subject.post_category if subject else ""
        return found

    def _counts(self, head: _Head) -> list[int]:
        counts = self.tallies.get(head)
        if counts is None:
            counts = self.tallies[head] = [0] * _SIZE
        return counts

    def review(self, review: Review | ReviewRef) -> None:
        state = review.state
        if state is ReviewState.CANCELLED:
            return
        head = (review.reviewer_id, review.org_id, self._category(review.kind, review.subject_id))
        counts = self._counts(head)
        for place in _PLACES[state]:
            counts[place] += 1

    def missing(self, reviewer_id: str, org_id: str, kind: ReviewKind, subject_id: str) -> None:
        counts = self._counts((reviewer_id, org_id, self._category(kind, subject_id)))
        counts[_EXPECTED] += 1
        counts[_MISSING] += 1


_Counts = dict[str, list[int]]


def _add(into: _Counts, name: str, counts: list[int]) -> None:
    found = into.get(name)
    if found is None:
        into[name] = list(counts)
    else:
        for place, n in enumerate(counts):
            found[place] += n


def _roll_up(
    roster: Roster, tallies: dict[_Head, list[int]]
) -> tuple[list[int], _Counts, _Counts, _Counts]:
    """Totals, and counts by reviewer, by organization type and by post category."""
    totals = [0] * _SIZE
    per_reviewer: _Counts = {}
    by_org: _Counts = {}
    category_counts: _Counts = {}
    for (reviewer_id, org_id, member_category), counts in tallies.items():
        _add(per_reviewer, reviewer_id, counts)
        _add(by_org, org_id, counts)
        if member_category is not None:
            _add(category_counts, member_category, counts)
    org_type_counts: _Counts = {}
    for org_id, counts in by_org.items():
        org = roster.organization(org_id)
        _add(org_type_counts, org.org_type if org else "", counts)
        for place, n in enumerate(counts):
            totals[place] += n
    return totals, per_reviewer, org_type_counts, category_counts


def _classes(counts: Mapping[str, list[int]]) -> tuple[ClassCoverage, ...]:
    return tuple(
        ClassCoverage(name, c[_EXPECTED], c[_REVIEWED]) for name, c in sorted(counts.items())
    )


def _gap(
    roster: Roster,
    *,
    kind: ReviewKind,
    subject_id: str,
    period: Period,
    org_id: str,
    reviewer_id: str | None,
    reason: GapReason,
) -> CoverageGap:
    org = roster.organization(org_id)
    return CoverageGap(
        kind=kind,
        subject_id=subject_id,
        subject_name=roster.subject_name(kind, subject_id),
        period=period,
        org_id=org_id,
        org_name=org.name if org else org_id,
        reviewer_id=reviewer_id,
        reviewer_name=roster.person_name(reviewer_id) if reviewer_id else "",
        reason=reason,
    )
