"""The office's records besides coverage: supervision orders and inspections (R-SUPERVISE),
exemplars and their publicity (R-EXEMPLAR), and the yearly summaries submitted
(R-SUMMARY-SUBMIT)."""

from __future__ import annotations

from datetime import date

import attrs

from reviewflow.domain.vocabulary import OrderStatus, ReviewKind

__all__ = [
    "Exemplar",
    "ExemplarPublicity",
    "Inspection",
    "SubmissionStatus",
    "SummarySubmission",
    "SupervisionOrder",
]


@attrs.frozen
class Inspection:
    """A supervision visit (督导检查, R-SUPERVISE): when, by whom, where and what was found.
    The supervision orders it gives rise to name it (``SupervisionOrder.inspection_id``)."""

    id: str
    """The inspection's id; orders it gives rise to name it."""
    org_id: str
    """The organization inspected."""
    on: date
    """The day of the visit."""
    inspectors: tuple[str, ...]
    """Who inspected (names or ids, as the office writes them)."""
    place: str
    """Where the inspection took place."""
    findings: str
    """What was found, as the office writes it down."""
    recorded_by: str
    """The office staff member who recorded it."""
    recorded_on: date
    """The day it was recorded."""


@attrs.frozen
class ExemplarPublicity:
    """One publicity of an exemplar (典型宣传, R-EXEMPLAR): when, in which medium, where."""

    id: str
    """The publicity's id."""
    exemplar_id: str
    """The exemplar made known."""
    org_id: str
    """The exemplar's organization (for reading by subtree)."""
    on: date
    """The day it was made known."""
    medium: str
    """In which medium: a newspaper, the intranet, a meeting ... (free text)."""
    where: str
    """Where it appeared (the paper's name and issue, the page, the meeting)."""
    recorded_by: str
    """The office staff member who recorded it."""
    recorded_on: date
    """The day it was recorded."""


@attrs.frozen
class SummarySubmission:
    """An organization's yearly summary (点评情况总结) handed to the office (R-SUMMARY-SUBMIT):
    who submitted it, when, and the document's reference; ``recorded_by`` is who entered it
    (the head, or the office on the organization's behalf)."""

    id: str
    """The submission's id."""
    org_id: str
    """The organization whose summary it is."""
    year: int
    """The year summarized."""
    reference: str
    """The document's reference (文号, or where it is filed)."""
    submitted_by: str
    """Who submitted it: the organization's head."""
    submitted_on: date
    """The day it was handed to the office."""
    recorded_by: str
    """Who entered the submission: the head, or the office on the organization's behalf."""
    recorded_on: date
    """The day it was entered."""


@attrs.frozen
class SubmissionStatus:
    """Whether one organization has submitted its yearly summary (R-SUMMARY-SUBMIT)."""

    org_id: str
    """The organization."""
    org_name: str
    """Its name."""
    head_id: str | None
    """Its head, who is to submit; None while the post is vacant."""
    year: int
    """The year summarized."""
    due: date
    """The day the summary is due at the office (the policy's ``summary`` deadline)."""
    submission: SummarySubmission | None
    """The submission, or None while none was made."""

    @property
    def submitted(self) -> bool:
        """Whether the summary was submitted (at all)."""
        return self.submission is not None

    @property
    def on_time(self) -> bool:
        """Whether it was submitted by the deadline."""
        return self.submission is not None and self.submission.submitted_on <= self.due


@attrs.frozen
class SupervisionOrder:
    """An ordered rectification within a deadline (责令限期整改, R-SUPERVISE)."""

    id: str
    """The order's id."""
    kind: ReviewKind
    """Whether it is addressed to an organization or a member."""
    subject_id: str
    """The weak organization or member criticized."""
    org_id: str
    """The organization it belongs to (the subject, or the member's organization)."""
    criticism: str
    """The criticism, as the office words it (通报批评)."""
    requirement: str
    """What is to be rectified."""
    deadline: date
    """The day by which it must be done (限期)."""
    issued_by: str
    """The office staff member who issued it."""
    issued_on: date
    """The day it was issued."""
    status: OrderStatus = OrderStatus.ISSUED
    """Issued, reported done, or verified."""
    report: str = ""
    """The subject's report of the rectification; a send-back appends the office's remark
    (``[退回] ...``)."""
    reported_by: str = ""
    """Who reported it."""
    reported_on: date | None = None
    """The day it was reported."""
    verified_by: str = ""
    """The office staff member who verified it; empty until then."""
    verified_on: date | None = None
    """The day it was verified."""
    version: int = 1
    """The number of changes so far, for optimistic concurrency."""
    inspection_id: str | None = None
    """The inspection that gave rise to the order (R-SUPERVISE), if any."""

    def overdue(self, as_of: date) -> bool:
        """Whether the deadline has passed without verified completion."""
        return self.status is not OrderStatus.VERIFIED and self.deadline < as_of


@attrs.frozen
class Exemplar:
    """Advanced deeds found in a review, recorded for publicity (R-EXEMPLAR)."""

    id: str
    """The exemplar's id."""
    kind: ReviewKind
    """Whether the exemplar is an organization or a member."""
    subject_id: str
    """The organization or member whose deeds they are."""
    org_id: str
    """The organization it belongs to (for reading by subtree)."""
    deeds: str
    """The advanced deeds (先进事迹), as recorded."""
    recorded_by: str
    """The office staff member, or the reviewer, who recorded them."""
    recorded_on: date
    """The day they were recorded."""
    source_review_id: str | None = None
    """The review the deeds were found in, if any."""
    publicity: tuple[ExemplarPublicity, ...] = ()
    """Its publicity so far, oldest first (the service lists it; stores keep it apart)."""
