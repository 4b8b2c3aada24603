"""``reviewflow``: the command line of the leadership reviews (领导点评) of the 创先争优 campaign.

An interface over the public API only: it opens a store (``--store URL``), builds a
:class:`~reviewflow.ReviewService` on the real clock, and acts as the person ``--as`` names.
``--store``, ``--as`` and ``--lang`` are accepted before the command and after it.

Exit codes, which scripts can rely on:

- 0: done.
- 1: refused by the library (OutOfScope, GuardFailed, TransitionNotAllowed, NotFound,
  RosterConflict, ConcurrencyConflict, InvalidInput ... any ``ReviewflowError`` not below), with
  the error's message on stderr and no traceback; also ``db verify`` finding tampering, a copy
  that does not verify, and a file that cannot be written.
- 2: usage error (a missing argument or ``--as``, an unknown option: click's default).
- 3: bad rows in a roster import: every bad row is reported and nothing is imported. With
  ``--import-good`` the good rows are imported, the bad ones reported, and the exit code is 0.
- 4: the store cannot be opened (StoreUnavailable) or its schema is not this version's
  (SchemaMismatch: run ``reviewflow db upgrade``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import reviewflow as rf
from reviewflow.cli._rows import (
    BadRow,
    ParsedRow,
    RosterFile,
    check_references,
    parse_rows,
    read_roster_file,
    rows_naming,
)

__all__ = [
    "EXIT_BAD_ROWS",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_STORE",
    "EXIT_USAGE",
    "main",
]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_BAD_ROWS = 3
EXIT_STORE = 4

DEFAULT_STORE = "sqlite:///reviewflow.db"

_F = TypeVar("_F", bound=Callable[..., Any])

_EPILOG = """\b
退出码 / exit codes:
  0  成功 / ok
  1  被拒绝：超出权限、条件未满足、状态不允许、未找到、名册冲突、并发冲突等
     / refused by the library (OutOfScope, GuardFailed, NotFound, RosterConflict ...)
  2  用法错误 / usage error
  3  名册文件有错误行，未导入 / bad rows in a roster import, nothing imported
  4  数据库无法打开或结构版本不符 / store unavailable or schema mismatch
"""

# -- labels ------------------------------------------------------------------------------------

_LABELS: dict[str, tuple[str, str]] = {
    "period": ("周期", "Period"),
    "subject": ("对象", "Subject"),
    "reviewer": ("点评领导", "Reviewer"),
    "state": ("状态", "State"),
    "next": ("下一步", "Next steps"),
    "id": ("编号", "Id"),
    "due": ("截止", "Due"),
    "as": ("身份", "As"),
    "overdue": ("逾期", "overdue"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "org": ("组织", "Organization"),
    "kind": ("类别", "Kind"),
    "expected": ("应点评", "Expected"),
    "reviewed": ("已点评", "Reviewed"),
    "closed": ("已销号", "Closed"),
    "waived": ("免于点评", "Waived"),
    "in_progress": ("进行中", "In progress"),
    "missing": ("未安排", "Missing"),
    "rate": ("完成率", "Rate"),
    "coverage_rate": ("覆盖率", "Coverage"),
    "seq": ("序号", "Seq"),
    "time": ("时间", "Time"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "problem": ("问题", "Problem"),
    "review": ("点评", "Review"),
    "name": ("名称", "Name"),
}


def _t(key: str) -> str:
    zh, en = _LABELS[key]
    return en if _state().lang == "en" else zh


def _zh_en(zh: str, en: str) -> str:
    return en if _state().lang == "en" else zh


_ERROR_LABELS: dict[str, str] = {
    "OutOfScope": "超出权限",
    "GuardFailed": "条件未满足",
    "TransitionNotAllowed": "当前状态不允许此步骤",
    "NotFound": "未找到",
    "RosterConflict": "名册冲突",
    "ConcurrencyConflict": "记录已被他人修改",
    "IntegrityError": "数据约束不允许",
    "InvalidInput": "输入无效",
    "InvalidPeriod": "周期无效",
    "InvalidDeadline": "期限无效",
    "InvalidPolicy": "政策配置无效",
    "CalendarDataMissing": "缺少节假日数据",
    "StoreUnavailable": "数据库无法打开",
    "SchemaMismatch": "数据库结构版本不符",
}


# -- state shared by the commands ----------------------------------------------------------------


@attrs.define
class _State:
    store_url: str = DEFAULT_STORE
    actor: str | None = None
    lang: str = "zh"
    _store: rf.Store | None = None
    _service: rf.ReviewService | None = None

    def store(self) -> rf.Store:
        if self._store is None:
            self._store = rf.open_store(self.store_url)
        return self._store

    def service(self) -> rf.ReviewService:
        if self._service is None:
            self._service = rf.ReviewService(self.store())
        return self._service

    def need_actor(self) -> str:
        if not self.actor:
            raise click.UsageError(
                "此命令需要 --as PERSON（操作人的编号） / this command needs --as PERSON"
            )
        return self.actor

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._service = None


def _state() -> _State:
    return click.get_current_context().ensure_object(_State)


def _set_store(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(_State).store_url = value


def _set_actor(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(_State).actor = value


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(_State).lang = value


def _common(command: _F) -> _F:
    """``--store``, ``--as`` and ``--lang`` after the command too (they override those before)."""
    for option in (
        click.option(
            "--lang",
            type=click.Choice(["zh", "en"]),
            default=None,
            expose_value=False,
            callback=_set_lang,
            help="输出语言（默认 zh） / output language",
        ),
        click.option(
            "--as",
            "actor",
            metavar="PERSON",
            default=None,
            expose_value=False,
            callback=_set_actor,
            help="操作人的编号 / the acting person's id",
        ),
        click.option(
            "--store",
            metavar="URL",
            default=None,
            expose_value=False,
            callback=_set_store,
            help=f"数据库地址（默认 {DEFAULT_STORE}） / store URL",
        ),
    ):
        command = option(command)
    return command


def _console(*, stderr: bool = False) -> Console:
    # Markup off: ids, names and texts from the records are printed as they are. Piped into a
    # file or another program, tables are laid out wide rather than cut at 80 columns.
    console = Console(stderr=stderr, markup=False, highlight=False, emoji=False)
    if not console.is_terminal:
        console.width = max(console.width, 160)
    return console


def _out() -> Console:
    return _console()


def _err() -> Console:
    return _console(stderr=True)


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (shown on a terminal only); yields ``advance(n)``."""
    console = _err()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int) -> None:
            progress.advance(task, n)

        yield advance


