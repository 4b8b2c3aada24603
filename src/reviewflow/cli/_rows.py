"""Reading roster files (CSV and .xlsx) into roster records, with every bad row named.

A roster file holds one kind of record per CSV file (the kind is read from the header row) or
per worksheet (the kind is read from the sheet's name, else from its header row). Each row is
checked on its own (required values, vocabularies, dates) and then against the rest: every id
it names must exist in the import or on the current roster. A bad row is reported with its file,
its row number as the user sees it (the header is row 1), its column and the reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import attrs

import reviewflow as rf

__all__ = [
    "KINDS",
    "BadRow",
    "ParsedRow",
    "RosterFile",
    "check_references",
    "parse_day",
    "parse_rows",
    "read_roster_file",
    "rows_naming",
]


def _norm(text: object) -> str:
    return str(text or "").replace("\ufeff", "").strip().lower()


@attrs.frozen
class Column:
    """One column of a roster file: the record field, its accepted headers, whether required."""

    field: str
    headers: tuple[str, ...]
    required: bool = False


@attrs.frozen
class Kind:
    """One kind of roster record and its columns."""

    name: str
    label_zh: str
    sheets: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, header: str) -> Column | None:
        """The column a header names, if any."""
        key = _norm(header)
        return next((c for c in self.columns if key in c.headers), None)


def _col(field: str, *headers: str, required: bool = False) -> Column:
    return Column(field, tuple(_norm(h) for h in (field, *headers)), required)


KINDS: tuple[Kind, ...] = (
    Kind(
        "organizations",
        "组织",
        ("组织", "organizations"),
        (
            _col("id", "编号", "组织编号", required=True),
            _col("name", "名称", "组织名称", required=True),
            _col("kind", "级别", "层级", required=True),
            _col("org_type", "组织类型", "类型"),
            _col("parent_id", "上级编号", "上级组织编号"),
            _col("head_id", "书记编号", "负责人编号"),
            _col("founded_on", "成立日期"),
            _col("dissolved_on", "撤销日期"),
        ),
    ),
    Kind(
        "members",
        "党员",
        ("党员", "members"),
        (
            _col("id", "编号", "党员编号", required=True),
            _col("name", "姓名", required=True),
            _col("org_id", "所在组织编号", "组织编号", required=True),
            _col("post_category", "岗位类别"),
            _col("status", "党员类别"),
            _col("roles", "职务"),
            _col("joined_on", "入党日期"),
            _col("left_on", "离开日期", "转出日期"),
            _col("left_reason", "离开原因", "转出原因"),
        ),
    ),
    Kind(
        "liaisons",
        "联系点",
        ("联系点", "liaisons"),
        (
            _col("committee_member_id", "党委班子成员编号", required=True),
            _col("org_id", "联系点组织编号", required=True),
            _col("since", "开始日期"),
            _col("until", "结束日期"),
        ),
    ),
    Kind(
        "office_staff",
        "办公室",
        ("办公室", "office_staff"),
        (
            _col("id", "编号", required=True),
            _col("name", "姓名", required=True),
        ),
    ),
)


@attrs.frozen
class BadRow:
    """A row that cannot be imported: where it is and why."""

    file: str
    row: int
    column: str
    reason: str


@attrs.frozen
class ParsedRow:
    """A row read from a roster file and turned into a record."""

    file: str
    row: int
    kind: str
    record: rf.Organization | rf.Member | rf.LiaisonAssignment | rf.OfficeStaff
    headers: dict[str, str]  # field -> the header as written in the file

    @property
    def key(self) -> str:
        """The record's id (a liaison: ``member->org``)."""
        record = self.record
        if isinstance(record, rf.LiaisonAssignment):
            return f"{record.committee_member_id}->{record.org_id}"
        return record.id

    def header(self, field: str) -> str:
        """The column of ``field`` as the file names it."""
        return self.headers.get(field, field)


