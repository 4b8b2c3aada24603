"""``reviewflow roster import``: roster files in, every bad row named (exit code 3), or imported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.table import Table

import reviewflow as rf
from reviewflow.cli._app import (
    EPILOG,
    EXIT_BAD_ROWS,
    caption,
    cli_state,
    common_options,
    err_console,
    fail,
    main,
    out_console,
    progress_bar,
    zh_en,
)
from reviewflow.cli._rows import (
    BadRow,
    ParsedRow,
    RosterFile,
    check_references,
    parse_rows,
    read_roster_file,
    rows_naming,
)


@main.group(epilog=EPILOG)
def roster() -> None:
    """名册：组织、党员、联系点、办公室人员。 / The roster."""


_IMPORT_HELP = """导入名册文件（CSV 或 Excel .xlsx；仅办公室）。

\b
CSV：UTF-8（可带 BOM）、GBK/GB18030（Excel、WPS 在中文 Windows 上的默认）或 UTF-16
（Unicode 文本，制表符分隔），每个文件一类记录，类别由表头识别。
日期可写作 2023-01-31、2023/1/31、2023.1.31、2023年1月31日 或 Excel 日期；
党员类别可写 正式/预备，职务可写 书记、副书记、委员（或 支部书记、支委 等）。
Excel：工作表名为 组织/党员/联系点/办公室（或 organizations/members/liaisons/office_staff）；
reviewflow roster template 写出一个带下拉选项的模板。
列（中文或英文表头均可）：
  组织   编号/id 名称/name 级别/kind 组织类型/org_type 上级编号/parent_id 书记编号/head_id
         成立日期/founded_on 撤销日期/dissolved_on
  党员   编号/id 姓名/name 所在组织编号/org_id 岗位类别/post_category
         党员类别/status 职务/roles（书记、委员） 入党日期/joined_on
         离开日期/left_on 离开原因/left_reason
  联系点 党委班子成员编号/committee_member_id 联系点组织编号/org_id 开始日期/since
         结束日期/until
  办公室 编号/id 姓名/name

\b
组织关系转接、书记调整、党员离开、联系点结束、组织撤销会影响已安排的点评：
不加 --effective 时，文件中有这类变化即拒绝导入并指出应使用的操作；
加 --effective YYYY-MM-DD 则按该日期（或文件中的日期）逐项办理，已安排的点评随之移交或撤销。

