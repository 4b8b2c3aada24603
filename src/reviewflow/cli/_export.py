"""``reviewflow export``: review forms (.docx) and the ledger, coverage and summary workbooks
(.xlsx), through the optional :mod:`reviewflow.export`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

import reviewflow as rf
from reviewflow.cli._app import (
    EPILOG,
    EXIT_REFUSED,
    cli_state,
    common_options,
    fail,
    main,
    out_console,
    zh_en,
)


@main.group(epilog=EPILOG)
def export() -> None:
    """导出点评表（.docx）和台账、覆盖情况、总结（.xlsx）。 / Export forms and workbooks."""


def _exporter() -> Any:
    try:
        module = importlib.import_module("reviewflow.export")  # an optional extra

        for name in (
            "review_form",
            "period_forms",
            "ledger_workbook",
            "coverage_workbook",
            "summary_workbook",
        ):
            getattr(module, name)
    except (ImportError, AttributeError) as error:
        fail(
            zh_en(
                f"导出功能不可用（{error}）；请安装：pip install 'reviewflow[export]'",
                f"export is not available ({error}); install 'reviewflow[export]'",
            ),
            EXIT_REFUSED,
        )
    return module


def _written(paths: Sequence[Path]) -> None:
    out = out_console()
    for path in paths:
        out.print(zh_en(f"已写出：{path}", f"written: {path}"))


@contextmanager
def _writing() -> Iterator[None]:
    """A file that cannot be written is exit code 1 with the reason, not a traceback."""
    try:
        yield
    except rf.ReviewflowError:
        raise  # OutOfScope is a PermissionError, hence an OSError: the top group reports it
    except OSError as error:
        fail(zh_en(f"无法写出文件：{error}", f"cannot write the file: {error}"), EXIT_REFUSED)


_OUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@export.command("form", epilog=EPILOG)
@click.argument("review_id")
@click.argument("out", type=_OUT_FILE)
@common_options
def export_form(review_id: str, out: Path) -> None:
    """把一条点评导出为点评表 OUT.docx。 / The review form as a .docx."""
    state = cli_state()
    module = _exporter()
    with _writing():
        path = module.review_form(
            state.service(), state.need_actor(), review_id, out, lang=state.lang
        )
    _written([path])


@export.command("forms", epilog=EPILOG)
@click.argument("period")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--root", "root_id", metavar="ORG", default=None, help="只导出本组织及其下级")
@common_options
def export_forms(period: str, directory: Path, root_id: str | None) -> None:
    """把周期 PERIOD 的点评表逐一导出到目录 DIRECTORY。 / Every form of PERIOD."""
    state = cli_state()
    module = _exporter()
    with _writing():
        paths = module.period_forms(
            state.service(), state.need_actor(), period, directory, root_id=root_id, lang=state.lang
        )
    _written(paths)
    out_console().print(zh_en(f"共 {len(paths)} 份点评表。", f"{len(paths)} form(s)."))


@export.command("ledger", epilog=EPILOG)
@click.argument("period")
@click.argument("out", type=_OUT_FILE)
@click.option("--root", "root_id", metavar="ORG", default=None, help="只导出本组织及其下级")
@common_options
def export_ledger(period: str, out: Path, root_id: str | None) -> None:
    """把周期 PERIOD 的点评台账导出为 OUT.xlsx。 / The ledger of PERIOD as .xlsx."""
    state = cli_state()
    module = _exporter()
    with _writing():
        path = module.ledger_workbook(
            state.service(), state.need_actor(), period, out, root_id=root_id, lang=state.lang
        )
    _written([path])


@export.command("coverage", epilog=EPILOG)
@click.argument("period")
@click.argument("out", type=_OUT_FILE)
@click.option("--root", "root_id", metavar="ORG", default=None, help="只导出本组织及其下级")
@common_options
def export_coverage(period: str, out: Path, root_id: str | None) -> None:
    """把周期 PERIOD 的覆盖情况导出为 OUT.xlsx。 / Coverage of PERIOD as .xlsx."""
    state = cli_state()
    module = _exporter()
    with _writing():
        path = module.coverage_workbook(
            state.service(), state.need_actor(), period, out, root_id=root_id, lang=state.lang
        )
    _written([path])


@export.command("summary", epilog=EPILOG)
@click.argument("org")
@click.argument("year", type=int)
@click.argument("out", type=_OUT_FILE)
@common_options
def export_summary(org: str, year: int, out: Path) -> None:
    """把组织 ORG 在 YEAR 年的点评情况总结导出为 OUT.xlsx。 / The yearly summary as .xlsx."""
    state = cli_state()
    module = _exporter()
    with _writing():
        path = module.summary_workbook(
            state.service(), state.need_actor(), org, year, out, lang=state.lang
        )
    _written([path])