@attrs.frozen
class RosterFile:
    """The rows of one kind read from one file or sheet."""

    source: str
    kind: Kind
    headers: dict[str, str]  # field -> the header as written
    rows: tuple[tuple[int, dict[str, object]], ...]  # (row number, field -> raw value)


def _cell(value: object) -> str:
    """A cell's value as text: numbers without a trailing .0, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def detect_kind(headers: Sequence[str]) -> Kind | None:
    """The kind whose required columns the header row has, and which knows most of its columns."""
    best: tuple[int, Kind] | None = None
    for kind in KINDS:
        known = {c.field for h in headers if (c := kind.column(h)) is not None}
        if not all(c.field in known for c in kind.columns if c.required):
            continue
        if best is None or len(known) > best[0]:
            best = (len(known), kind)
    return best[1] if best is not None else None


def _kind_of_sheet(title: str) -> Kind | None:
    key = _norm(title)
    return next((k for k in KINDS if key in (_norm(s) for s in k.sheets)), None)


def _table(
    source: str, kind: Kind | None, rows: Iterable[tuple[int, Sequence[object]]]
) -> tuple[RosterFile | None, list[BadRow]]:
    """Map a header row and the rows below it to fields; report what the header lacks."""
    iterator = iter(rows)
    header_row = next(iterator, None)
    if header_row is None:
        return None, [BadRow(source, 1, "", "文件为空，没有表头行")]
    header_no, header_cells = header_row
    headers = [_cell(h) for h in header_cells]
    if kind is None:
        kind = detect_kind(headers)
    if kind is None:
        return None, [
            BadRow(
                source,
                header_no,
                "",
                "无法从表头识别名册类型（组织、党员、联系点或办公室）；表头：" + "、".join(headers),
            )
        ]
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    for i, header in enumerate(headers):
        column = kind.column(header)
        if column is not None and column.field not in positions:
            positions[column.field] = i
            written[column.field] = header
    missing = [c for c in kind.columns if c.required and c.field not in positions]
    if missing:
        names = "、".join(f"{c.field}/{c.headers[1]}" for c in missing)
        return None, [BadRow(source, header_no, names, f"{kind.label_zh}表缺少必需的列：{names}")]
    out: list[tuple[int, dict[str, object]]] = []
    for number, cells in iterator:
        values = {field: (cells[i] if i < len(cells) else None) for field, i in positions.items()}
        if all(_cell(v) == "" for v in values.values()):
            continue  # a blank row
        out.append((number, values))
    return RosterFile(source, kind, written, tuple(out)), []


def read_roster_file(path: Path) -> tuple[list[RosterFile], list[BadRow]]:
    """The tables of a CSV or .xlsx roster file, and what is wrong with their headers."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    return _read_csv(path)