def _fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def _error_text(error: rf.ReviewflowError) -> str:
    name = type(error).__name__
    if _state().lang == "en":
        return f"error ({name}): {error}"
    return f"错误（{_ERROR_LABELS.get(name, name)}）：{error}"


class _Main(click.Group):
    """The top group: turns the library's refusals into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (rf.StoreUnavailable, rf.SchemaMismatch) as error:
            hint = ""
            if isinstance(error, rf.SchemaMismatch) and error.found < error.expected:
                hint = _zh_en(
                    "\n先备份（reviewflow db copy），再运行 reviewflow db upgrade",
                    "\nback it up (reviewflow db copy), then run reviewflow db upgrade",
                )
            _fail(_error_text(error) + hint, EXIT_STORE)
        except rf.ReviewflowError as error:
            _fail(_error_text(error), EXIT_REFUSED)


@click.group(cls=_Main, epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    metavar="URL",
    default=None,
    expose_value=False,
    callback=_set_store,
    help=f"数据库地址（默认 {DEFAULT_STORE}；也可 memory://、postgresql://…、mysql://…）",
)
@click.option(
    "--as",
    "actor",
    metavar="PERSON",
    default=None,
    expose_value=False,
    callback=_set_actor,
    help="操作人的编号（办理或查看本人范围内数据的命令必须提供）",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    expose_value=False,
    callback=_set_lang,
    help="输出语言：zh（默认）或 en",
)
@click.version_option(rf.__version__, prog_name="reviewflow")
@click.pass_context
def main(ctx: click.Context) -> None:
    """创先争优活动领导点评：名册、排期、四步流程、覆盖情况与督导。

    Leadership reviews (领导点评) of the 创先争优 campaign, on the command line.
    """
    state = ctx.ensure_object(_State)
    ctx.call_on_close(state.close)


# -- db ----------------------------------------------------------------------------------------


@main.group(epilog=_EPILOG)
def db() -> None:
    """数据库：建库、升级、校验、复制。 / The store: create, upgrade, verify, copy."""


@db.command("init", epilog=_EPILOG)
@_common
def db_init() -> None:
    """建立数据库结构（已建立则只检查版本）。 / Create the schema."""
    state = _state()
    store = state.store()
    if isinstance(store, rf.SqlStore):
        version = store.schema_version()
        _out().print(
            _zh_en(
                f"数据库已就绪：{store.url}（结构版本 {version}）",
                f"store ready: {store.url} (schema version {version})",
            )
        )
    else:
        _out().print(_zh_en(f"存储已就绪：{store.url}", f"store ready: {store.url}"))


@db.command("upgrade", epilog=_EPILOG)
@_common
def db_upgrade() -> None:
    """把数据库升级到本版本的结构（先备份）。 / Upgrade the schema (back it up first)."""
    state = _state()
    version = rf.upgrade_store(state.store_url)
    _out().print(
        _zh_en(
            f"数据库已升级到结构版本 {version}：{state.store_url}",
            f"upgraded to schema version {version}",
        )
    )


@db.command("verify", epilog=_EPILOG)
@_common
def db_verify() -> None:
    """校验每条点评的历史记录未被篡改（仅办公室；发现问题时退出码 1）。

    Verify that no review's history was edited behind the library's back (office only).
    """
    state = _state()
    found = state.service().verify(state.need_actor())
    out = _out()
    if not found:
        out.print(_zh_en("校验通过：记录均为系统写入，未被改动。", "verified: no tampering found."))
        return
    table = Table(title=_zh_en(f"发现 {len(found)} 处篡改", f"{len(found)} tampering(s) found"))
    table.add_column(_t("review"))
    table.add_column(_t("seq"), justify="right")
    table.add_column(_t("problem"))
    for t in found:
        table.add_row(t.review_id, "" if t.seq is None else str(t.seq), t.problem)
    _err().print(table)
    raise click.exceptions.Exit(EXIT_REFUSED)


@db.command("copy", epilog=_EPILOG)
@click.argument("target_url", metavar="TARGET_URL")
@click.option("--batch-size", default=500, show_default=True, help="每批复制的点评条数")
@_common
def db_copy(target_url: str, batch_size: int) -> None:
    """把 --store 的全部数据复制到 TARGET_URL，并核对（可中断后重跑续传）。

    Copy everything to TARGET_URL (a move or a backup), then verify the copy.
    """
    state = _state()
    source = state.store()
    console = _err()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(_zh_en("复制点评", "copying reviews"), total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = rf.copy_store(source, target_url, batch_size=batch_size, progress=report)
    out = _out()
    table = Table(title=_zh_en(f"复制到 {target_url}", f"copied to {target_url}"))
    table.add_column(_t("name"))
    table.add_column("", justify="right")
    for label, value in (
        (_zh_en("点评（本次复制/总数）", "reviews (copied/total)"),
         f"{result.reviews_copied}/{result.reviews_total}"),
        (_zh_en("历史记录", "history entries"), str(result.history_entries)),
        (_zh_en("被拒操作记录", "attempts"), str(result.attempts_copied)),
        (_zh_en("督导整改令", "supervision orders"), str(result.orders_copied)),
        (_zh_en("典型事迹", "exemplars"), str(result.exemplars_copied)),
    ):  # fmt: skip
        table.add_row(label, value)
    out.print(table)
    if not result.verified:
        _fail(
            _zh_en("核对未通过：", "the copy does not verify: ") + "; ".join(result.differences),
            EXIT_REFUSED,
        )
    out.print(_zh_en("核对通过。", "verified."))


# -- roster ------------------------------------------------------------------------------------


@main.group(epilog=_EPILOG)
def roster() -> None:
    """名册：组织、党员、联系点、办公室人员。 / The roster."""


_IMPORT_HELP = """导入名册文件（CSV 或 Excel .xlsx；仅办公室）。

