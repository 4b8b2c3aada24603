"""The office's records besides orders and exemplars: inspections (R-SUPERVISE), exemplars'
publicity (R-EXEMPLAR) and the yearly summaries submitted (R-SUMMARY-SUBMIT)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from reviewflow.domain.limits import NAME_MAX, check_id, check_text
from reviewflow.domain.office import (
    Exemplar,
    ExemplarPublicity,
    Inspection,
    SubmissionStatus,
    SummarySubmission,
)
from reviewflow.domain.payloads import StepInput
from reviewflow.domain.roster import Roster
from reviewflow.domain.scope import heads, require_known, require_office
from reviewflow.domain.vocabulary import OrgKind
from reviewflow.errors import CalendarDataMissing, InvalidInput, NotFound, OutOfScope
from reviewflow.reasons import because
from reviewflow.service._core import Core
from reviewflow.store.base import ChangeSet

__all__ = ["Records"]


class Records:
    """The office's records of one service: what they say, and who may read and write them."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def record_inspection(
        self,
        actor: str,
        *,
        org_id: str,
        on: date,
        inspectors: Iterable[str],
        place: str,
        findings: str,
    ) -> Inspection:
        """See :meth:`ReviewService.record_inspection`."""
        with self.core.refusals(actor, "record_inspection"):
            roster = self.core.store.roster()
            check_id("org_id", org_id)
            require_office(roster, actor, org_id, "record an inspection")
            if roster.organization(org_id) is None:
                raise NotFound("organization", org_id)
            inspection = Inspection(
                id=self.core.ids("inspection"),
                org_id=org_id,
                on=self._past_day(actor, "on", on),
                inspectors=_names("inspectors", inspectors),
                place=_filled("place", place, NAME_MAX),
                findings=_filled("findings", findings),
                recorded_by=actor,
                recorded_on=self.core.today(),
            )
            self.core.store.apply(ChangeSet(inspections=(inspection,)))
        return inspection

    def inspections(
        self, actor: str, *, root_id: str | None = None, year: int | None = None
    ) -> tuple[Inspection, ...]:
        """See :meth:`ReviewService.inspections`."""
        with self.core.refusals(actor, "read_inspections"):
            roster = self.core.store.roster()
            require_known(roster, actor, "read the inspections")
            if root_id is not None and roster.organization(root_id) is None:
                raise NotFound("organization", root_id)
            if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
                raise InvalidInput("year", year, because("a_year"))
        return tuple(
            i
            for i in self.core.store.office_records().inspections
            if roster.in_subtree(i.org_id, root_id)
            and (year is None or i.on.year == year)
            and (roster.is_office(actor) or heads(roster, actor, i.org_id))
        )

    def check_inspection(self, roster: Roster, inspection_id: object, org_id: str) -> None:
        """Refuse an order's ``inspection_id`` that names no inspection, or one of an
        organization the order's subject does not lie within (R-SUPERVISE)."""
        check_id("inspection_id", inspection_id)
        found = next(
            (i for i in self.core.store.office_records().inspections if i.id == inspection_id), None
        )
        if found is None:
            raise NotFound("inspection", inspection_id)
        if found.org_id != org_id and found.org_id not in roster.ancestors(org_id):
            raise InvalidInput(
                "inspection_id",
                inspection_id,
                because("inspection_elsewhere", org=found.org_id),
            )

    def with_publicity(self, exemplars: Iterable[Exemplar]) -> tuple[Exemplar, ...]:
        """``exemplars``, each listing its publicity (R-EXEMPLAR)."""
        listed = list(exemplars)
        if not listed:
            return ()
        by_exemplar: dict[str, list[ExemplarPublicity]] = {}
        for publicity in self.core.store.office_records().exemplar_publicity:
            by_exemplar.setdefault(publicity.exemplar_id, []).append(publicity)
        return tuple(attrs.evolve(e, publicity=tuple(by_exemplar.get(e.id, ()))) for e in listed)

    def record_publicity(
        self, actor: str, exemplar_id: str, *, on: date, medium: str, where: str
    ) -> Exemplar:
        """See :meth:`ReviewService.record_publicity`."""
        with self.core.refusals(actor, "record_publicity"):
            check_id("exemplar_id", exemplar_id)
            roster = self.core.store.roster()
            require_office(roster, actor, exemplar_id, "record an exemplar's publicity")
            exemplar = next((e for e in self.core.store.exemplars() if e.id == exemplar_id), None)
            if exemplar is None:
                raise NotFound("exemplar", exemplar_id)
            day = self._past_day(actor, "on", on)
            publicity = ExemplarPublicity(
                id=self.core.ids("publicity"),
                exemplar_id=exemplar_id,
                org_id=exemplar.org_id,
                on=day,
                medium=_filled("medium", medium, NAME_MAX),
                where=_filled("where", where, NAME_MAX),
                recorded_by=actor,
                recorded_on=self.core.today(),
            )
            self.core.store.apply(ChangeSet(exemplar_publicity=(publicity,)))
        return self.with_publicity([exemplar])[0]

    # -- the yearly summary's submission (R-SUMMARY-SUBMIT) ---------------------------------------

    def submit_summary(
        self,
        actor: str,
        org_id: str,
        year: int,
        *,
        reference: str,
        submitted_on: date | None = None,
    ) -> SummarySubmission:
        """See :meth:`ReviewService.submit_summary`."""
        with self.core.refusals(actor, "submit_summary"):
            check_id("org_id", org_id)
            roster = self.core.store.roster()
            org = roster.organization(org_id)
            if org is None:
                raise NotFound("organization", org_id)
            head = roster.head_of(org_id)
            if org.kind is OrgKind.GROUP:
                raise InvalidInput("org_id", org_id, because("group_no_summary"))
            if not (roster.is_office(actor) or (head is not None and head.id == actor)):
                raise OutOfScope(
                    actor, org_id, "submit the yearly summary",
                    because("only_office_or_own_head"),
                )  # fmt: skip
            chosen = self._year(year)
            day = self._past_day(actor, "submitted_on", submitted_on)
            if day.year < chosen:
                raise InvalidInput("submitted_on", day, because("summary_before_year", year=chosen))
            earlier = next(
                (
                    s
                    for s in self.core.store.office_records().submissions
                    if (s.org_id, s.year) == (org_id, chosen)
                ),
                None,
            )
            if earlier is not None:
                raise InvalidInput(
                    "year",
                    chosen,
                    because(
                        "summary_submitted",
                        year=chosen,
                        org=org_id,
                        on=earlier.submitted_on,
                        reference=earlier.reference,
                    ),
                )
            submission = SummarySubmission(
                id=self.core.ids("submission"),
                org_id=org_id,
                year=chosen,
                reference=_filled("reference", reference, NAME_MAX),
                submitted_by=head.id if head is not None else actor,
                submitted_on=day,
                recorded_by=actor,
                recorded_on=self.core.today(),
            )
            self.core.store.apply(ChangeSet(submissions=(submission,)))
        return submission

    def summary_submissions(self, actor: str, year: int) -> tuple[SubmissionStatus, ...]:
        """See :meth:`ReviewService.summary_submissions`."""
        with self.core.refusals(actor, "summary_submissions"):
            roster = self.core.store.roster()
            require_known(roster, actor, "list the summaries submitted")
            chosen = self._year(year)
            found = self.submission_roll(roster, chosen)
            if roster.is_office(actor):
                return found
            if not any(heads(roster, actor, o.org_id) for o in found):
                raise OutOfScope(
                    actor, "the summaries submitted", "list the summaries submitted",
                    because("only_office_or_any_head"),
                )  # fmt: skip
        return tuple(o for o in found if heads(roster, actor, o.org_id))

    def submission_roll(self, roster: Roster, year: int) -> tuple[SubmissionStatus, ...]:
        """Every Party organization (not a group, R-SUBJ) that exists on the year's summary
        deadline, with its submission or None, in the roster's order."""
        due = self.summary_due(year)
        submitted = {
            s.org_id: s for s in self.core.store.office_records().submissions if s.year == year
        }
        head = roster.head_of
        return tuple(
            SubmissionStatus(
                org_id=org.id,
                org_name=org.name,
                head_id=found.id if (found := head(org.id)) is not None else None,
                year=year,
                due=due,
                submission=submitted.get(org.id),
            )
            for org in roster.organizations.values()
            if org.kind is not OrgKind.GROUP
            and (org.founded_on is None or org.founded_on <= due)
            and (org.dissolved_on is None or org.dissolved_on > due)
        )

    def summary_due(self, year: int) -> date:
        """The deadline of ``year``'s summary: the policy's (12-30 by default)."""
        return self.core.policy.summary_deadline.due(
            date(year, 1, 1), self.core.calendar, year=year
        )

    def _year(self, year: object) -> int:
        if isinstance(year, bool) or not isinstance(year, int):
            raise InvalidInput("year", year, because("a_year"))
        today = self.core.today()
        if not 1900 <= year <= today.year:
            raise InvalidInput("year", year, because("a_year_up_to", year=today.year))
        return year

    def _past_day(self, actor: str, field: str, day: object) -> date:
        """``day`` (today when None): a date not in the future."""
        return StepInput(actor, self.core.today(), self.core.ids, self.core.calendar).past_or_today(
            field, day
        )

    def summaries_due(self, today: date) -> tuple[SubmissionStatus, ...]:
        """The organizations that have not submitted the summary whose deadline lies nearest
        to ``today`` (R-SUMMARY-SUBMIT): this year's from mid-year on, last year's before."""
        dues: dict[int, date] = {}
        for year in (today.year - 1, today.year, today.year + 1):
            try:
                dues[year] = self.summary_due(year)
            except CalendarDataMissing:
                continue  # R-DEADLINE: a year the calendar lacks is not the one asked about
        if not dues:
            return ()
        year = min(dues, key=lambda y: abs((dues[y] - today).days))
        roster = self.core.store.roster()
        return tuple(s for s in self.submission_roll(roster, year) if not s.submitted)


def _filled(field: str, value: object, limit: int | None = None) -> str:
    """``value``, a text with something in it (R-INPUT's limits)."""
    text = check_text(field, value) if limit is None else check_text(field, value, limit)
    if not text.strip():
        raise InvalidInput(field, text, because("empty"))
    return text


def _names(field: str, value: object) -> tuple[str, ...]:
    """``value``, one or more names (not a single text)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput(field, value, because("names_list"))
    names = tuple(_filled(field, name, NAME_MAX) for name in value)
    if not names:
        raise InvalidInput(field, value, because("name_one"))
    return names
