"""What the forms and the workbooks share: headings in two languages, dates, names.

Uses only the public API of :mod:`reviewflow`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import reviewflow as rf

__all__ = [
    "HEADINGS",
    "fmt_date",
    "heading",
    "paren",
    "period_label",
    "reviewer_title",
    "safe_filename",
    "sheet_names",
]

# Every heading the exports print: key -> (Chinese, English).
HEADINGS: dict[str, tuple[str, str]] = {
    # the forms (RULES.md §F)
    "org_form_title": (
        "基层党组织开展创先争优活动领导点评表",
        "Leadership review form: organization",
    ),
    "member_form_title": ("党员开展创先争优活动领导点评表", "Leadership review form: Party member"),
    "org_name": ("党组织名称", "Organization"),
    "org_kind": ("组织类型", "Organization type"),
    "secretary": ("书记", "Secretary"),
    "member_count": ("党员人数", "Members"),
    "reviewer_with_post": ("点评领导（姓名、职务）", "Reviewer (name, post)"),
    "reviewer": ("点评领导", "Reviewer"),
    "held_on": ("点评时间", "Date of review"),
    "method": ("点评方式/场合", "Method / occasion"),
    "participants": (
        "参加人员（党员、群众代表）",
        "Participants (members, masses representatives)",
    ),
    "org_commitments": ("公开承诺及兑现情况", "Public commitments and fulfilment"),
    "member_commitments": ("公开承诺及践诺情况", "Public commitments kept"),
    "achievements": ("成绩", "Achievements"),
    "problems": ("问题", "Problems"),
    "org_suggestions": ("意见建议（努力方向）", "Opinions and suggestions (direction)"),
    "member_suggestions": ("意见建议", "Opinions and suggestions"),
    "requirements": ("整改要求", "Rectification requirements"),
    "org_rectification": ("整改落实情况（书面回复）", "Rectification (written reply)"),
    "member_rectification": ("整改落实情况", "Rectification"),
    "org_signature": ("点评领导签字", "Reviewer's signature"),
    "member_signature": ("签字", "Signature"),
    "date": ("日期", "Date"),
    "filling_unit": ("填表单位（盖章）", "Filled in by (unit, seal)"),
    "filled_by": ("填表人", "Filled in by"),
    "filing_no": ("备案编号", "Filing number"),
    "filed_on": ("备案日期", "Filed on"),
    "publicity": ("公开范围/形式", "Made public (scope / medium)"),
    "member_name": ("姓名", "Name"),
    "member_org": ("所在党组织", "Organization"),
    "post_category": ("岗位类别", "Post category"),
    "period": ("点评周期", "Period"),
    # the form's running text
    "probationary_note": ("其中预备党员{n}名", "{n} probationary"),
    "self_reported": ("自报", "reported"),
    "judged": ("点评领导评定", "reviewer's judgement"),
    "direction": ("努力方向", "Direction"),
    "suggestions": ("意见建议", "Suggestions"),
    "answers_problems": ("针对问题", "answers"),
    "from_opinion": ("来自意见", "from the opinion of"),
    "no_rectification": ("无需整改", "no rectification needed"),
    "owner": ("责任人", "owner"),
    "due": ("期限", "due"),
    "status": ("状态", "status"),
    "done_on": ("完成日期", "done on"),
    "written_reply": ("书面回复", "Written reply"),
    "closeout": ("点评领导销号", "Closed out by the reviewer"),
    # the ledger (整改台账)
    "ledger_title": ("整改台账", "Rectification ledger"),
    "subject": ("点评对象", "Subject"),
    "requirement_text": ("点评内容(要求)", "Review content (requirement)"),
    "measure": ("整改措施", "Measure"),
    "owner_col": ("责任人", "Owner"),
    "due_col": ("期限", "Due"),
    "status_col": ("状态", "Status"),
    "done_on_col": ("完成日期", "Done on"),
    "totals_sheet": ("汇总", "Totals"),
    "total_row": ("合计", "Total"),
    "requirements_count": ("整改要求", "Requirements"),
    "items": ("台账事项", "Items"),
    "items_done": ("已完成", "Done"),
    "items_overdue": ("逾期", "Overdue"),
    # coverage (R-COVER, R-LEAD, R-CLASS)
    "coverage_title": ("领导点评覆盖情况", "Coverage of leadership reviews"),
    "scope": ("范围", "Scope"),
    "all_orgs": ("全部", "everything"),
    "expected": ("应点评", "Expected"),
    "reviewed": ("已点评", "Reviewed"),
    "closed": ("已销号", "Closed"),
    "in_progress": ("进行中", "In progress"),
    "waived": ("免于点评", "Waived"),
    "not_applicable": ("不适用", "Not applicable"),
    "missing": ("未覆盖", "Not covered"),
    "rate": ("覆盖率", "Coverage rate"),
    "reviewer_rates": ("点评领导完成情况", "Reviewers' own completion"),
    "reviewer_rate": ("完成率", "Completion rate"),
    "by_org_type": ("分类情况（组织类型）", "By organization type"),
    "by_post_category": ("分类情况（岗位类别）", "By post category"),
    "class_name": ("类别", "Class"),
    "reviews": ("点评情况", "Reviews"),
    "kind": ("类型", "Kind"),
    "state": ("状态", "State"),
    "gaps": ("未覆盖", "Gaps"),
    "reason": ("原因", "Reason"),
    "none": ("无", "none"),
    # the yearly summary (R-SUMMARY)
    "summary_title": ("点评情况总结", "Yearly summary of leadership reviews"),
    "summary_scope": ("（含下级党组织）", "(with the organizations below)"),
    "year": ("年度", "Year"),
    "summary_due": ("报送期限", "Due to the office"),
    "submitted_on": ("报送日期", "Submitted on"),
    "submitted_by": ("报送人", "Submitted by"),
    "submission_reference": ("文号", "Reference"),
    "not_submitted": ("未报送", "not submitted"),
    "by_kind": ("点评情况（按对象）", "Reviews by kind"),
    "by_method": ("点评情况（按方式）", "Reviews by method"),
    "coverage": ("覆盖情况", "Coverage"),
    "rectification": ("整改落实", "Rectification"),
    "requirements_raised": ("提出整改要求", "Requirements raised"),
    "supervision": ("督导检查", "Supervision"),
    "inspection_count": ("督导检查次数", "Inspections"),
    "orders_issued": ("责令限期整改", "Orders issued"),
    "orders_verified": ("已验收", "Orders verified"),
    "orders_overdue": ("逾期未整改", "Orders overdue"),
    "exemplars": ("典型事迹", "Exemplars"),
    "exemplar_count": ("典型数量", "Exemplars recorded"),
    "deeds": ("事迹", "Deeds"),
    "recorded_on": ("记录日期", "Recorded on"),
    "organizations": ("各党组织", "Organizations"),
    "org_col": ("党组织", "Organization unit"),
    "reviews_held": ("已点评", "Reviews held"),
}


def heading(key: str, lang: str) -> str:
    """The heading ``key`` in ``lang`` ("zh" or "en")."""
    zh, en = HEADINGS[key]
    return en if lang == "en" else zh


def fmt_date(day: date | None, lang: str) -> str:
    """A date as printed on a form: 2023年11月8日, or 2023-11-08 in English; "" for none."""
    if day is None:
        return ""
    if lang == "en":
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


def paren(text: str, lang: str) -> str:
    """Text in brackets: full-width in Chinese, ASCII with a space before in English."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def period_label(period: rf.Period, lang: str) -> str:
    """2023年第四季度, or 2023-Q4 in English."""
    return str(period) if lang == "en" else period.label_zh