\b
CSV：UTF-8（可带 BOM），每个文件一类记录，类别由表头识别。
Excel：工作表名为 组织/党员/联系点/办公室（或 organizations/members/liaisons/office_staff）。
列（中文或英文表头均可）：
  组织   编号/id 名称/name 级别/kind 组织类型/org_type 上级编号/parent_id 书记编号/head_id
  党员   编号/id 姓名/name 所在组织编号/org_id 岗位类别/post_category
         党员类别/status 职务/roles（书记、委员） 入党日期/joined_on
  联系点 党委班子成员编号/committee_member_id 联系点组织编号/org_id 开始日期/since
  办公室 编号/id 姓名/name

有错误行时列出每一行（文件、行号、列、原因），不导入任何记录（退出码 3）；
加 --import-good 则导入正确的行并列出错误行。第一次导入时，--as 必须是导入的办公室人员之一。
"""


@roster.command("import", help=_IMPORT_HELP, epilog=_EPILOG)
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--import-good", is_flag=True, help="导入正确的行，跳过并列出错误行")
@_common
def roster_import(files: tuple[Path, ...], import_good: bool) -> None:
    state = _state()
    actor = state.need_actor()
    service = state.service()
    tables: list[RosterFile] = []
    bad: list[BadRow] = []
    for path in files:
        found, problems = read_roster_file(path)
        tables.extend(found)
        bad.extend(problems)
    total = sum(len(t.rows) for t in tables)
    with _progress(_zh_en("检查名册行", "checking rows"), total) as advance:
        parsed, problems = parse_rows(tables, lambda: advance(1))
    bad.extend(problems)
    current = service.roster()
    good, problems = check_references(parsed, current)
    bad.extend(problems)
    good = _whole_roster(current, good, bad)
    if bad and not import_good:
        _print_bad_rows(bad)
        _fail(
            _zh_en(
                f"{len(bad)} 行有错误，未导入任何记录；"
                "改正后重新导入，或加 --import-good 只导入正确的行。",
                f"{len(bad)} bad row(s): nothing was imported; fix them, or pass --import-good.",
            ),
            EXIT_BAD_ROWS,
        )
    while True:
        if not good:
            if bad:
                _print_bad_rows(bad)
            _fail(_zh_en("没有可导入的行。", "no row to import."), EXIT_BAD_ROWS)
        try:
            service.import_roster(actor, **_records(good))
            break
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
                _fail(
                    _zh_en(
                        f"{len(bad)} 行有错误，未导入任何记录。",
                        f"{len(bad)} bad row(s): nothing was imported.",
                    ),
                    EXIT_BAD_ROWS,
                )
    if bad:
        _print_bad_rows(bad)
    counts = {kind: sum(1 for r in good if r.kind == kind) for kind in _KIND_LABELS}
    summary = "，".join(
        f"{_zh_en(zh, en)} {counts[kind]}" for kind, (zh, en) in _KIND_LABELS.items()
    )
    _out().print(
        _zh_en(f"已导入：{summary}", f"imported: {summary}")
        + (_zh_en(f"；跳过错误行 {len(bad)} 行", f"; {len(bad)} bad row(s) skipped") if bad else "")
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
            f"名册冲突：{conflict}",
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
    table = Table(title=_zh_en(f"错误行（{len(bad)}）", f"bad rows ({len(bad)})"))
    table.add_column(_t("file"))
    table.add_column(_t("row"), justify="right")
    table.add_column(_t("column"))
    table.add_column(_t("reason"))
    for b in sorted(bad, key=lambda b: (b.file, b.row)):
        table.add_row(b.file, str(b.row), b.column, b.reason)
    _err().print(table)


# -- scheduling and the work list --------------------------------------------------------------


@main.command(epilog=_EPILOG)
@click.argument("period")
@click.option("--root", "root_id", metavar="ORG", default=None, help="只排本组织及其下级")
@_common
def schedule(period: str, root_id: str | None) -> None:
    """按规则为周期 PERIOD（2023-11、2023-Q4 或 2023）排定应开展的点评。

    Schedule every review the rules call for within PERIOD (idempotent).
    """
    state = _state()
    actor = state.need_actor()
    service = state.service()
    whole = rf.Period.parse(period)
    parts = whole.subperiods(rf.PeriodKind.QUARTER) if whole.kind is rf.PeriodKind.YEAR else ()
    created = 0
    with _progress(_zh_en("排期", "scheduling"), len(parts) + 1) as advance:
        for part in parts:  # a year quarter by quarter, so the bar moves
            created += len(service.schedule(actor, part, root_id=root_id).created)
            advance(1)
        result = service.schedule(actor, whole, root_id=root_id)
        advance(1)
    created += len(result.created)
    existing = result.existing - (created - len(result.created))
    out = _out()
    out.print(
        _zh_en(
            f"{whole.label_zh}：新建点评 {created} 条，已存在 {existing} 条，"
            f"无点评领导 {len(result.gaps)} 个",
            f"{whole}: {created} review(s) created, {existing} existing, "
            f"{len(result.gaps)} without a reviewer",
        )
    )
    if result.gaps:
        names = service.roster()
        table = Table(title=_zh_en("未能安排", "gaps"))
        for key in ("period", "org", "subject", "kind", "reason"):
            table.add_column(_t(key))
        for gap in result.gaps:
            org = names.organization(gap.org_id)
            table.add_row(
                str(gap.period),
                org.name if org else gap.org_id,
                names.subject_name(gap.kind, gap.subject_id),
                gap.kind.label(state.lang),
                gap.reason.label(state.lang),
            )
        out.print(table)


@main.command(epilog=_EPILOG)
@_common
def work() -> None:
    """本人待办和逾期的点评工作（逾期：周期已结束）。 / The person's due and overdue work."""
    state = _state()
    actor = state.need_actor()
    service = state.service()
    roster_now = service.roster()
    if roster_now.person(actor) is None:
        raise rf.NotFound("person", actor)  # else a mistyped --as reads as "nothing to do"
    items = service.work_list(actor)
    today = service.today()
    out = _out()
    if not items:
        out.print(_zh_en(f"{roster_now.person_name(actor)}：没有待办的点评。", "nothing to do."))
        return
    overdue = sum(1 for i in items if i.due < today)
    table = Table(
        title=_zh_en(
            f"{roster_now.person_name(actor)} 的点评工作（{len(items)} 项，逾期 {overdue} 项）",
            f"work of {actor} ({len(items)}, {overdue} overdue)",
        )
    )
    for key in ("id", "period", "subject", "reviewer", "state", "as", "next", "due"):
        table.add_column(_t(key))
    for item in items:
        review = item.review
        late = item.due < today
        state_text = review.state.label(state.lang)
        if late:
            state_text = f"{_t('overdue')}·{state_text}"
        table.add_row(
            review.id,
            str(review.period),
            roster_now.subject_name(review.kind, review.subject_id),
            roster_now.person_name(review.reviewer_id),
            state_text,
            "、".join(p.label(state.lang) for p in sorted(item.parties)),
            "、".join(_step_label(t, state.lang) for t in item.steps),
            item.due.isoformat(),
            style="red" if late else None,
        )
    out.print(table)