def _decoded(data: bytes) -> str | None:
    """The text of a CSV file as Excel or WPS saves it: UTF-8 with or without a BOM (CSV UTF-8),
    UTF-16 with a BOM (Unicode text), else GB18030, the superset of GBK that a Chinese
    Windows uses for plain CSV. None when it is none of them."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(path: Path) -> tuple[list[RosterFile], list[BadRow]]:
    source = path.name
    text = _decoded(path.read_bytes())
    if text is None:
        return [], [
            BadRow(source, 1, "", "无法识别文件编码；请在 Excel 或 WPS 中另存为“CSV UTF-8”")
        ]
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    # Rows are what the CSV parser says they are: a quoted cell may hold a line break, and
    # U+2028 or U+0085 inside a cell is text, not the end of a row (str.splitlines would cut
    # there). A record's number is its row as the spreadsheet shows it.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table, bad = _table(source, None, ((n, row) for n, row in enumerate(reader, start=1)))
    return ([table] if table is not None else []), bad


def _read_xlsx(path: Path) -> tuple[list[RosterFile], list[BadRow]]:
    import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - only .xlsx needs it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a broken workbook is bad input, named
        return [], [BadRow(path.name, 1, "", f"无法读取 Excel 文件：{error}")]
    tables: list[RosterFile] = []
    bad: list[BadRow] = []
    try:
        for sheet in book.worksheets:
            source = f"{path.name}[{sheet.title}]"
            rows = [
                (n, tuple(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
            if all(all(_cell(v) == "" for v in row) for _, row in rows):
                continue  # an empty sheet
            table, problems = _table(source, _kind_of_sheet(sheet.title), rows)
            bad.extend(problems)
            if table is not None:
                tables.append(table)
    finally:
        book.close()
    return tables, bad


# -- rows to records ---------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class _Row:
    """One row's values, read field by field: each problem is noted (the field's value then
    stands in as empty) so that a row reports every bad cell at once, not the first."""

    def __init__(self, values: dict[str, object]) -> None:
        self.values = values
        self.problems: list[_Bad] = []

    def text(self, field: str, *, required: bool = False) -> str:
        text = _cell(self.values.get(field))
        if required and not text:
            self.problems.append(_Bad(field, "必填，不能为空"))
        return text

    def optional(self, field: str) -> str | None:
        return self.text(field) or None

    def date(self, field: str) -> date | None:
        try:
            return _date(self.values.get(field), field)
        except _Bad as problem:
            self.problems.append(problem)
            return None

    def labelled(self, enum: type[_L], field: str, *, default: _L | None = None) -> _L | None:
        text = self.text(field, required=default is None)
        if not text:
            return default
        try:
            return _labelled(enum, field, text)
        except _Bad as problem:
            self.problems.append(problem)
            return default

    def roles(self) -> frozenset[rf.Role]:
        text = self.text("roles")
        found: set[rf.Role] = set()
        for part in re.split(r"[、,，;；/\s]+", text):
            if part:
                role = None
                try:
                    role = _labelled(rf.Role, "roles", part)
                except _Bad as problem:
                    self.problems.append(problem)
                if role is not None:
                    found.add(role)
        return frozenset(found)


_L = TypeVar("_L", bound=rf.Labelled)

# What Excel and WPS users write for the coded columns, besides the library's own labels.
_SYNONYMS: dict[str, dict[str, str]] = {
    "status": {"正式": "full", "预备": "probationary"},
    "kind": {"总支": "general_branch", "支部": "branch", "小组": "group", "基层党委": "committee"},
    "roles": {
        "支部书记": "secretary", "党委书记": "secretary", "总支书记": "secretary",
        "支部副书记": "deputy_secretary", "党委副书记": "deputy_secretary",
        "总支副书记": "deputy_secretary", "支委": "committee_member",
        "党委委员": "committee_member", "支部委员": "committee_member",
        "总支委员": "committee_member",
    },
}  # fmt: skip


def _labelled(enum: type[_L], field: str, text: str) -> _L:
    text = _SYNONYMS.get(field, {}).get(text, text)
    try:
        return enum(text)
    except rf.InvalidInput:
        choices = "、".join(f"{m.label_zh}（{m.value}）" for m in enum)
        raise _Bad(field, f"{text!r} 不是有效的值；可选：{choices}") from None


_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's (and WPS's) serial dates
_DATE_FORMS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),  # 2026-01-01, 2026/1/1, 2026.1.1
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),  # 2026年1月1日
    re.compile(r"(\d{4})(\d{2})(\d{2})"),  # 20260101
)


def _date(raw: object, field: str) -> date | None:
    """A date as Excel and WPS write it: a date cell, an ISO date, 2026/1/1, 2026.1.1,
    2026年1月1日, 20260101, or a serial number (a date cell saved as a number)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _cell(raw)
    if not text:
        return None
    for form in _DATE_FORMS:
        found = form.fullmatch(text)
        if found:
            try:
                return date(*(int(g) for g in found.groups()))
            except ValueError:
                break
    else:
        if re.fullmatch(r"\d{5}", text):  # 10000 is 1927-05-18: a bare year is no serial
            return _EXCEL_EPOCH + timedelta(days=int(text))
    raise _Bad(field, f"日期无效：{text!r}，应写作 2023-01-31（或 2023/1/31、2023年1月31日）")


