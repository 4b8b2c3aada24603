"""``reviewflow outbox``: queue the day's reminders, deliver the outbox to a webhook, list and
queue again the messages that kept failing (docs/notifications.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from rich.table import Table

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


def _outbox_store() -> rf.OutboxStore:
    store = cli_state().store()
    if not isinstance(store, rf.OutboxStore):
        fail(
            zh_en(
                f"错误：{store.url} 没有发件箱（OutboxStore）",
                f"error: {store.url} has no outbox (OutboxStore)",
            ),
            EXIT_REFUSED,
        )
    return store


def _now() -> datetime:
    return datetime.now(UTC)


@main.group(epilog=EPILOG)
def outbox() -> None:
    """发件箱：提醒入队、发送通知、失败重发。 / The outbox: reminders, delivery, the dead list."""


@outbox.command("remind", epilog=EPILOG)
@common_options
def outbox_remind() -> None:
    """把今天到期或逾期的事项作为提醒放入发件箱（同一提醒每天只入队一次）。

    Queue today's reminders (what is due soon or overdue) in the outbox, each once a day.
    """
    state = cli_state()
    _outbox_store()
    state.outbox = True
    found = state.service().check_deadlines(state.need_actor())
    out_console().print(
        zh_en(f"已检查到期事项 {len(found)} 项，提醒已入队。", f"{len(found)} reminder(s) queued.")
    )


@outbox.command("run", epilog=EPILOG)
@click.option("--webhook", metavar="URL", required=True, help="接收通知的地址 / webhook URL")
@click.option("--batch", type=int, default=100, show_default=True, help="每批领取 / per claim")
@click.option("--limit", type=int, default=None, help="本次最多发送 / at most this many")
@click.option("--attempts", type=int, default=8, show_default=True, help="失败几次后停发 / tries")
@click.option(
    "--first-delay", type=int, default=30, show_default=True, help="首次重试等待（秒） / seconds"
)
@click.option(
    "--timeout", type=float, default=10.0, show_default=True, help="每次发送超时（秒） / seconds"
)
@common_options
def outbox_run(  # noqa: PLR0917 - the dispatcher's settings, each an option
    webhook: str,
    batch: int,
    limit: int | None,
    attempts: int,
    first_delay: int,
    timeout: float,
) -> None:
    """把发件箱中到期的通知逐条 POST 到 --webhook（JSON），失败的按指数退避稍后重发。

    Post each message due in the outbox to --webhook as JSON; failures are retried later.
    """
    store = _outbox_store()
    backoff = rf.Backoff(first=timedelta(seconds=first_delay), attempts=attempts)
    send = rf.webhook(webhook, timeout=timeout)
    report = rf.dispatch(store, send, clock=_now, backoff=backoff, batch=batch, limit=limit)
    out_console().print(
        zh_en(
            f"已送达 {len(report.delivered)} 条，待重试 {len(report.retrying)} 条，"
            f"停发 {len(report.dead)} 条（见 reviewflow outbox dead）。",
            f"delivered {len(report.delivered)}, retrying {len(report.retrying)}, "
            f"dead {len(report.dead)} (see reviewflow outbox dead).",
        )
    )


@outbox.command("dead", epilog=EPILOG)
@common_options
def outbox_dead() -> None:
    """列出多次发送失败、已停发的通知。 / The messages that kept failing."""
    dead = _outbox_store().dead_messages()
    table = Table(title=zh_en(f"停发的通知 {len(dead)} 条", f"{len(dead)} dead message(s)"))
    for zh, en in (("编号", "id"), ("类型", "kind"), ("入队时间", "queued"),
                   ("失败次数", "attempts"), ("最后错误", "last error")):  # fmt: skip
        table.add_column(zh_en(zh, en))
    for d in dead:
        message = d.message
        table.add_row(
            message.id, message.kind, message.at.isoformat(), str(d.attempts), d.last_error
        )
    out_console().print(table)


@outbox.command("purge", epilog=EPILOG)
@click.option(
    "--days", type=click.IntRange(min=0), default=30, show_default=True,
    help="删除多少天以前已送达的通知 / delete what was delivered this many days ago or earlier",
)  # fmt: skip
@common_options
def outbox_purge(days: int) -> None:
    """删除早已送达的通知（待发送和停发的保留）。 / Delete messages delivered long ago."""
    gone = _outbox_store().purge(_now() - timedelta(days=days))
    out_console().print(
        zh_en(
            f"已删除 {days} 天前送达的通知 {gone} 条",
            f"deleted {gone} message(s) delivered {days} or more days ago",
        )
    )


@outbox.command("retry", epilog=EPILOG)
@click.argument("message_id", metavar="ID")
@common_options
def outbox_retry(message_id: str) -> None:
    """把停发的通知 ID 重新放入发件箱，下次 run 时发送。 / Queue a dead message again."""
    again = _outbox_store().requeue(message_id, _now())
    out_console().print(
        zh_en(
            f"已重新入队：{again.message.id}（{again.message.kind}）",
            f"queued again: {again.message.id} ({again.message.kind})",
        )
    )