def _step_label(trigger: str, lang: str) -> str:
    step = rf.WORKFLOW.steps[trigger]
    return step.label_en if lang == "en" else step.label_zh


# -- show ----------------------------------------------------------------------------------------


@main.command(epilog=_EPILOG)
@click.argument("review_id")
@_common
def show(review_id: str) -> None:
    """显示一条点评的内容和历史记录。 / Show a review and its history."""
    state = _state()
    actor = state.need_actor()
    service = state.service()
    review = service.review(actor, review_id)
    history = service.history(actor, review_id)
    names = service.roster()
    lang = state.lang
    out = _out()
    content = Table(title=_zh_en("领导点评", "Review"), show_header=False)
    content.add_column(style="bold")
    content.add_column()
    for label, value in (*_step1_rows(review, names, lang), *_later_rows(review, names, lang)):
        content.add_row(label, value)
    out.print(content)
    table = Table(title=_zh_en("历史记录", "History"))
    for key in ("seq", "time", "actor", "action", "from", "to", "reason"):
        table.add_column(_t(key))
    for entry in history:
        table.add_row(
            str(entry.seq),
            entry.at.strftime("%Y-%m-%d %H:%M"),
            names.person_name(entry.actor_id),
            _action_label(entry.action, lang),
            entry.from_state.label(lang) if entry.from_state else "",
            entry.to_state.label(lang),
            entry.reason,
        )
    out.print(table)