_ROLE_ORDER = (rf.Role.SECRETARY, rf.Role.DEPUTY_SECRETARY, rf.Role.COMMITTEE_MEMBER)


def reviewer_title(roster: rf.Roster, person_id: str, lang: str) -> str:
    """A person's post (职务): their role in their own organization with its name.

    区卫生局党委副书记; in English "deputy secretary, 区卫生局党委". A member without a role who
    heads the organization is its 负责人; office staff are the office.
    """
    if roster.is_office(person_id):
        return rf.Party.OFFICE.label(lang)
    member = roster.member(person_id)
    if member is None:
        return ""
    org = roster.organization(member.org_id)
    org_name = org.name if org is not None else member.org_id
    role = next((r for r in _ROLE_ORDER if r in member.roles), None)
    if role is not None:
        post = role.label(lang)
    elif org is not None and org.head_id == member.id:
        post = "head" if lang == "en" else "负责人"
    else:
        return org_name
    return f"{post}, {org_name}" if lang == "en" else f"{org_name}{post}"


_UNSAFE_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def with_suffix(path: Path, suffix: str) -> Path:
    """``path``, ending in ``suffix`` (``.xlsx``, ``.docx``): a name without it (``report``,
    ``report.xls``) gets it appended, so that Excel, WPS and Word open the file by its name."""
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def safe_filename(*parts: str) -> str:
    """Parts joined by "_" with what a file system may refuse replaced by "_"."""
    text = "_".join(_UNSAFE_FILE.sub("_", p).strip("._") or "_" for p in parts)
    return text[:200]


_UNSAFE_SHEET = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_SHEET_MAX = 31
_RESERVED_SHEETS = frozenset({"history"})


def sheet_names(names: Iterable[str], *, taken: Iterable[str] = ()) -> list[str]:
    """Excel-safe, unique (case-insensitively, as Excel compares), at most 31 characters each.

    ``taken`` are names already used in the workbook (the totals sheet).
    """
    used = {t.casefold() for t in taken} | set(_RESERVED_SHEETS)
    out: list[str] = []
    for name in names:
        base = _UNSAFE_SHEET.sub("_", name).strip().strip("'") or "_"
        candidate = base[:_SHEET_MAX]
        n = 2
        while candidate.casefold() in used:
            suffix = f"({n})"
            candidate = base[: _SHEET_MAX - len(suffix)] + suffix
            n += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out