有错误行时列出每一行的每个错误（文件、行号、列、原因），不导入任何记录（退出码 3）；
加 --import-good 则导入正确的行并列出错误行。第一次导入时，--as 必须是导入的办公室人员之一。
"""


@roster.command("import", help=_IMPORT_HELP, epilog=EPILOG)
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--import-good", is_flag=True, help="导入正确的行，跳过并列出错误行")
@click.option(
    "--effective",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="变化生效日期（YYYY-MM-DD）：转接、书记调整等按此日期办理",
)
@common_options
def roster_import(files: tuple[Path, ...], import_good: bool, effective: datetime | None) -> None:
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    good, bad = _checked_rows(files, service)
    if bad and not import_good:
        _print_bad_rows(bad)
        fail(
            zh_en(
                f"{len(bad)} 行有错误，未导入任何记录；"
                "改正后重新导入，或加 --import-good 只导入正确的行。",
                f"{len(bad)} bad row(s): nothing was imported; fix them, or pass --import-good.",
            ),
            EXIT_BAD_ROWS,
        )
    effective_on = effective.date() if effective is not None else None
    imported = _import_rows(
        service, actor, good, bad, import_good=import_good, effective_on=effective_on
    )
    if bad:
        _print_bad_rows(bad)
    _print_imported(imported, bad)


def _checked_rows(
    files: Sequence[Path], service: rf.ReviewService
) -> tuple[list[ParsedRow], list[BadRow]]:
    """The files' rows that pass every check (on their own, against each other, against the
    current roster and as a whole roster), and the bad rows with their reasons."""
    tables: list[RosterFile] = []
    bad: list[BadRow] = []
    for path in files:
        found, problems = read_roster_file(path)
        tables.extend(found)
        bad.extend(problems)
    total = sum(len(t.rows) for t in tables)
    with progress_bar(zh_en("检查名册行", "checking rows"), total) as advance:
        parsed, problems = parse_rows(tables, lambda: advance(1))
    bad.extend(problems)
    current = service.roster()
    good, problems = check_references(parsed, current)
    bad.extend(problems)
    return _whole_roster(current, good, bad), bad


def _import_rows(
    service: rf.ReviewService,
    actor: str,
    good: list[ParsedRow],
    bad: list[BadRow],
    *,
    import_good: bool,
    effective_on: date | None = None,
) -> list[ParsedRow]:
    """Import the good rows; returns those imported.

    Rows the library refuses on import (RosterConflict) join ``bad``: without ``import_good``
    nothing is imported (exit code 3), with it the others are tried again.
    """
    while True:
        if not good:
            if bad:
                _print_bad_rows(bad)
            fail(zh_en("没有可导入的行。", "no row to import."), EXIT_BAD_ROWS)
        try:
            service.import_roster(actor, effective_on=effective_on, **_records(good))
        except rf.RosterConflict as conflict:
            blamed = list(rows_naming(good, conflict))
            if not blamed:
                if bad:
                    _print_bad_rows(bad)
                raise
            bad.extend(_conflict_rows(blamed, conflict))
            good = [r for r in good if r not in blamed]
            if not import_good:
                _print_bad_rows(bad)
                fail(
                    zh_en(
                        f"{len(bad)} 行有错误，未导入任何记录。",
                        f"{len(bad)} bad row(s): nothing was imported.",
                    ),
                    EXIT_BAD_ROWS,
                )
        else:
            return good


def _print_imported(imported: Sequence[ParsedRow], bad: Sequence[BadRow]) -> None:
    """How many records of each kind were imported, and how many bad rows were skipped."""
    counts = {kind: sum(1 for r in imported if r.kind == kind) for kind in _KIND_LABELS}
    summary = "，".join(
        f"{zh_en(zh, en)} {counts[kind]}" for kind, (zh, en) in _KIND_LABELS.items()
    )
    out_console().print(
        zh_en(f"已导入：{summary}", f"imported: {summary}")
        + (zh_en(f"；跳过错误行 {len(bad)} 行", f"; {len(bad)} bad row(s) skipped") if bad else "")
    )


_KIND_LABELS: dict[str, tuple[str, str]] = {
    "organizations": ("组织", "organizations"),
    "members": ("党员", "members"),
    "liaisons": ("联系点", "liaisons"),
    "office_staff": ("办公室人员", "office staff"),
}


def _records(rows: Sequence[ParsedRow]) -> dict[str, Any]:
    return {kind: [r.record for r in rows if r.kind == kind] for kind in _KIND_LABELS}


def _conflict_rows(rows: Sequence[ParsedRow], conflict: rf.RosterConflict) -> list[BadRow]:
    return [
        BadRow(
            row.file,
            row.row,
            row.header("committee_member_id" if row.kind == "liaisons" else "id"),
            conflict.message_zh,
        )
        for row in rows
    ]


def _whole_roster(current: rf.Roster, good: list[ParsedRow], bad: list[BadRow]) -> list[ParsedRow]:
    """Drop the rows the roster as a whole refuses (RosterConflict), naming them in ``bad``."""
    while good:
        records = [r.record for r in good]
        try:
            current.with_records(records)
        except rf.RosterConflict as conflict:
            blamed = list(rows_naming(good, conflict))
            if not blamed:  # not a row's fault: the library's own refusal, on import
                return good
            bad.extend(_conflict_rows(blamed, conflict))
            good = [r for r in good if r not in blamed]
        else:
            return good
    return good


def _print_bad_rows(bad: Sequence[BadRow]) -> None:
    table = Table(title=zh_en(f"错误行（{len(bad)}）", f"bad rows ({len(bad)})"))
    table.add_column(caption("file"))
    table.add_column(caption("row"), justify="right")
    table.add_column(caption("column"))
    table.add_column(caption("reason"))
    for b in sorted(bad, key=lambda b: (b.file, b.row)):
        table.add_row(b.file, str(b.row), b.column, b.reason)
    err_console().print(table)