def parse_day(text: str) -> date | None:
    """A day as people write it (the forms of :func:`_date`), or None."""
    try:
        return _date(text, "")
    except _Bad:
        return None


def _organization(row: _Row) -> rf.Organization:
    return rf.Organization(
        row.text("id", required=True),
        row.text("name", required=True),
        row.labelled(rf.OrgKind, "kind") or rf.OrgKind.BRANCH,
        row.text("org_type"),
        row.optional("parent_id"),
        row.optional("head_id"),
        founded_on=row.date("founded_on"),
        dissolved_on=row.date("dissolved_on"),
    )


def _member(row: _Row) -> rf.Member:
    return rf.Member(
        row.text("id", required=True),
        row.text("name", required=True),
        row.text("org_id", required=True),
        row.text("post_category"),
        row.labelled(rf.MemberStatus, "status", default=rf.MemberStatus.FULL)
        or rf.MemberStatus.FULL,
        roles=row.roles(),
        joined_on=row.date("joined_on"),
        left_on=row.date("left_on"),
        left_reason=row.text("left_reason"),
    )


def _liaison(row: _Row) -> rf.LiaisonAssignment:
    return rf.LiaisonAssignment(
        row.text("committee_member_id", required=True),
        row.text("org_id", required=True),
        row.date("since"),
        row.date("until"),
    )


def _office_staff(row: _Row) -> rf.OfficeStaff:
    return rf.OfficeStaff(row.text("id", required=True), row.text("name", required=True))


_BUILDERS: dict[str, Callable[[_Row], Any]] = {
    "organizations": _organization,
    "members": _member,
    "liaisons": _liaison,
    "office_staff": _office_staff,
}


def parse_rows(
    tables: Sequence[RosterFile], tick: Callable[[], None] | None = None
) -> tuple[list[ParsedRow], list[BadRow]]:
    """Turn every row into a record, or name every problem of it (each bad cell of a row, so
    that one round of corrections fixes the file)."""
    good: list[ParsedRow] = []
    bad: list[BadRow] = []
    for table in tables:
        build = _BUILDERS[table.kind.name]
        for number, values in table.rows:
            row = _Row(values)
            problems: list[tuple[str, str]] = []
            record = None
            try:
                record = build(row)
                rf.check_roster_record(record)  # R-INPUT: what the import would refuse
            except rf.InvalidInput as error:
                field = error.field.rpartition(".")[2]  # member.name -> name
                if all(p.field != field for p in row.problems):  # not said already
                    problems.append((field, error.reason_zh))
            problems[:0] = [(p.field, p.reason) for p in row.problems]
            if problems:
                bad.extend(
                    BadRow(table.source, number, table.headers.get(field, field), reason)
                    for field, reason in dict.fromkeys(problems)
                )
            elif record is not None:
                good.append(ParsedRow(table.source, number, table.kind.name, record, table.headers))
            if tick is not None:
                tick()
    return good, bad


def check_references(
    rows: Sequence[ParsedRow], roster: rf.Roster
) -> tuple[list[ParsedRow], list[BadRow]]:
    """Split rows into those whose references hold and those that name what does not exist.

    Repeated until nothing changes: a member of an organization whose row is bad is bad too.
    Duplicated ids within the import are bad from their second row on.
    """
    bad: list[BadRow] = []
    good = _drop_duplicates(rows, bad)
    while True:
        known = _Known.of(good, roster)
        still: list[ParsedRow] = []
        before = len(bad)
        for row in good:
            problem = _reference_problem(row.record, known)
            if problem is None:
                still.append(row)
            else:
                field, reason = problem
                bad.append(BadRow(row.file, row.row, row.header(field), reason))
        good = still
        if len(bad) == before:
            return good, bad