def _step1_rows(review: rf.Review, names: rf.Roster, lang: str) -> list[tuple[str, str]]:
    """Who, what, when, and what was heard and said (steps 1 and 2)."""
    subject = names.subject_name(review.kind, review.subject_id)
    rows: list[tuple[str, str]] = [
        (_t("id"), review.id),
        (_t("period"), f"{review.period}（{review.period.label_zh}）"),
        (_t("subject"), f"{subject}（{review.kind.label(lang)}，{review.subject_id}）"),
        (_t("reviewer"), f"{names.person_name(review.reviewer_id)}（{review.basis.label(lang)}）"),
        (_t("state"), review.state.label(lang)),
    ]
    method = review.method or review.planned_method
    if method is not None:
        when = f" {method.held_on.isoformat()}" if method.held_on else ""
        occasion = f"·{method.occasion.label(lang)}" if method.occasion else ""
        planned = "" if review.method else _zh_en("（计划）", " (planned)")
        rows.append(
            (_zh_en("点评方式", "Method"), f"{method.method.label(lang)}{occasion}{when}{planned}")
        )
    for report in review.reports:
        by = names.person_name(report.reported_by)
        text = f"{report.reported_on.isoformat()} {by}：{report.summary}"
        if report.ideas_and_measures:
            text += f"\n{_zh_en('思路措施', 'ideas')}：{report.ideas_and_measures}"
        for c in report.commitments:
            text += (
                f"\n{_zh_en('承诺', 'commitment')} {c.text}：{c.status.label(lang)} {c.evidence}"
            )
        rows.append((_zh_en("汇报", "Report"), text))
    rows.extend(
        (_zh_en("承诺评价", "Judgement"), f"{j.commitment_id}：{j.status.label(lang)} {j.remark}")
        for j in review.judgements
    )
    for comment in review.comments:
        text = comment.achievements
        for problem in comment.problems:
            text += f"\n{_zh_en('问题', 'problem')}：{problem.text}"
        rows.append((comment.aspect.label(lang), text))
    if review.direction:
        rows.append((_zh_en("努力方向", "Direction"), review.direction))
    if review.suggestions:
        rows.append((_zh_en("意见建议", "Suggestions"), review.suggestions))
    rows.extend(
        (_zh_en("参加人员", "Participant"), f"{p.name}（{p.capacity.label(lang)}）{p.opinion}")
        for p in review.participants
    )
    rows.extend((_zh_en("整改要求", "Requirement"), r.text) for r in review.requirements)
    if review.no_rectification_needed:
        rows.append((_zh_en("整改要求", "Requirement"), _zh_en("无需整改", "none needed")))
    return rows


