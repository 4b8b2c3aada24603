"""Taking the four steps on the command line: ``reviews`` (the reviews a person may read, with
short ids) and ``step`` (any step of the workflow on one review, its data as ``NAME=VALUE``).

A review is named by its id or by the start of it (as git names a commit): the short id that
``reviews`` and ``work`` print, at least eight characters of a UUID, is enough when no other
review the person may read begins the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.table import Table

import reviewflow as rf
from reviewflow.cli._app import (
    EPILOG,
    EXIT_USAGE,
    caption,
    cli_state,
    common_options,
    fail,
    main,
    out_console,
    zh_en,
)
from reviewflow.cli._rows import parse_day

__all__ = ["find_review", "short_ids"]

SHORT = 8
"""The characters of a long id a short id keeps after its prefix (``review-``): eight hex digits
tell apart any two of tens of thousands of reviews."""


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Each id's short form: the id itself when it is short (``review-12``), else its prefix and
    the first :data:`SHORT` characters after it, longer where two of ``ids`` share those."""
    every = sorted(set(ids))
    out: dict[str, str] = {}
    for i, review_id in enumerate(every):
        if len(review_id) <= SHORT + 8:
            out[review_id] = review_id
            continue
        length = review_id.find("-") + 1 + SHORT
        neighbours = [every[j] for j in (i - 1, i + 1) if 0 <= j < len(every)]
        while length < len(review_id) and any(n.startswith(review_id[:length]) for n in neighbours):
            length += 1
        out[review_id] = review_id[:length]
    return out


def find_review(service: rf.ReviewService, actor: str, text: str) -> rf.Review:
    """The review ``text`` names for ``actor``: its id, or the one review the actor may read
    whose id begins with it. Anything else is the library's own refusal (``NotFound``,
    ``OutOfScope``), logged as any refusal is."""
    found = [r for r in service.reviews(actor) if r.id.startswith(text)] if text else []
    exact = [r for r in found if r.id == text]
    if exact or len(found) == 1:
        return (exact or found)[0]
    if len(found) > 1:
        shown = "、".join(sorted(r.id for r in found)[:5])
        fail(
            zh_en(
                f"“{text}”对应 {len(found)} 条点评（{shown} …）：请多写几位编号。",
                f"{text!r} names {len(found)} reviews ({shown} ...): give more of the id.",
            ),
            EXIT_USAGE,
        )
    return service.review(actor, text)


@main.command(epilog=EPILOG)
@click.option("--period", metavar="PERIOD", default=None, help="周期，如 2023-Q4、2023年12月")
@click.option("--org", "root_id", metavar="ORG", default=None, help="只列该组织及其下级")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in rf.ReviewState]),
    help="只列这些状态（可重复）",
)
@common_options
def reviews(period: str | None, root_id: str | None, states: Sequence[str]) -> None:
    """本人可查看的点评，带短编号。 / The reviews the person may read, with short ids."""
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    found = service.reviews(
        actor,
        within=period,
        root_id=root_id,
        states=[rf.ReviewState(s) for s in states] if states else None,
    )
    names = service.roster()
    short = short_ids(r.id for r in found)
    table = Table(title=zh_en(f"点评（{len(found)} 条）", f"reviews ({len(found)})"))
    for key in ("id", "period", "subject", "reviewer", "state"):
        table.add_column(caption(key))
    for review in found:
        table.add_row(
            short[review.id],
            str(review.period) if state.lang == "en" else review.period.label_zh,
            names.subject_name(review.kind, review.subject_id),
            names.person_name(review.reviewer_id),
            review.state.label(state.lang),
        )
    out_console().print(table)


_STEP_HELP = """在一条点评上办理一步（REVIEW 为编号或短编号）。 / Take one step on a review.

\b
步骤及其数据（NAME=VALUE，日期写作 2023-12-20；可重复的写多次）：
{steps}

\b
例：reviewflow step 3f2a9c1d record_method method=集中点评 held_on=2023-12-20 --as zhou
    reviewflow step 3f2a9c1d comment aspect=立足本职争优秀 achievements=表现良好 \\
        problems=学习笔记不够系统 --as zhou
"""

