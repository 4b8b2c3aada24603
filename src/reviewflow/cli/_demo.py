"""``reviewflow diagram`` (the workflow as a Mermaid state diagram) and ``reviewflow demo`` (the
demonstration quarter, written into an empty store)."""

from __future__ import annotations

import click

import reviewflow as rf
from reviewflow.cli._app import EPILOG, EXIT_REFUSED, cli_state, common_options, fail, main, zh_en


@main.command(epilog=EPILOG)
@common_options
def diagram() -> None:
    """打印四步流程的 Mermaid 状态图。 / Print the workflow as a Mermaid state diagram."""
    click.echo(rf.WORKFLOW.mermaid(cli_state().lang))


@main.command(epilog=EPILOG)
@common_options
def demo() -> None:
    """把演示名册和 2023 年第四季度的演示点评写入一个空数据库，并打印覆盖情况和台账。

    Load the demo roster into an empty store, run the demo quarter, print what the office reads.
    """
    from reviewflow.demo import (  # noqa: PLC0415 - only this command needs the scenario
        OFFICE,
        QUARTER,
        render_quarter,
        run_quarter,
        scenario_service,
    )

    state = cli_state()
    store = state.store()
    if store.roster().office_staff or store.reviews(rf.ReviewQuery()):
        fail(
            zh_en(
                f"演示需要一个空数据库，{store.url} 已有数据；换一个 --store（如 memory://）。",
                f"the demo needs an empty store and {store.url} has data; choose another --store.",
            ),
            EXIT_REFUSED,
        )
    state.close()
    service = scenario_service(state.store_url)
    try:
        run_quarter(service)
        text = render_quarter(service)
    finally:
        service.store.close()
    click.echo(text)
    click.echo(
        zh_en(
            f"\n演示数据已写入 {state.store_url}；办公室人员编号 {OFFICE}，如："
            f"reviewflow --store {state.store_url} coverage {QUARTER} --as {OFFICE}",
            f"\nthe demo is in {state.store_url}; the office is {OFFICE}",
        )
    )