def _later_rows(review: rf.Review, names: rf.Roster, lang: str) -> list[tuple[str, str]]:
    """The form, filing and publicity (step 3) and the rectification (step 4)."""
    rows: list[tuple[str, str]] = []
    if review.form is not None:
        filled = f"{names.person_name(review.form.filled_by)} {review.form.filled_on.isoformat()}"
        rows.append((_zh_en("点评表", "Form"), filled))
    if review.filing is not None:
        filing = review.filing
        rows.append((_zh_en("备案", "Filing"), f"{filing.filing_no} {filing.filed_on.isoformat()}"))
    if review.publicity is not None:
        pub = review.publicity
        text = f"{pub.scope}·{pub.medium.label(lang)} {pub.published_on.isoformat()}"
        rows.append((_zh_en("公开", "Publicity"), text))
    rows.extend(
        (
            _zh_en("整改台账", "Ledger item"),
            (
                f"{item.measure}；{_zh_en('责任人', 'owner')} {item.owner}；"
                f"{_zh_en('期限', 'due')} {item.due.isoformat()}；{item.status.label(lang)}"
            ),
        )
        for item in review.ledger
    )
    if review.reply is not None:
        rows.append((_zh_en("书面回复", "Written reply"), review.reply.text))
    if review.closeout is not None:
        close = review.closeout
        text = f"{names.person_name(close.confirmed_by)} {close.confirmed_on.isoformat()}"
        rows.append((_zh_en("销号", "Closeout"), f"{text} {close.remark}".strip()))
    if review.end_reason:
        rows.append((_t("reason"), review.end_reason))
    return rows


def _action_label(action: str, lang: str) -> str:
    if action == "schedule":
        return _zh_en("排期", "schedule")
    step = rf.WORKFLOW.steps.get(action)
    if step is None:
        return action
    return step.label_en if lang == "en" else step.label_zh


# -- coverage and summary ----------------------------------------------------------------------


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


@main.command(epilog=_EPILOG)
@click.argument("period")
@click.option("--root", "root_id", metavar="ORG", default=None, help="只看本组织及其下级")
@_common
def coverage(period: str, root_id: str | None) -> None:
    """周期 PERIOD 的全覆盖情况：总数、各点评领导完成率、每个未覆盖对象。

    Coverage of PERIOD: totals, each reviewer's rate, every gap named.
    """
    state = _state()
    service = state.service()
    report = service.coverage(state.need_actor(), period, root_id=root_id)
    _print_coverage(report, state.lang)