# Arguments that take a list: given once or more (NAME=VALUE NAME=VALUE ...).
_LISTS = frozenset({"problems", "problem_ids", "commitments"})


def _steps_text() -> str:
    lines = []
    for trigger, step in rf.WORKFLOW.steps.items():
        payload = rf.WORKFLOW.payloads[step.payload]
        takes = [*payload.required, *(f"[{name}]" for name in payload.optional)]
        lines.append(f"  {trigger:<24} {step.label_zh}  {' '.join(takes)}".rstrip())
    return "\n".join(lines)


@main.command(help=_STEP_HELP.format(steps=_steps_text()), epilog=EPILOG)
@click.argument("review_text", metavar="REVIEW")
@click.argument("trigger", type=click.Choice(list(rf.WORKFLOW.steps)), metavar="STEP")
@click.argument("data", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--reason", default="", help="理由（撤销、免于点评、不适用等须填写）")
@common_options
def step(review_text: str, trigger: str, data: Sequence[str], reason: str) -> None:
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    review = find_review(service, actor, review_text)
    arguments = _arguments(data)
    changed = service.take(actor, trigger, review.id, reason=reason, **arguments)
    names = service.roster()
    label = rf.WORKFLOW.steps[trigger]
    out_console().print(
        zh_en(
            f"已办理“{label.label_zh}”：{names.person_name(changed.reviewer_id)}点评"
            f"{names.subject_name(changed.kind, changed.subject_id)}（{changed.period.label_zh}），"
            f"当前环节：{changed.state.label_zh}",
            f"{label.label_en} done on {changed.id}: now {changed.state.label_en}",
        )
    )


def _arguments(data: Sequence[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as the step's arguments: a date for ``*_on`` (and ``due`` when it is
    one), a list for the arguments that take one, a text otherwise."""
    out: dict[str, Any] = {}
    for pair in data:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.UsageError(
                f"“{pair}”：数据写作 NAME=VALUE（如 held_on=2023-12-20） / "
                "data is written NAME=VALUE"
            )
        if name in _LISTS:
            out.setdefault(name, []).append(_item(name, value))
        elif name in out:
            raise click.UsageError(f"“{name}”只能给一次 / {name!r} is given twice")
        else:
            out[name] = _value(name, value)
    return out


def _value(name: str, value: str) -> Any:
    if name.endswith("_on") or name == "due":
        day = parse_day(value)  # 2023-12-20, 2023/12/20, 2023年12月20日 ...
        if day is not None:
            return day
        if name == "due":
            return value  # a deadline the library counts: 20个工作日, 15天
        raise click.UsageError(f"{name}：日期写作 2023-12-20 / {name} is a date like 2023-12-20")
    return value


def _item(name: str, value: str) -> Any:
    if name != "commitments":
        return value
    parts = value.split("|")
    if len(parts) not in (3, 4):
        raise click.UsageError(
            "commitments：每项写作 编号|承诺内容|状态|说明"
            "（状态：已兑现、推进中、未兑现、未开始） / each commitment is ID|TEXT|STATUS|EVIDENCE"
        )
    return rf.Commitment(parts[0], parts[1], rf.FulfilmentStatus(parts[2]), *parts[3:])


@main.command(epilog=EPILOG)
@click.argument("review_text", metavar="REVIEW")
@click.option("--reason", required=True, help="理由（必填）")
@common_options
def reopen(review_text: str, reason: str) -> None:
    """重新点评一条已撤销的点评（仅办公室）。 / Open a cancelled review's slot again (R-REOPEN)."""
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    review = find_review(service, actor, review_text)
    new = service.reopen(actor, review.id, reason=reason)
    out_console().print(
        zh_en(
            f"已重新点评：新点评 {new.id}（第{new.round}轮），接续 {review.id}",
            f"reopened: new review {new.id} (round {new.round}) after {review.id}",
        )
    )
