"""The ``reviewflow`` group and what every command shares: the options ``--store``, ``--as`` and
``--lang`` (before the command and after it), the state they set (the store and the service,
opened once), the bilingual labels, the consoles and progress bar, and the exit codes (listed in
:mod:`reviewflow.cli`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import reviewflow as rf

__all__ = [
    "DEFAULT_STORE",
    "EPILOG",
    "EXIT_BAD_ROWS",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_STORE",
    "EXIT_USAGE",
    "CliState",
    "caption",
    "cli_state",
    "common_options",
    "err_console",
    "fail",
    "main",
    "out_console",
    "progress_bar",
    "progress_display",
    "run_on",
    "zh_en",
]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_BAD_ROWS = 3
EXIT_STORE = 4

DEFAULT_STORE = "sqlite:///reviewflow.db"

_F = TypeVar("_F", bound=Callable[..., Any])

EPILOG = """\b
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
    "not_applicable": ("不适用", "Not applicable"),
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


def caption(key: str) -> str:
    zh, en = _LABELS[key]
    return en if cli_state().lang == "en" else zh


def zh_en(zh: str, en: str) -> str:
    return en if cli_state().lang == "en" else zh


# -- state shared by the commands ----------------------------------------------------------------


@attrs.define
class CliState:
    store_url: str = DEFAULT_STORE
    actor: str | None = None
    lang: str = "zh"
    calendar: str | None = None
    policy: str | None = None
    outbox: bool = False
    """Whether the service queues its events in the store's outbox (``outbox remind``)."""
    _store: rf.Store | None = None
    _service: rf.ReviewService | None = None

    def store(self) -> rf.Store:
        if self._store is None:
            self._store = rf.open_store(self.store_url)
        return self._store

    def service(self) -> rf.ReviewService:
        if self._service is None:
            # R-DEADLINE: later years' holidays from --calendar (read before the store opens,
            # so that a bad file is refused before anything is touched).
            calendar = rf.HolidayCalendar.load(self.calendar) if self.calendar else None
            # The deployment's policy (cadences, methods, deadlines, a holiday file of its own;
            # docs/policy.md), read before the store opens too.
            policy = rf.Policy.load(self.policy) if self.policy else None
            self._service = rf.ReviewService(
                self.store(), policy=policy, calendar=calendar, outbox=self.outbox
            )
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


def cli_state() -> CliState:
    return click.get_current_context().ensure_object(CliState)


def _keeps(field: str) -> Callable[[click.Context, click.Parameter, str | bool | None], None]:
    """The callback of an option given before or after the command: its value, when given, is
    kept in the shared state's ``field`` (a later one overrides an earlier one)."""

    def callback(ctx: click.Context, _param: click.Parameter, value: str | bool | None) -> None:
        if value is not None:
            setattr(ctx.ensure_object(CliState), field, value)

    return callback


_CALENDAR_HELP = (
    "节假日文件（TOML：包内数据未覆盖年份的节假日和调休，见 docs/concepts.md；"
    "也可用环境变量 REVIEWFLOW_CALENDAR） / holiday calendar file for later years"
)


