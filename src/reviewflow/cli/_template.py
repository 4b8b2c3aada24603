"""``reviewflow roster template``: an Excel workbook to fill in and import, one sheet per kind of
record with the columns ``roster import`` reads, drop-downs for the coded columns and date
cells formatted as dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import reviewflow as rf
from reviewflow.cli._app import EPILOG, common_options, out_console, zh_en
from reviewflow.cli._roster import roster
from reviewflow.cli._rows import KINDS, Kind

__all__ = ["write_template"]

ROWS = 500
"""The rows below the header that carry the drop-downs and the date format."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "kind": tuple(k.label_zh for k in rf.OrgKind),
    "status": tuple(s.label_zh for s in rf.MemberStatus),
    "roles": tuple(r.label_zh for r in rf.Role),
}
_NOTES = {
    "roles": "可填多个，用顿号分隔：书记、委员",
    "org_type": "如 机关、医院、疾控、卫生监督、乡镇卫生院、社区卫生服务中心、离退休",
    "post_category": "如 管理、医生、护理、医技、后勤、离退休、流动",
    "parent_id": "上级组织的编号；党委（最上级）留空",
    "head_id": "书记的党员编号",
}


def write_template(path: Path) -> Path:
    """Write the roster template to ``path`` (``.xlsx`` appended when missing)."""
    # openpyxl only when a template is asked for, as roster import reads .xlsx.
    import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.styles import PatternFill  # type: ignore[import-untyped]  # noqa: PLC0415

    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    book = openpyxl.Workbook()
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    book.remove(book.active)
    for kind in KINDS:
        _sheet(book.create_sheet(kind.label_zh), kind, header_fill)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def _sheet(sheet: Any, kind: Kind, header_fill: Any) -> None:
    """One kind's sheet: its header, notes, drop-downs and date cells."""
    from openpyxl.comments import Comment  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import (  # type: ignore[import-untyped]  # noqa: PLC0415
        DataValidation,
    )

    for number, column in enumerate(kind.columns, 1):
        header = column.headers[1]  # the Chinese header roster import reads
        cell = sheet.cell(1, number, header)
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        cell.fill = header_fill
        note = ("必填。" if column.required else "") + _NOTES.get(column.field, "")
        if column.field in _CHOICES:
            note += "从下拉列表选择。"
        if column.field.endswith(("_on", "since", "until")):
            note += "日期，如 2023-01-31。"
        if note:
            cell.comment = Comment(note, "reviewflow")
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(14, 2 * len(header) + 4)
        cells = f"{letter}2:{letter}{ROWS + 1}"
        if column.field in _CHOICES:
            choices = DataValidation(
                type="list",
                formula1='"' + ",".join(_CHOICES[column.field]) + '"',
                allow_blank=True,
                # Roles may be several (书记、委员): a warning, not a refusal.
                errorStyle="warning" if column.field == "roles" else "stop",
            )
            sheet.add_data_validation(choices)
            choices.add(cells)
        if column.field.endswith(("_on", "since", "until")):
            for row in range(2, ROWS + 2):
                sheet.cell(row, number).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"


@roster.command("template", epilog=EPILOG)
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@common_options
def roster_template(out: Path) -> None:
    """写出名册模板（.xlsx，带下拉选项），填好后用 roster import 导入。

    组织、党员、联系点、办公室四张表，表头即导入时识别的列名。 / Write a roster template to fill in
    and import.
    """
    path = write_template(out)
    out_console().print(zh_en(f"已写出名册模板：{path}", f"written: {path}"))