def _print_coverage(report: rf.CoverageReport, lang: str) -> None:
    out = _out()
    title = _zh_en(f"{report.period.label_zh}领导点评覆盖情况", f"coverage of {report.period}")
    out.print(title, style="bold")
    out.print(
        f"{_t('expected')} {report.expected}  {_t('reviewed')} {report.reviewed}"
        f"（{_t('closed')} {report.closed}）  {_t('in_progress')} {report.in_progress}  "
        f"{_t('waived')} {report.waived}  {_t('missing')} {report.missing}  "
        f"{_t('coverage_rate')} {_percent(report.rate)}"
    )
    rates = Table(title=_zh_en("点评领导完成情况", "reviewers"))
    for key in ("reviewer", "expected", "reviewed", "closed", "waived", "rate"):
        rates.add_column(_t(key), justify="left" if key == "reviewer" else "right")
    for r in report.reviewers:
        rates.add_row(
            r.reviewer_name,
            str(r.expected),
            str(r.reviewed),
            str(r.closed),
            str(r.waived),
            _percent(r.rate),
        )
    out.print(rates)
    gaps = Table(title=_zh_en(f"未覆盖（{len(report.gaps)}）", f"gaps ({len(report.gaps)})"))
    for key in ("period", "org", "subject", "kind", "reviewer", "reason"):
        gaps.add_column(_t(key))
    for g in report.gaps:
        gaps.add_row(
            str(g.period),
            g.org_name,
            g.subject_name,
            g.kind.label(lang),
            g.reviewer_name or _zh_en("无", "none"),
            g.reason.label(lang),
        )
    out.print(gaps)
    for title_zh, title_en, classes in (
        ("分类情况（组织类型）", "by organization type", report.by_org_type),
        ("分类情况（岗位类别）", "by post category", report.by_post_category),
    ):
        table = Table(title=_zh_en(title_zh, title_en))
        table.add_column(_t("kind"))
        table.add_column(_t("expected"), justify="right")
        table.add_column(_t("reviewed"), justify="right")
        for c in classes:
            table.add_row(c.name or "—", str(c.expected), str(c.reviewed))
        out.print(table)


@main.command(epilog=_EPILOG)
@click.argument("org")
@click.argument("year")
@_common
def summary(org: str, year: str) -> None:
    """组织 ORG 在 YEAR 年的点评情况总结。 / The yearly summary of ORG's subtree."""
    state = _state()
    service = state.service()
    result = service.summary(state.need_actor(), org, year)
    lang = state.lang
    out = _out()
    table = Table(
        title=_zh_en(f"{result.org_name} {result.year}年点评情况总结",
                     f"{result.org_name}: summary of {result.year}"),
        show_header=False,
    )  # fmt: skip
    table.add_column(style="bold")
    table.add_column()
    cov = result.coverage
    covered = (
        f"{_percent(cov.rate)}（{_t('expected')} {cov.expected}，{_t('reviewed')} "
        f"{cov.reviewed}，{_t('missing')} {cov.missing}）"
    )
    rows: list[tuple[str, str]] = [
        (_zh_en("报送期限", "Due"), result.due.isoformat()),
        *((_zh_en(f"点评{k.label_zh}", f"reviews of {k.label_en}"), str(n))
          for k, n in result.reviews_by_kind.items()),
        *((m.label(lang), str(n)) for m, n in result.reviews_by_method.items()),
        (_t("coverage_rate"), covered),
        (_zh_en("整改要求", "Requirements raised"), str(result.requirements_raised)),
        (_zh_en("整改完成", "Items done"), str(result.items_done)),
        (_zh_en("整改逾期", "Items overdue"), str(result.items_overdue)),
        (_zh_en("督导整改令", "Orders issued"), str(result.orders_issued)),
        (_zh_en("已验收", "Orders verified"), str(result.orders_verified)),
        (_zh_en("整改令逾期", "Orders overdue"), str(result.orders_overdue)),
        (_zh_en("典型事迹", "Exemplars"), str(len(result.exemplars))),
    ]  # fmt: skip
    for label, value in rows:
        table.add_row(label, value)
    out.print(table)
    for e in result.exemplars:
        out.print(f"  {_zh_en('典型', 'exemplar')}：{e.deeds}")


# -- export --------------------------------------------------------------------------------------


@main.group(epilog=_EPILOG)
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
        _fail(
            _zh_en(
                f"导出功能不可用（{error}）；请安装：pip install 'reviewflow[export]'",
                f"export is not available ({error}); install 'reviewflow[export]'",
            ),
            EXIT_REFUSED,
        )
    return module


def _written(paths: Sequence[Path]) -> None:
    out = _out()
    for path in paths:
        out.print(_zh_en(f"已写出：{path}", f"written: {path}"))


@contextmanager
def _writing() -> Iterator[None]:
    """A file that cannot be written is exit code 1 with the reason, not a traceback."""
    try:
        yield
    except rf.ReviewflowError:
        raise  # OutOfScope is a PermissionError, hence an OSError: the top group reports it
    except OSError as error:
        _fail(_zh_en(f"无法写出文件：{error}", f"cannot write the file: {error}"), EXIT_REFUSED)


_OUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@export.command("form", epilog=_EPILOG)
@click.argument("review_id")
@click.argument("out", type=_OUT_FILE)
@_common
def export_form(review_id: str, out: Path) -> None:
    """把一条点评导出为点评表 OUT.docx。 / The review form as a .docx."""
    state = _state()
    module = _exporter()
    with _writing():
        path = module.review_form(
            state.service(), state.need_actor(), review_id, out, lang=state.lang
        )
    _written([path])