def common_options(command: _F) -> _F:
    """``--store``, ``--as`` and ``--lang`` after the command too (they override those before)."""
    for option in (
        click.option(
            "--lang",
            type=click.Choice(["zh", "en"]),
            default=None,
            expose_value=False,
            callback=_keeps("lang"),
            help="输出语言（默认 zh） / output language",
        ),
        click.option(
            "--as",
            "actor",
            metavar="PERSON",
            default=None,
            expose_value=False,
            callback=_keeps("actor"),
            help="操作人的编号 / the acting person's id",
        ),
        click.option(
            "--store",
            metavar="URL",
            default=None,
            expose_value=False,
            callback=_keeps("store_url"),
            help=f"数据库地址（默认 {DEFAULT_STORE}） / store URL",
        ),
        click.option(
            "--calendar",
            metavar="FILE",
            default=None,
            expose_value=False,
            callback=_keeps("calendar"),
            help=_CALENDAR_HELP,
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


def out_console() -> Console:
    return _console()


def err_console() -> Console:
    return _console(stderr=True)


def progress_display() -> Progress:
    """A rich progress display on stderr, shown on a terminal only and gone when done."""
    console = err_console()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (shown on a terminal only); yields ``advance(n)``."""
    with progress_display() as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int) -> None:
            progress.advance(task, n)

        yield advance


def fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    raise click.exceptions.Exit(code)


def _error_text(error: rf.ReviewflowError) -> str:
    """The library's sentence in the output language (``--lang``), with the error's code."""
    if cli_state().lang == "en":
        return f"error ({error.code}): {error.message_en}"
    return f"错误：{error.message_zh}"


class _Main(click.Group):
    """The top group: turns the library's refusals into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (rf.StoreUnavailable, rf.SchemaMismatch) as error:
            hint = ""
            if isinstance(error, rf.SchemaMismatch) and error.found < error.expected:
                hint = zh_en(
                    "\n先备份（reviewflow db copy），再运行 reviewflow db upgrade",
                    "\nback it up (reviewflow db copy), then run reviewflow db upgrade",
                )
            fail(_error_text(error) + hint, EXIT_STORE)
        except rf.ReviewflowError as error:
            fail(_error_text(error), EXIT_REFUSED)


@click.group(cls=_Main, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    metavar="URL",
    default=None,
    expose_value=False,
    callback=_keeps("store_url"),
    help=f"数据库地址（默认 {DEFAULT_STORE}；也可 memory://、postgresql://…、mysql://…）",
)
@click.option(
    "--as",
    "actor",
    metavar="PERSON",
    default=None,
    expose_value=False,
    callback=_keeps("actor"),
    help="操作人的编号（办理或查看本人范围内数据的命令必须提供）",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    expose_value=False,
    callback=_keeps("lang"),
    help="输出语言：zh（默认）或 en",
)
@click.option(
    "--calendar",
    metavar="FILE",
    default=None,
    envvar="REVIEWFLOW_CALENDAR",
    expose_value=False,
    callback=_keeps("calendar"),
    help=_CALENDAR_HELP,
)
@click.option(
    "--policy",
    metavar="FILE",
    default=None,
    envvar="REVIEWFLOW_POLICY",
    expose_value=False,
    callback=_keeps("policy"),
    help="政策文件（TOML：周期、点评方式、期限、分类规则，见 docs/policy.md；也可用环境变量 "
    "REVIEWFLOW_POLICY） / the deployment's policy file",
)
@click.option(
    "--outbox/--no-outbox",
    default=None,
    envvar="REVIEWFLOW_OUTBOX",
    expose_value=False,
    callback=_keeps("outbox"),
    help="把各项变动的通知写入数据库的待发队列，由 reviewflow outbox run 发送（也可用环境变量 "
    "REVIEWFLOW_OUTBOX=1） / queue each change's events in the store's outbox",
)
@click.version_option(rf.__version__, prog_name="reviewflow")
@click.pass_context
def main(ctx: click.Context) -> None:
    """创先争优活动领导点评：名册、排期、四步流程、覆盖情况与督导。

    Leadership reviews (领导点评) of the 创先争优 campaign, on the command line.
    """
    state = ctx.ensure_object(CliState)
    ctx.call_on_close(state.close)


HOST_OPTIONS = ("--store", "--policy", "--calendar")
"""The options :func:`run_on` refuses: the host's service fixes the store, policy and calendar."""


def run_on(
    service: rf.ReviewService, args: Sequence[str], *, store_label: str, prog_name: str
) -> int:
    """Run the command line with ``args`` on a service the host made (its database, its
    transactions, its policy: ``manage.py reviewflow`` in :mod:`reviewflow.contrib.django`)
    instead of one opened from ``--store``; returns the exit code. ``store_label`` names the
    store in messages. ``--store``, ``--policy`` and ``--calendar`` are refused (exit code 2):
    the host's settings give them."""
    given = [a for a in args if a.split("=", 1)[0] in HOST_OPTIONS]
    if given:
        click.echo(
            f"{prog_name}：{given[0].split('=', 1)[0]} 由宿主的设置决定，此处不可指定"
            f" / {given[0].split('=', 1)[0]} comes from the host's settings, not the command line",
            err=True,
        )
        return EXIT_USAGE
    state = CliState(store_url=store_label, store=service.store, service=service)
    try:
        main.main(args=list(args), prog_name=prog_name, obj=state)
    except SystemExit as done:  # click ends even a successful command this way
        code = done.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_REFUSED)
    return EXIT_OK  # pragma: no cover - click always ends by SystemExit in standalone mode
