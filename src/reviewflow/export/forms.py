"""The source document's review forms (点评表, 见附件) as Word documents: printed tables to sign.

An organization review gets the organization form (基层党组织开展创先争优活动领导点评表), a member
review the member form (党员开展创先争优活动领导点评表). Every field is filled from the review as
recorded so far; a field with nothing recorded yet stays empty, so a form may be printed before
the review is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.table import _Cell as _CellT
from docx.table import _Row as _RowT

import reviewflow as rf
from reviewflow.export._common import (
    fmt_date,
    heading,
    paren,
    period_label,
    reviewer_title,
    safe_filename,
    with_suffix,
)

__all__ = ["period_forms", "review_form"]

FONT = "宋体"
"""The CJK font the forms are set in (east-asian rFonts), so Word renders Chinese properly."""

# (label, value): two of them side by side in a row, or one over the full width.
_Pair = tuple[str, str]

# The table's grid on A4 (16.6 cm between the margins): a label and its value, twice per row
# (3.4 | 1.4+4.0 | 3.0 | 4.8); an aspect's rows are its label, 成绩/问题 and the text
# (3.4 | 1.4 | 4.0+3.0+4.8).
_COLUMNS_CM = (3.4, 1.4, 4.0, 3.0, 4.8)


def review_form(
    service: rf.ReviewService,
    actor: str,
    review_id: str,
    path: str | Path,
    *,
    lang: str = "zh",
) -> Path:
    """Write the review's form (点评表) as ``.docx`` to ``path``; returns the path.

    The actor must be able to read the review (R-SCOPE-4): otherwise the library's
    :class:`~reviewflow.OutOfScope` propagates and nothing is written.
    """
    review = service.review(actor, review_id)
    document = _form(service.roster(), review, lang)
    return _save(document, Path(path))


def period_forms(
    service: rf.ReviewService,
    actor: str,
    period: rf.Period | str,
    directory: str | Path,
    *,
    root_id: str | None = None,
    lang: str = "zh",
) -> list[Path]:
    """Write one form per review of ``period`` that has been held (step 2 concluded) and the
    actor may read, into ``directory``; returns the paths, in the order of the reviews.

    Files are named ``<period>_<subject>_<reviewer>.docx`` (e.g.
    ``2023-Q4_区人民医院党总支_李文华.docx``), with unsafe characters replaced.
    """
    roster = service.roster()
    if root_id is not None and roster.organization(root_id) is None:
        raise rf.NotFound("organization", root_id)
    reviews = [
        r for r in service.reviews(actor, within=period, root_id=root_id) if r.state.reviewed
    ]
    reviews.sort(key=lambda r: (r.period.start, r.period, r.org_id, r.kind, r.subject_id, r.id))
    documents: list[tuple[str, DocumentObject]] = []
    used: set[str] = set()
    for review in reviews:
        name = safe_filename(
            str(review.period),
            roster.subject_name(review.kind, review.subject_id),
            roster.person_name(review.reviewer_id),
        )
        if name.casefold() in used:
            name = safe_filename(name, review.id)
        used.add(name.casefold())
        documents.append((name + ".docx", _form(roster, review, lang)))
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    return [_save(document, folder / name) for name, document in documents]


# -- building a form ---------------------------------------------------------------------------


def _form(roster: rf.Roster, review: rf.Review, lang: str) -> DocumentObject:
    document = _new_document()
    is_org = review.kind is rf.ReviewKind.ORGANIZATION
    title = heading("org_form_title" if is_org else "member_form_title", lang)
    _paragraph(document, title, size=16, bold=True)
    _paragraph(document, paren(period_label(review.period, lang), lang).strip(), size=12)
    table = document.add_table(rows=0, cols=len(_COLUMNS_CM))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, _COLUMNS_CM, strict=True):
        column.width = Cm(width)
    if is_org:
        _org_head(table, roster, review, lang)
    else:
        _member_head(table, roster, review, lang)
    _aspects(table, review, lang)
    suggestions = "org_suggestions" if is_org else "member_suggestions"
    _wide(table, (heading(suggestions, lang), _direction(review, lang)))
    _wide(table, (heading("requirements", lang), _requirements(review, lang)))
    rectification = "org_rectification" if is_org else "member_rectification"
    _wide(table, (heading(rectification, lang), _rectification(review, lang)))
    _wide(table, (heading("publicity", lang), _publicity(review, lang)))
    signature = "org_signature" if is_org else "member_signature"
    form_date = fmt_date(review.form.filled_on if review.form else None, lang)
    _four(table, (heading(signature, lang), ""), (heading("date", lang), form_date), height=1.6)
    # Who fills the form in and seals it: the organization the review belongs to, by the
    # person the record names (R-STEP-3); the seal goes on the printed form.
    org = roster.organization(review.org_id)
    filler = roster.person_name(review.form.filled_by) if review.form else ""
    _four(
        table,
        (heading("filling_unit", lang), org.name if org is not None else review.org_id),
        (heading("filled_by", lang), filler),
        height=1.6,
    )
    filing = review.filing
    _four(
        table,
        (heading("filing_no", lang), filing.filing_no if filing else ""),
        (heading("filed_on", lang), fmt_date(filing.filed_on if filing else None, lang)),
    )
    return document


def _org_head(table: Table, roster: rf.Roster, review: rf.Review, lang: str) -> None:
    org = roster.organization(review.subject_id)
    kind = ""
    secretary = ""
    count = ""
    if org is not None:
        kind = org.kind.label(lang) + (paren(org.org_type, lang) if org.org_type else "")
        head = roster.head_of(org.id)
        secretary = head.name if head is not None else ""
        count = _member_count(roster, org.id, lang)
    _four(
        table,
        (heading("org_name", lang), roster.subject_name(review.kind, review.subject_id)),
        (heading("org_kind", lang), kind),
    )
    _four(table, (heading("secretary", lang), secretary), (heading("member_count", lang), count))
    _wide(table, (heading("reviewer_with_post", lang), _reviewer(roster, review, lang)))
    _four(
        table,
        (heading("held_on", lang), _held_on(review, lang)),
        (heading("method", lang), _method(review, lang)),
    )
    _wide(table, (heading("participants", lang), _participants(review, lang)))
    _wide(table, (heading("org_commitments", lang), _commitments(review, lang)))


def _member_head(table: Table, roster: rf.Roster, review: rf.Review, lang: str) -> None:
    member = roster.member(review.subject_id)
    org = roster.organization(review.org_id)
    _four(
        table,
        (heading("member_name", lang), roster.subject_name(review.kind, review.subject_id)),
        (heading("member_org", lang), org.name if org is not None else review.org_id),
    )
    _four(
        table,
        (heading("post_category", lang), member.post_category if member is not None else ""),
        (heading("reviewer", lang), _reviewer(roster, review, lang)),
    )
    _four(
        table,
        (heading("held_on", lang), _held_on(review, lang)),
        (heading("method", lang), _method(review, lang)),
    )
    _wide(table, (heading("member_commitments", lang), _commitments(review, lang)))


# -- the fields' text --------------------------------------------------------------------------


def _member_count(roster: rf.Roster, org_id: str, lang: str) -> str:
    """The active members of the organization and every organization below it."""
    members = [m for o in roster.subtree(org_id) for m in roster.members_of(o)]
    probationary = sum(1 for m in members if m.status is rf.MemberStatus.PROBATIONARY)
    text = str(len(members))
    if probationary:
        note = heading("probationary_note", lang).format(n=probationary)
        text += paren(note, lang)
    return text


def _reviewer(roster: rf.Roster, review: rf.Review, lang: str) -> str:
    name = roster.person_name(review.reviewer_id)
    title = reviewer_title(roster, review.reviewer_id, lang)
    if not title:
        return name
    return name + paren(title, lang)


def _held_on(review: rf.Review, lang: str) -> str:
    return fmt_date(review.method.held_on if review.method else None, lang)


def _method(review: rf.Review, lang: str) -> str:
    if review.method is None:
        return ""
    text = review.method.method.label(lang)
    if review.method.occasion is not None:
        text += f" / {review.method.occasion.label(lang)}"
    return text


def _lines(lines: Sequence[str]) -> str:
    return "\n".join(lines)


def _numbered(items: Sequence[str]) -> list[str]:
    return [f"{i}. {text}" for i, text in enumerate(items, 1)]


def _participants(review: rf.Review, lang: str) -> str:
    sep = ": " if lang == "en" else "："
    lines = []
    for p in review.participants:
        who = p.name + paren(p.capacity.label(lang), lang)
        lines.append(f"{who}{sep}{p.opinion}" if p.opinion else who)
    return _lines(_numbered(lines))


def commitments_of(review: rf.Review) -> list[rf.Commitment]:
    """The commitments reported, the latest report of each, in the order first reported."""
    latest: dict[str, rf.Commitment] = {}
    for commitment in review.commitments():
        latest[commitment.id] = commitment
    return list(latest.values())


def _commitments(review: rf.Review, lang: str) -> str:
    judgements = {j.commitment_id: j for j in review.judgements}
    sep = "; " if lang == "en" else "；"
    colon = ": " if lang == "en" else "："
    lines = []
    for c in commitments_of(review):
        reported = [c.status.label(lang)] + ([c.evidence] if c.evidence else [])
        text = c.text + paren(f"{heading('self_reported', lang)}{colon}{sep.join(reported)}", lang)
        judgement = judgements.get(c.id)
        if judgement is not None:
            judged = judgement.status.label(lang)
            if judgement.remark:
                judged += f"{sep}{judgement.remark}"
            text += f"{sep}{heading('judged', lang)}{colon}{judged}"
        lines.append(text)
    return _lines(_numbered(lines))


def _aspects(table: Table, review: rf.Review, lang: str) -> None:
    for aspect in rf.Aspect.for_kind(review.kind):
        comment = review.comment_on(aspect)
        achievements = comment.achievements if comment is not None else ""
        problems = [p.text for p in comment.problems] if comment is not None else []
        first = _row(table)
        second = _row(table)
        label = first.cells[0].merge(second.cells[0])
        _set(label, aspect.label(lang), bold=True)
        _set(first.cells[1], heading("achievements", lang), bold=True)
        _set(first.cells[2].merge(first.cells[4]), achievements)
        _set(second.cells[1], heading("problems", lang), bold=True)
        _set(second.cells[2].merge(second.cells[4]), _lines(_numbered(problems)))


def _direction(review: rf.Review, lang: str) -> str:
    colon = ": " if lang == "en" else "："
    lines = []
    if review.direction:
        lines.append(f"{heading('direction', lang)}{colon}{review.direction}")
    if review.suggestions:
        lines.append(f"{heading('suggestions', lang)}{colon}{review.suggestions}")
    return _lines(lines)


def _requirements(review: rf.Review, lang: str) -> str:
    if not review.requirements:
        return heading("no_rectification", lang) if review.no_rectification_needed else ""
    problems = {p.id: p.text for c in review.comments for p in c.problems}
    participants = {p.id: p for p in review.participants}
    sep = "; " if lang == "en" else "；"
    colon = ": " if lang == "en" else "："
    lines = []
    for requirement in review.requirements:
        notes = []
        cited = [problems.get(pid, pid) for pid in requirement.problem_ids]
        if cited:
            notes.append(f"{heading('answers_problems', lang)}{colon}{sep.join(cited)}")
        participant = participants.get(requirement.participant_id or "")
        if participant is not None:
            notes.append(f"{heading('from_opinion', lang)}{colon}{participant.name}")
        text = requirement.text
        if notes:
            text += paren(sep.join(notes), lang)
        lines.append(text)
    return _lines(_numbered(lines))


def _rectification(review: rf.Review, lang: str) -> str:
    sep = "; " if lang == "en" else "；"
    colon = ": " if lang == "en" else "："
    items = []
    for item in review.ledger:
        parts = [
            f"{heading('owner', lang)}{colon}{item.owner}",
            f"{heading('due', lang)}{colon}{fmt_date(item.due, lang)}",
            f"{heading('status', lang)}{colon}{item.status.label(lang)}",
        ]
        if item.done_on is not None:
            parts.append(f"{heading('done_on', lang)}{colon}{fmt_date(item.done_on, lang)}")
        if item.note:
            parts.append(item.note)
        detail = sep.join(parts)
        items.append(item.measure + paren(detail, lang))
    lines = _numbered(items)
    if review.reply is not None:
        when = fmt_date(review.reply.replied_on, lang)
        label = heading("written_reply", lang)
        lines.append(
            f"{label} ({when}): {review.reply.text}"
            if lang == "en"
            else f"{label}（{when}）：{review.reply.text}"
        )
    if review.closeout is not None:
        closeout = f"{heading('closeout', lang)}{colon}" + fmt_date(
            review.closeout.confirmed_on, lang
        )
        if review.closeout.remark:
            closeout += f"{sep}{review.closeout.remark}"
        lines.append(closeout)
    return _lines(lines)


def _publicity(review: rf.Review, lang: str) -> str:
    if review.publicity is None:
        return ""
    p = review.publicity
    return f"{p.scope} / {p.medium.label(lang)} / {fmt_date(p.published_on, lang)}"


# -- the document ------------------------------------------------------------------------------


def _new_document() -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width = Cm(21)
    section.page_height = Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.2)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    r_pr = normal.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:  # pragma: no cover - font.name creates it
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), FONT)
    return document


def _paragraph(document: DocumentObject, text: str, *, size: float, bold: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _row(table: Table, height: float | None = None) -> _RowT:
    row: _RowT = table.add_row()  # type: ignore[no-untyped-call]
    # Widths are set before any merge: a merged cell then spans the sum of its columns.
    for cell, width in zip(row.cells, _COLUMNS_CM, strict=True):
        cell.width = Cm(width)
    if height is not None:
        row.height = Cm(height)
    return row


def _set(cell: _CellT, text: str, *, bold: bool = False) -> None:
    paragraphs = text.split("\n") if text else [""]
    first = cell.paragraphs[0]
    first.text = ""
    for i, line in enumerate(paragraphs):
        paragraph = first if i == 0 else cell.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold


def _four(table: Table, left: _Pair, right: _Pair, *, height: float | None = None) -> None:
    row = _row(table, height)
    _set(row.cells[0], left[0], bold=True)
    _set(row.cells[1].merge(row.cells[2]), left[1])
    _set(row.cells[3], right[0], bold=True)
    _set(row.cells[4], right[1])


def _wide(table: Table, pair: _Pair) -> None:
    row = _row(table)
    _set(row.cells[0], pair[0], bold=True)
    _set(row.cells[1].merge(row.cells[4]), pair[1])


def _save(document: DocumentObject, path: Path) -> Path:
    path = with_suffix(path, ".docx")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