def _drop_duplicates(rows: Sequence[ParsedRow], bad: list[BadRow]) -> list[ParsedRow]:
    seen: dict[tuple[str, str], ParsedRow] = {}
    out: list[ParsedRow] = []
    for row in rows:
        first = seen.get((row.kind, row.key))
        if first is not None:
            field = "committee_member_id" if row.kind == "liaisons" else "id"
            bad.append(
                BadRow(
                    row.file,
                    row.row,
                    row.header(field),
                    f"编号 {row.key!r} 重复（第一次出现在 {first.file} 第 {first.row} 行）",
                )
            )
            continue
        seen[(row.kind, row.key)] = row
        out.append(row)
    return out


@attrs.frozen
class _Known:
    """What the import's good rows and the current roster hold together."""

    org_ids: frozenset[str]
    member_orgs: dict[str, str]  # member id -> organization id
    staff_ids: frozenset[str]

    @classmethod
    def of(cls, rows: Sequence[ParsedRow], roster: rf.Roster) -> _Known:
        orgs = {r.record.id for r in rows if isinstance(r.record, rf.Organization)}
        member_orgs = {m.id: m.org_id for m in roster.members.values()}
        member_orgs.update(
            (r.record.id, r.record.org_id) for r in rows if isinstance(r.record, rf.Member)
        )
        staff = {r.record.id for r in rows if isinstance(r.record, rf.OfficeStaff)}
        return cls(
            frozenset(roster.organizations) | orgs,
            member_orgs,
            frozenset(roster.office_staff) | staff,
        )


def _reference_problem(
    record: rf.Organization | rf.Member | rf.LiaisonAssignment | rf.OfficeStaff, known: _Known
) -> tuple[str, str] | None:
    org_ids = known.org_ids
    if isinstance(record, rf.Organization):
        if record.parent_id is not None and record.parent_id not in org_ids:
            return "parent_id", f"上级组织 {record.parent_id!r} 不在名册中"
        if record.head_id is not None:
            home = known.member_orgs.get(record.head_id)
            if home is None:
                return "head_id", f"书记 {record.head_id!r} 不在名册中"
            if home != record.id:
                return "head_id", f"书记 {record.head_id!r} 不是本组织的党员（所在组织 {home!r}）"
    elif isinstance(record, rf.Member):
        if record.org_id not in org_ids:
            return "org_id", f"所在组织 {record.org_id!r} 不在名册中"
        if record.id in known.staff_ids:
            return "id", f"编号 {record.id!r} 已用于办公室人员"
    elif isinstance(record, rf.LiaisonAssignment):
        if record.committee_member_id not in known.member_orgs:
            return "committee_member_id", f"党委班子成员 {record.committee_member_id!r} 不在名册中"
        if record.org_id not in org_ids:
            return "org_id", f"联系点组织 {record.org_id!r} 不在名册中"
    elif record.id in known.member_orgs:
        return "id", f"编号 {record.id!r} 已用于党员"
    return None


_ABOUT_LIAISON = frozenset(
    {"liaison_not_member", "liaison_not_committee", "liaison_org_not_on_roster", "self_liaison"}
)
"""The reasons of a conflict that blame a liaison's rows (reviewflow.reasons)."""


def rows_naming(rows: Iterable[ParsedRow], conflict: rf.RosterConflict) -> Iterator[ParsedRow]:
    """The rows a :class:`~reviewflow.RosterConflict` blames (its ``blocking`` ids).

    A conflict about a liaison names the committee member or the organization: the liaison rows
    naming them are to blame, not the member's or the organization's own row.
    """
    wanted = set(conflict.blocking)
    about_liaison = conflict.reason_key in _ABOUT_LIAISON
    for row in rows:
        record = row.record
        if not about_liaison:
            if row.key in wanted:
                yield row
        elif isinstance(record, rf.LiaisonAssignment) and (
            {row.key, record.committee_member_id, record.org_id} & wanted
        ):
            yield row