@export.command("forms", epilog=_EPILOG)
@click.argument("period")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--root", "root_id", metavar="ORG", default=None, help="只导出本组织及其下级")
@_common
def export_forms(period: str, directory: Path, root_id: str | None) -> None:
    """把周期 PERIOD 的点评表逐一导出到目录 DIRECTORY。 / Every form of PERIOD."""
    state = _state()
    module = _exporter()
    with _writing():
        paths = module.period_forms(
            state.service(), state.need_actor(), period, directory, root_id=root_id, lang=state.lang
        )
    _written(paths)
    _out().print(_zh_en(f"共 {len(paths)} 份点评表。", f"{len(paths)} form(s)."))


@export.command("ledger", epilog=_EPILOG)
@click.argument("period")
@click.argument("out", type=_OUT_FILE)
@click.option("--root", "root_id", metavar="ORG", default=None, help="只导出本组织及其下级")
@_common
def export_ledger(period: str, out: Path, root_id: str | None) -> None:
    """把周期 PERIOD 的点评台账导出为 OUT.xlsx。 / The ledger of PERIOD as .xlsx."""
    state = _state()
    module = _exporter()
    with _writing():
        path = module.ledger_workbook(
            state.service(), state.need_actor(), period, out, root_id=root_id, lang=state.lang
        )
    _written([path])


@export.command("coverage", epilog=_EPILOG)
@click.argument("period")
@click.argument("out", type=_OUT_FILE)
@click.option("--root", "root_id", metavar="ORG", default=None, help="只导出本组织及其下级")
@_common
def export_coverage(period: str, out: Path, root_id: str | None) -> None:
    """把周期 PERIOD 的覆盖情况导出为 OUT.xlsx。 / Coverage of PERIOD as .xlsx."""
    state = _state()
    module = _exporter()
    with _writing():
        path = module.coverage_workbook(
            state.service(), state.need_actor(), period, out, root_id=root_id, lang=state.lang
        )
    _written([path])


@export.command("summary", epilog=_EPILOG)
@click.argument("org")
@click.argument("year", type=int)
@click.argument("out", type=_OUT_FILE)
@_common
def export_summary(org: str, year: int, out: Path) -> None:
    """把组织 ORG 在 YEAR 年的点评情况总结导出为 OUT.xlsx。 / The yearly summary as .xlsx."""
    state = _state()
    module = _exporter()
    with _writing():
        path = module.summary_workbook(
            state.service(), state.need_actor(), org, year, out, lang=state.lang
        )
    _written([path])


# -- diagram and demo ----------------------------------------------------------------------------


@main.command(epilog=_EPILOG)
@_common
def diagram() -> None:
    """打印四步流程的 Mermaid 状态图。 / Print the workflow as a Mermaid state diagram."""
    click.echo(rf.WORKFLOW.mermaid(_state().lang))


@main.command(epilog=_EPILOG)
@_common
def demo() -> None:
    """把演示名册和 2023 年第四季度的演示点评写入一个空数据库，并打印覆盖情况和台账。

    Load the demo roster into an empty store, run the demo quarter, print what the office reads.
    """
    from reviewflow.demo import (  # noqa: PLC0415 - only this command needs the scenario
        OFFICE,
        QUARTER,
        render_coverage,
        render_ledger,
        run_quarter,
        scenario_service,
    )

    state = _state()
    store = state.store()
    if store.roster().office_staff or store.reviews(rf.ReviewQuery()):
        _fail(
            _zh_en(
                f"演示需要一个空数据库，{store.url} 已有数据；换一个 --store（如 memory://）。",
                f"the demo needs an empty store and {store.url} has data; choose another --store.",
            ),
            EXIT_REFUSED,
        )
    state.close()
    service = scenario_service(state.store_url)
    try:
        run_quarter(service)
        report = service.coverage(OFFICE, QUARTER)
        lines = [
            render_coverage(report),
            "",
            render_ledger(service, service.reviews(OFFICE, within=QUARTER)),
            "",
            "典型事迹：",
            *(f"  {e.deeds}" for e in service.exemplars()),
        ]
    finally:
        service.store.close()
    click.echo("\n".join(lines))
    click.echo(
        _zh_en(
            f"\n演示数据已写入 {state.store_url}；办公室人员编号 {OFFICE}，如："
            f"reviewflow --store {state.store_url} coverage {QUARTER} --as {OFFICE}",
            f"\nthe demo is in {state.store_url}; the office is {OFFICE}",
        )
    )
