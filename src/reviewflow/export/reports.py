"""The office's workbooks (.xlsx): the rectification ledger (整改台账), coverage (R-COVER, R-LEAD,
R-CLASS) and the yearly summary (点评情况总结, R-SUMMARY).

Every number is the library's own (``service.coverage``, ``service.summary``) or counted from the
reviews the actor may read; nothing is written when the library refuses the actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.page import PageMargins  # type: ignore[import-untyped]
from openpyxl.worksheet.properties import PageSetupProperties  # type: ignore[import-untyped]

import reviewflow as rf
from reviewflow.export._common import heading, paren, period_label, sheet_names, with_suffix

__all__ = ["coverage_workbook", "ledger_workbook", "summary_workbook"]

DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0.0%"

LEDGER_COLUMNS = (
    "org_name",
    "subject",
    "reviewer",
    "held_on",
    "requirement_text",
    "measure",
    "owner_col",
    "due_col",
    "status_col",
    "done_on_col",
)
"""The ledger's columns, as heading keys."""

LEDGER_TOTAL_COLUMNS = ("org_name", "requirements_count", "items", "items_done", "items_overdue")
COVERAGE_NUMBERS = (
    "expected", "reviewed", "closed", "in_progress", "waived", "not_applicable", "missing", "rate",
)  # fmt: skip
REVIEWER_COLUMNS = (
    "reviewer", "expected", "reviewed", "closed", "waived", "not_applicable", "reviewer_rate",
)  # fmt: skip
REVIEW_COLUMNS = ("period", "kind", "subject", "reviewer", "state")
GAP_COLUMNS = ("period", "kind", "subject", "reviewer", "reason")

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_OVERDUE = Font(color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_OVERDUE_FILL = PatternFill("solid", fgColor="FCE4E4")
_WRAP = Alignment(wrap_text=True, vertical="top")


# -- the rectification ledger (整改台账) -------------------------------------------------------


def ledger_workbook(
    service: rf.ReviewService,
    actor: str,
    period: rf.Period | str,
    path: str | Path,
    *,
    root_id: str | None = None,
    lang: str = "zh",
) -> Path:
    """Write the rectification ledger of ``period`` as ``.xlsx``; returns the path.

    One sheet per organization with a ledger, one row per ledger item (a requirement with no
    item yet has a row of its own with the item's columns empty), over the reviews held
    (step 2 concluded) that the actor may read; then a totals sheet (汇总) with the
    requirements, items, items done and items overdue (not done, due before today) per
    organization and in total. Overdue rows are shown in red.
    """
    roster = service.roster()
    _check_root(roster, root_id)
    today = service.today()
    reviews = [
        r for r in service.reviews(actor, within=period, root_id=root_id) if r.state.reviewed
    ]
    reviews.sort(key=lambda r: (r.period.start, r.period, r.kind, r.subject_id, r.id))
    rows_by_org, totals_by_org = _ledger_by_org(roster, reviews, today, lang)
    org_ids = _in_roster_order(roster, rows_by_org)
    title_period = period_label(_as_period(period), lang)

    book = Workbook()
    totals = book.active
    totals.title = heading("totals_sheet", lang)
    names = sheet_names((_org_name(roster, o) for o in org_ids), taken=[totals.title])
    for org_id, name in zip(org_ids, names, strict=True):
        sheet = book.create_sheet(name)
        _ledger_sheet(sheet, _org_name(roster, org_id), rows_by_org[org_id], title_period, lang)
    _ledger_totals(totals, roster, [(o, totals_by_org[o]) for o in org_ids], title_period, lang)
    return _save(book, Path(path))


def _ledger_by_org(
    roster: rf.Roster, reviews: Sequence[rf.Review], today: date, lang: str
) -> tuple[dict[str, list[tuple[list[Any], bool]]], dict[str, list[int]]]:
    """The ledger's rows of each organization (with whether each is overdue), and its counts:
    requirements, items, items done, items overdue."""
    rows_by_org: dict[str, list[tuple[list[Any], bool]]] = {}
    totals_by_org: dict[str, list[int]] = {}
    for review in reviews:
        if not review.requirements and not review.ledger:
            continue
        rows = rows_by_org.setdefault(review.org_id, [])
        counts = totals_by_org.setdefault(review.org_id, [0, 0, 0, 0])
        counts[0] += len(review.requirements)
        for requirement, item in _ledger_lines(review):
            overdue = item is not None and _overdue(item, today)
            if item is not None:
                counts[1] += 1
                counts[2] += int(item.status is rf.ItemStatus.DONE)
                counts[3] += int(overdue)
            rows.append((_ledger_row(roster, review, requirement, item, lang), overdue))
    return rows_by_org, totals_by_org


def _ledger_sheet(
    sheet: Any,
    org_name: str,
    rows: Sequence[tuple[list[Any], bool]],
    title_period: str,
    lang: str,
) -> None:
    """One organization's ledger, its overdue rows in red."""
    _title(sheet, f"{org_name} {heading('ledger_title', lang)}" + paren(title_period, lang))
    _header(sheet, 2, [heading(c, lang) for c in LEDGER_COLUMNS])
    for i, (values, overdue) in enumerate(rows, 3):
        _write_row(sheet, i, values, font=_OVERDUE if overdue else None)
        if overdue:
            for cell in sheet[i]:
                cell.fill = _OVERDUE_FILL
    _widths(sheet, (16, 14, 10, 12, 36, 30, 10, 12, 10, 12))
    sheet.freeze_panes = "A3"


def _ledger_totals(
    sheet: Any,
    roster: rf.Roster,
    counts_by_org: Sequence[tuple[str, list[int]]],
    title_period: str,
    lang: str,
) -> None:
    """The totals sheet (汇总): each organization's counts, then the grand total."""
    totals_title = (
        f"{heading('ledger_title', lang)}: {heading('totals_sheet', lang)}"
        if lang == "en"
        else f"{heading('ledger_title', lang)}{heading('totals_sheet', lang)}"
    )
    _title(sheet, totals_title + paren(title_period, lang))
    _header(sheet, 2, [heading(c, lang) for c in LEDGER_TOTAL_COLUMNS])
    row = 3
    grand = [0, 0, 0, 0]
    for org_id, counts in counts_by_org:
        _write_row(sheet, row, [_org_name(roster, org_id), *counts])
        grand = [a + b for a, b in zip(grand, counts, strict=True)]
        row += 1
    _write_row(sheet, row, [heading("total_row", lang), *grand], font=_BOLD)
    _widths(sheet, (20, 12, 12, 12, 12))
    sheet.freeze_panes = "A3"


def _ledger_lines(
    review: rf.Review,
) -> list[tuple[rf.RectificationRequirement | None, rf.RectificationItem | None]]:
    """Each item with its requirement, in requirement order; requirements without items alone."""
    lines: list[tuple[rf.RectificationRequirement | None, rf.RectificationItem | None]] = []
    known = {r.id for r in review.requirements}
    for requirement in review.requirements:
        items = [i for i in review.ledger if i.requirement_id == requirement.id]
        lines.extend((requirement, i) for i in items)
        if not items:
            lines.append((requirement, None))
    lines.extend((None, i) for i in review.ledger if i.requirement_id not in known)
    return lines


def _overdue(item: rf.RectificationItem, today: date) -> bool:
    return item.status is not rf.ItemStatus.DONE and item.due < today


def _ledger_row(
    roster: rf.Roster,
    review: rf.Review,
    requirement: rf.RectificationRequirement | None,
    item: rf.RectificationItem | None,
    lang: str,
) -> list[Any]:
    return [
        _org_name(roster, review.org_id),
        roster.subject_name(review.kind, review.subject_id),
        roster.person_name(review.reviewer_id),
        review.method.held_on if review.method else None,
        requirement.text if requirement else "",
        item.measure if item else "",
        item.owner if item else "",
        item.due if item else None,
        item.status.label(lang) if item else "",
        item.done_on if item else None,
    ]


# -- coverage (R-COVER, R-LEAD, R-CLASS) -------------------------------------------------------


def coverage_workbook(
    service: rf.ReviewService,
    actor: str,
    period: rf.Period | str,
    path: str | Path,
    *,
    root_id: str | None = None,
    lang: str = "zh",
) -> Path:
    """Write the coverage of ``period`` as ``.xlsx``; returns the path.

    The totals sheet (汇总) holds :meth:`ReviewService.coverage`'s numbers, each reviewer's own
    rate (R-LEAD) and the breakdown by organization type and post category (R-CLASS); then one
    sheet per organization with the reviews the actor may read (subject, reviewer, state) and
    its gaps with the reason. Coverage is for the office and heads (the library decides).
    """
    report = service.coverage(actor, period, root_id=root_id)
    roster = service.roster()
    reviews = service.reviews(actor, within=report.period, root_id=root_id)
    with_data = {r.org_id for r in reviews} | {g.org_id for g in report.gaps}
    org_ids = _organizations(roster, root_id, with_data)

    book = Workbook()
    totals = book.active
    totals.title = heading("totals_sheet", lang)
    scope = _org_name(roster, root_id) if root_id is not None else heading("all_orgs", lang)
    _coverage_totals(totals, report, scope, lang)
    names = sheet_names((_org_name(roster, o) for o in org_ids), taken=[totals.title])
    for org_id, name in zip(org_ids, names, strict=True):
        title = _org_name(roster, org_id) + paren(period_label(report.period, lang), lang)
        own = _review_lines(roster, (r for r in reviews if r.org_id == org_id), lang)
        gaps = [_gap_line(g, lang) for g in report.gaps if g.org_id == org_id]
        _coverage_org_sheet(book.create_sheet(name), title, own, gaps, lang)
    return _save(book, Path(path))


def _coverage_totals(sheet: Any, report: rf.CoverageReport, scope: str, lang: str) -> None:
    """The totals sheet (汇总): the scope, the coverage numbers, each reviewer's rate (R-LEAD) and
    the breakdown by organization type and post category (R-CLASS)."""
    _title(
        sheet,
        f"{heading('coverage_title', lang)}, {report.period}"
        if lang == "en"
        else f"{period_label(report.period, lang)}{heading('coverage_title', lang)}",
    )
    row = _label_rows(sheet, 2, [(heading("scope", lang), scope)])
    values = {
        "expected": report.expected,
        "reviewed": report.reviewed,
        "closed": report.closed,
        "in_progress": report.in_progress,
        "waived": report.waived,
        "not_applicable": report.not_applicable,
        "missing": report.missing,
        "rate": report.rate,
    }
    row = _label_rows(sheet, row, [(heading(k, lang), values[k]) for k in COVERAGE_NUMBERS])
    sheet.cell(row - 1, 2).number_format = RATE_FORMAT
    row = _reviewer_rates(sheet, row + 1, report.reviewers, lang)
    for key, classes in (
        ("by_org_type", report.by_org_type),
        ("by_post_category", report.by_post_category),
    ):
        columns = [heading(c, lang) for c in ("class_name", "expected", "reviewed")]
        lines = ([c.name, c.expected, c.reviewed] for c in classes)
        row = _table(sheet, row + 1, heading(key, lang), columns, lines)
    _widths(sheet, (22, 12, 12, 12, 12, 12, 12))


def _reviewer_rates(sheet: Any, row: int, rates: Sequence[rf.ReviewerRate], lang: str) -> int:
    """Each reviewer's own rate (R-LEAD) from ``row`` on; returns the next free row."""
    lines = (
        [r.reviewer_name, r.expected, r.reviewed, r.closed, r.waived, r.not_applicable, r.rate]
        for r in rates
    )
    columns = [heading(c, lang) for c in REVIEWER_COLUMNS]
    end = _table(sheet, row, heading("reviewer_rates", lang), columns, lines)
    for line in range(row + 2, end):  # below the table's title and header
        sheet.cell(line, len(REVIEWER_COLUMNS)).number_format = RATE_FORMAT
    return end


def _coverage_org_sheet(
    sheet: Any,
    title: str,
    reviews: Sequence[Sequence[Any]],
    gaps: Sequence[Sequence[Any]],
    lang: str,
) -> None:
    """One organization's sheet: the rows of its reviews, then of its gaps."""
    _title(sheet, title)
    columns = [heading(c, lang) for c in REVIEW_COLUMNS]
    row = _table(sheet, 2, heading("reviews", lang), columns, reviews)
    columns = [heading(c, lang) for c in GAP_COLUMNS]
    _table(sheet, row + 1, heading("gaps", lang), columns, gaps)
    _widths(sheet, (12, 12, 20, 12, 16))


_KIND_ORDER = {rf.ReviewKind.ORGANIZATION: 0, rf.ReviewKind.MEMBER: 1}


def _review_lines(roster: rf.Roster, reviews: Iterable[rf.Review], lang: str) -> list[list[Any]]:
    """The reviews' rows (subject, reviewer, state), organizations before members."""
    own = sorted(
        reviews,
        key=lambda r: (r.period.start, r.period, _KIND_ORDER[r.kind], r.subject_id, r.id),
    )
    return [
        [
            str(review.period),
            review.kind.label(lang),
            roster.subject_name(review.kind, review.subject_id),
            roster.person_name(review.reviewer_id),
            review.state.label(lang),
        ]
        for review in own
    ]


def _gap_line(gap: rf.CoverageGap, lang: str) -> list[Any]:
    """A gap's row, with the reason."""
    return [
        str(gap.period),
        gap.kind.label(lang),
        gap.subject_name,
        gap.reviewer_name or heading("none", lang),
        gap.reason.label(lang),
    ]


# -- the yearly summary (点评情况总结, R-SUMMARY) ----------------------------------------------


def summary_workbook(
    service: rf.ReviewService,
    actor: str,
    org_id: str,
    year: int | rf.Period | str,
    path: str | Path,
    *,
    lang: str = "zh",
) -> Path:
    """Write the yearly summary of ``org_id``'s subtree as ``.xlsx``; returns the path.

    The totals sheet (汇总) is :meth:`ReviewService.summary` of ``org_id`` (its whole subtree)
    with a table of every organization's main numbers; then one sheet per organization of the
    subtree (Party groups, which are not reviewed on their own, excepted), each that
    organization's own summary (with the organizations below it, as the library counts).
    """
    total = service.summary(actor, org_id, year)
    roster = service.roster()
    org_ids = [
        o for o in roster.subtree(org_id) if roster.organizations[o].kind is not rf.OrgKind.GROUP
    ]
    summaries = [service.summary(actor, o, year) for o in org_ids]

    book = Workbook()
    totals = book.active
    totals.title = heading("totals_sheet", lang)
    row = _summary_block(totals, roster, total, lang)
    row = _section(totals, row + 1, heading("organizations", lang))
    _header(
        totals,
        row,
        [
            heading(k, lang)
            for k in (
                "org_col",
                "reviews_held",
                "expected",
                "rate",
                "requirements_raised",
                "items_done",
                "items_overdue",
                "orders_issued",
                "exemplar_count",
                "submitted_on",
            )
        ],
    )
    row += 1
    for summary in summaries:
        _write_row(totals, row, _summary_line(summary, lang))
        totals.cell(row, 4).number_format = RATE_FORMAT
        row += 1
    names = sheet_names((s.org_name for s in summaries), taken=[totals.title])
    for summary, name in zip(summaries, names, strict=True):
        _summary_block(book.create_sheet(name), roster, summary, lang)
    return _save(book, Path(path))


def summary_values(summary: rf.Summary) -> dict[str, Any]:
    """The numbers of a summary by heading key, as the workbook shows them."""
    coverage = summary.coverage
    return {
        "expected": coverage.expected,
        "reviewed": coverage.reviewed,
        "closed": coverage.closed,
        "in_progress": coverage.in_progress,
        "waived": coverage.waived,
        "not_applicable": coverage.not_applicable,
        "missing": coverage.missing,
        "rate": coverage.rate,
        "requirements_raised": summary.requirements_raised,
        "items_done": summary.items_done,
        "items_overdue": summary.items_overdue,
        "orders_issued": summary.orders_issued,
        "orders_verified": summary.orders_verified,
        "orders_overdue": summary.orders_overdue,
        "inspection_count": len(summary.inspections),
        "exemplar_count": len(summary.exemplars),
    }


def _submitted_on(summary: rf.Summary, lang: str) -> date | str:
    """When the summary was submitted (R-SUMMARY-SUBMIT), or 未报送."""
    submission = summary.submission
    return submission.submitted_on if submission else heading("not_submitted", lang)


def _summary_line(summary: rf.Summary, lang: str) -> list[Any]:
    values = summary_values(summary)
    return [
        summary.org_name,
        sum(summary.reviews_by_kind.values()),
        values["expected"],
        values["rate"],
        values["requirements_raised"],
        values["items_done"],
        values["items_overdue"],
        values["orders_issued"],
        values["exemplar_count"],
        _submitted_on(summary, lang),
    ]


def _summary_block(sheet: Any, roster: rf.Roster, summary: rf.Summary, lang: str) -> int:
    values = summary_values(summary)
    submission = summary.submission  # R-SUMMARY-SUBMIT: who submitted it, when, its reference
    submitted_by = roster.person_name(submission.submitted_by) if submission else ""
    year = f"{summary.year}" if lang == "en" else f"{summary.year}年"
    _title(
        sheet,
        f"{summary.org_name} {year} {heading('summary_title', lang)}"
        f"{heading('summary_scope', lang)}",
    )
    row = _label_rows(
        sheet,
        2,
        [
            (heading("org_name", lang), summary.org_name),
            (heading("year", lang), summary.year),
            (heading("summary_due", lang), summary.due),
            (heading("submitted_on", lang), _submitted_on(summary, lang)),
            (heading("submitted_by", lang), submitted_by),
            (heading("submission_reference", lang), submission.reference if submission else ""),
        ],
    )
    row = _section(sheet, row + 1, heading("by_kind", lang))
    row = _label_rows(sheet, row, [(k.label(lang), n) for k, n in summary.reviews_by_kind.items()])
    row = _section(sheet, row + 1, heading("by_method", lang))
    row = _label_rows(
        sheet, row, [(m.label(lang), n) for m, n in summary.reviews_by_method.items()]
    )
    row = _section(sheet, row + 1, heading("coverage", lang))
    row = _label_rows(sheet, row, [(heading(k, lang), values[k]) for k in COVERAGE_NUMBERS])
    sheet.cell(row - 1, 2).number_format = RATE_FORMAT
    row = _section(sheet, row + 1, heading("rectification", lang))
    row = _label_rows(
        sheet,
        row,
        [(heading(k, lang), values[k]) for k in ("requirements_raised", "items_done",
                                                  "items_overdue")],
    )  # fmt: skip
    row = _section(sheet, row + 1, heading("supervision", lang))
    row = _label_rows(
        sheet,
        row,
        [(heading(k, lang), values[k]) for k in ("inspection_count", "orders_issued",
                                                  "orders_verified", "orders_overdue")],
    )  # fmt: skip
    row = _section(sheet, row + 1, heading("exemplars", lang))
    row = _label_rows(sheet, row, [(heading("exemplar_count", lang), len(summary.exemplars))])
    _header(sheet, row, [heading(k, lang) for k in ("subject", "deeds", "recorded_on")])
    row += 1
    for exemplar in summary.exemplars:
        _write_row(
            sheet,
            row,
            [roster.subject_name(exemplar.kind, exemplar.subject_id), exemplar.deeds,
             exemplar.recorded_on],
        )  # fmt: skip
        row += 1
    _widths(sheet, (24, 40, 14, 12, 14, 12, 12, 14, 12))
    return row


# -- helpers -----------------------------------------------------------------------------------


def _check_root(roster: rf.Roster, root_id: str | None) -> None:
    if root_id is not None and roster.organization(root_id) is None:
        raise rf.NotFound("organization", root_id)


def _as_period(period: rf.Period | str) -> rf.Period:
    return period if isinstance(period, rf.Period) else rf.Period.parse(period)


def _org_name(roster: rf.Roster, org_id: str) -> str:
    org = roster.organization(org_id)
    return org.name if org is not None else org_id


def _roster_order(roster: rf.Roster) -> dict[str, int]:
    ordered = [o for root in roster.roots() for o in roster.subtree(root.id)]
    return {o: i for i, o in enumerate(ordered)}


def _in_roster_order(roster: rf.Roster, org_ids: Iterable[str]) -> list[str]:
    order = _roster_order(roster)
    return sorted(org_ids, key=lambda o: (order.get(o, len(order)), o))


def _organizations(roster: rf.Roster, root_id: str | None, with_data: set[str]) -> list[str]:
    """The organizations of the scope that are reviewed (Party groups are not), in tree order:
    the active ones, and any other with reviews or gaps."""
    scope = (
        roster.subtree(root_id)
        if root_id is not None
        else [o for root in roster.roots() for o in roster.subtree(root.id)]
    )
    chosen = {
        o
        for o in scope
        if roster.organizations[o].kind is not rf.OrgKind.GROUP
        and (roster.organizations[o].active or o in with_data)
    }
    return _in_roster_order(roster, chosen | with_data)


def _title(sheet: Any, text: str) -> None:
    _write_cell(sheet, 1, 1, text).font = _TITLE


def _header(sheet: Any, row: int, labels: Sequence[str]) -> None:
    for column, label in enumerate(labels, 1):
        cell = _write_cell(sheet, row, column, label)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL


def _table(
    sheet: Any, row: int, title: str, columns: Sequence[str], lines: Iterable[Sequence[Any]]
) -> int:
    """A table from ``row`` on: its title, its header, a row per line; returns the next free
    row."""
    row = _section(sheet, row, title)
    _header(sheet, row, columns)
    row += 1
    for values in lines:
        _write_row(sheet, row, values)
        row += 1
    return row


def _section(sheet: Any, row: int, text: str) -> int:
    _write_cell(sheet, row, 1, text).font = _BOLD
    return row + 1


def _label_rows(sheet: Any, row: int, pairs: Sequence[tuple[str, Any]]) -> int:
    for label, value in pairs:
        _write_cell(sheet, row, 1, label).font = _BOLD
        _write_cell(sheet, row, 2, value)
        row += 1
    return row


def _write_row(sheet: Any, row: int, values: Sequence[Any], *, font: Any = None) -> None:
    for column, value in enumerate(values, 1):
        cell = _write_cell(sheet, row, column, value)
        if font is not None:
            cell.font = font


def _write_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """One cell. Text is always written as text: openpyxl would store a text that begins with
    ``=`` as a formula, which Excel and WPS evaluate on opening (a member named
    ``=HYPERLINK(...)`` or a ledger measure typed by a review's subject). A control character
    a workbook cannot hold (stored before R-INPUT refused them) becomes a space, so that no
    stored text stops an export."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
    cell = sheet.cell(row, column, value)
    if isinstance(value, str):
        cell.data_type = "s"
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if isinstance(value, str) and len(value) > 20:
        cell.alignment = _WRAP
    return cell


def _widths(sheet: Any, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width


PORTRAIT_WIDTH = 95
"""The widest sheet (in Excel's column width units) printed portrait on A4; a wider one is
printed landscape."""


def _print_setup(book: Any) -> None:
    """Every sheet ready to print and file: A4, landscape where wide, fitted to the page's
    width (as many pages down as it takes), centred, with narrow margins; the rows above the
    frozen panes (the title and the table's header) repeated on every page, else the title;
    page numbers in the footer."""
    for sheet in book.worksheets:
        widths = sum(
            sheet.column_dimensions[get_column_letter(c)].width or 8.43
            for c in range(1, sheet.max_column + 1)
        )
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = "landscape" if widths > PORTRAIT_WIDTH else "portrait"
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_options.horizontalCentered = True
        sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        if sheet.max_column > 1 and all(
            sheet.cell(1, c).value is None for c in range(2, sheet.max_column + 1)
        ):  # the title across the table, so that it prints whole
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=sheet.max_column)
        frozen = sheet.freeze_panes
        above = int(frozen[1:]) - 1 if frozen else 1
        sheet.print_title_rows = f"1:{max(above, 1)}"
        sheet.oddFooter.center.text = "&P / &N"


def _save(book: Any, path: Path) -> Path:
    path = with_suffix(path, ".xlsx")
    _print_setup(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path
