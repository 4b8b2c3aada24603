"""``reviewflow db``: create, upgrade, verify and copy the store."""

from __future__ import annotations

import click
from rich.table import Table

import reviewflow as rf
from reviewflow.cli._app import (
    EPILOG,
    EXIT_REFUSED,
    caption,
    cli_state,
    common_options,
    err_console,
    fail,
    main,
    out_console,
    progress_display,
    zh_en,
)


@main.group(epilog=EPILOG)
def db() -> None:
    """数据库：建库、升级、校验、复制。 / The store: create, upgrade, verify, copy."""


@db.command("init", epilog=EPILOG)
@common_options
def db_init() -> None:
    """建立数据库结构（已建立则只检查版本）。 / Create the schema."""
    state = cli_state()
    store = state.store()
    if isinstance(store, rf.SqlStore):
        version = store.schema_version()
        out_console().print(
            zh_en(
                f"数据库已就绪：{store.url}（结构版本 {version}）",
                f"store ready: {store.url} (schema version {version})",
            )
        )
    else:
        out_console().print(zh_en(f"存储已就绪：{store.url}", f"store ready: {store.url}"))


@db.command("upgrade", epilog=EPILOG)
@common_options
def db_upgrade() -> None:
    """把数据库升级到本版本的结构（先备份）。 / Upgrade the schema (back it up first).

    SQLite、PostgreSQL、MySQL/MariaDB 均可，已是本版本结构的数据库不变；使用 Alembic 的宿主系统
    改用 reviewflow 的迁移版本（见 docs/embedding.md）。

    Any SQL store; a database at this version is left alone. Hosts with Alembic use
    reviewflow's revisions instead (see docs/embedding.md).
    """
    state = cli_state()
    version = rf.upgrade_store(state.store_url)
    out_console().print(
        zh_en(
            f"数据库已升级到结构版本 {version}：{state.store_url}",
            f"upgraded to schema version {version}",
        )
    )


@db.command("verify", epilog=EPILOG)
@common_options
def db_verify() -> None:
    """校验每条点评的历史记录未被篡改（仅办公室；发现问题时退出码 1）。

    Verify that no review's history was edited behind the library's back (office only).
    """
    state = cli_state()
    found = state.service().verify(state.need_actor())
    out = out_console()
    if not found:
        out.print(zh_en("校验通过：记录均为系统写入，未被改动。", "verified: no tampering found."))
        return
    table = Table(title=zh_en(f"发现 {len(found)} 处篡改", f"{len(found)} tampering(s) found"))
    table.add_column(caption("review"))
    table.add_column(caption("seq"), justify="right")
    table.add_column(caption("problem"))
    for t in found:
        table.add_row(t.review_id, "" if t.seq is None else str(t.seq), t.problem)
    err_console().print(table)
    raise click.exceptions.Exit(EXIT_REFUSED)


@db.command("copy", epilog=EPILOG)
@click.argument("target_url", metavar="TARGET_URL")
@click.option("--batch-size", default=500, show_default=True, help="每批复制的点评条数")
@common_options
def db_copy(target_url: str, batch_size: int) -> None:
    """把 --store 的全部数据复制到 TARGET_URL，并核对（可中断后重跑续传）。

    Copy everything to TARGET_URL (a move or a backup), then verify the copy.
    """
    state = cli_state()
    source = state.store()
    with progress_display() as progress:
        task = progress.add_task(zh_en("复制点评", "copying reviews"), total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = rf.copy_store(source, target_url, batch_size=batch_size, progress=report)
    out = out_console()
    table = Table(title=zh_en(f"复制到 {target_url}", f"copied to {target_url}"))
    table.add_column(caption("name"))
    table.add_column("", justify="right")
    for label, value in (
        (
            zh_en("点评（本次复制/总数）", "reviews (copied/total)"),
            f"{result.reviews_copied}/{result.reviews_total}",
        ),
        (zh_en("历史记录", "history entries"), str(result.history_entries)),
        (zh_en("被拒操作记录", "attempts"), str(result.attempts_copied)),
        (zh_en("督导整改令", "supervision orders"), str(result.orders_copied)),
        (zh_en("典型事迹", "exemplars"), str(result.exemplars_copied)),
    ):
        table.add_row(label, value)
    out.print(table)
    if not result.verified:
        fail(
            zh_en("核对未通过：", "the copy does not verify: ") + "; ".join(result.differences),
            EXIT_REFUSED,
        )
    out.print(zh_en("核对通过。", "verified."))
