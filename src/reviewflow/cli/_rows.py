"""Reading roster files (CSV and .xlsx) into roster records, with every bad row named.

A roster file holds one kind of record per CSV file (the kind is read from the header row) or
per worksheet (the kind is read from the sheet's name, else from its header row). Each row is
checked on its own (required values, vocabularies, dates) and then against the rest: every id
it names must exist in the import or on the current roster. A bad row is reported with its file,
its row number as the user sees it (the header is row 1), its column and the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

import reviewflow as rf

__all__ = [
    "KINDS",
    "BadRow",
    "ParsedRow",
    "RosterFile",
    "check_references",
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


def _read_csv(path: Path) -> tuple[list[RosterFile], list[BadRow]]:
    source = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return [], [BadRow(source, 1, "", "文件不是 UTF-8 编码；请另存为 UTF-8 的 CSV")]
    reader = csv.reader(text.splitlines())
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


def _text(values: dict[str, object], field: str, *, required: bool = False) -> str:
    text = _cell(values.get(field))
    if required and not text:
        raise _Bad(field, "必填，不能为空")
    return text


def _optional(values: dict[str, object], field: str) -> str | None:
    return _text(values, field) or None


def _date(values: dict[str, object], field: str) -> date | None:
    raw = values.get(field)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _cell(raw)
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise _Bad(field, f"日期无效：{text!r}，应写作 2023-01-31") from None


def _labelled(enum: type[rf.Labelled], field: str, text: str) -> Any:
    try:
        return enum(text)
    except rf.InvalidInput:
        choices = "、".join(f"{m.label_zh}（{m.value}）" for m in enum)
        raise _Bad(field, f"{text!r} 不是有效的值；可选：{choices}") from None


def _roles(values: dict[str, object]) -> frozenset[rf.Role]:
    text = _text(values, "roles")
    parts = [p.strip() for p in text.replace("、", ",").replace("，", ",").split(",")]
    return frozenset(_labelled(rf.Role, "roles", p) for p in parts if p)


def _organization(values: dict[str, object]) -> rf.Organization:
    org_id = _text(values, "id", required=True)
    name = _text(values, "name", required=True)
    kind = _labelled(rf.OrgKind, "kind", _text(values, "kind", required=True))
    return rf.Organization(
        org_id,
        name,
        kind,
        _text(values, "org_type"),
        _optional(values, "parent_id"),
        _optional(values, "head_id"),
        founded_on=_date(values, "founded_on"),
        dissolved_on=_date(values, "dissolved_on"),
    )


def _member(values: dict[str, object]) -> rf.Member:
    member_id = _text(values, "id", required=True)
    name = _text(values, "name", required=True)
    org_id = _text(values, "org_id", required=True)
    status_text = _text(values, "status")
    status = (
        _labelled(rf.MemberStatus, "status", status_text) if status_text else rf.MemberStatus.FULL
    )
    return rf.Member(
        member_id,
        name,
        org_id,
        _text(values, "post_category"),
        status,
        roles=_roles(values),
        joined_on=_date(values, "joined_on"),
        left_on=_date(values, "left_on"),
        left_reason=_text(values, "left_reason"),
    )


def _liaison(values: dict[str, object]) -> rf.LiaisonAssignment:
    return rf.LiaisonAssignment(
        _text(values, "committee_member_id", required=True),
        _text(values, "org_id", required=True),
        _date(values, "since"),
        _date(values, "until"),
    )


def _office_staff(values: dict[str, object]) -> rf.OfficeStaff:
    return rf.OfficeStaff(_text(values, "id", required=True), _text(values, "name", required=True))


_BUILDERS: dict[str, Callable[[dict[str, object]], Any]] = {
    "organizations": _organization,
    "members": _member,
    "liaisons": _liaison,
    "office_staff": _office_staff,
}


def parse_rows(
    tables: Sequence[RosterFile], tick: Callable[[], None] | None = None
) -> tuple[list[ParsedRow], list[BadRow]]:
    """Turn every row into a record, or name what is wrong with it (one problem per row)."""
    good: list[ParsedRow] = []
    bad: list[BadRow] = []
    for table in tables:
        build = _BUILDERS[table.kind.name]
        for number, values in table.rows:
            try:
                record = build(values)
            except _Bad as problem:
                bad.append(
                    BadRow(
                        table.source,
                        number,
                        table.headers.get(problem.field, problem.field),
                        problem.reason,
                    )
                )
            except rf.InvalidInput as error:
                bad.append(
                    BadRow(
                        table.source,
                        number,
                        table.headers.get(error.field, error.field),
                        error.reason,
                    )
                )
            else:
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


def rows_naming(rows: Iterable[ParsedRow], conflict: rf.RosterConflict) -> Iterator[ParsedRow]:
    """The rows a :class:`~reviewflow.RosterConflict` blames (its ``blocking`` ids).

    A conflict about a liaison names the committee member or the organization: the liaison rows
    naming them are to blame, not the member's or the organization's own row.
    """
    wanted = set(conflict.blocking)
    about_liaison = conflict.reason.startswith("liaison")
    for row in rows:
        record = row.record
        if not about_liaison:
            if row.key in wanted:
                yield row
        elif isinstance(record, rf.LiaisonAssignment) and (
            {row.key, record.committee_member_id, record.org_id} & wanted
        ):
            yield row
