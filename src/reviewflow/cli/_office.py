"""The office's records: ``office submit`` and ``office submissions`` (R-SUMMARY-SUBMIT),
``office inspect`` and ``office inspections`` (R-SUPERVISE), ``office publicity`` (R-EXEMPLAR)."""

from __future__ import annotations

from datetime import date, datetime

import click
from rich.table import Table

from reviewflow.cli._app import EPILOG, cli_state, common_options, main, out_console, zh_en

_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@main.group(epilog=EPILOG)
def office() -> None:
    """办公室记录：总结报送、督导检查、典型宣传。 / The office's records."""


@office.command("submit", epilog=EPILOG)
@click.argument("org")
@click.argument("year", type=int)
@click.option("--reference", required=True, help="总结的文号 / the document's reference")
@click.option("--on", "on", type=_DAY, default=None, help="报送日期（默认今天） / submitted on")
@common_options
def office_submit(org: str, year: int, reference: str, on: datetime | None) -> None:
    """登记组织 ORG 报送 YEAR 年点评情况总结（书记本人或办公室代为登记）。

    Record that ORG submitted its summary of YEAR (its head, or the office on its behalf).
    """
    state = cli_state()
    sent = state.service().submit_summary(
        state.need_actor(), org, year, reference=reference, submitted_on=_day(on)
    )
    out_console().print(
        zh_en(
            f"已登记：{sent.org_id} {sent.year}年点评情况总结，{sent.submitted_on.isoformat()} "
            f"报送，文号 {sent.reference}",
            f"recorded: {sent.org_id}'s summary of {sent.year}, submitted "
            f"{sent.submitted_on.isoformat()}, reference {sent.reference}",
        )
    )


@office.command("submissions", epilog=EPILOG)
@click.argument("year", type=int)
@click.option("--missing", is_flag=True, help="只列未报送的组织 / only those not submitted")
@common_options
def office_submissions(year: int, missing: bool) -> None:
    """YEAR 年点评情况总结的报送情况：已报送和未报送的组织。

    Who has submitted the summary of YEAR, and who has not.
    """
    state = cli_state()
    listed = state.service().summary_submissions(state.need_actor(), year)
    shown = [s for s in listed if not (missing and s.submitted)]
    late = sum(1 for s in listed if not s.submitted)
    table = Table(
        title=zh_en(
            f"{year}年点评情况总结报送情况（未报送 {late} 个）",
            f"summaries of {year} ({late} not submitted)",
        )
    )
    for zh, en in (("党组织", "organization"), ("报送期限", "due"), ("报送日期", "submitted on"),
                   ("文号", "reference")):  # fmt: skip
        table.add_column(zh_en(zh, en))
    for s in shown:
        sent = s.submission
        table.add_row(
            s.org_name,
            s.due.isoformat(),
            sent.submitted_on.isoformat() if sent else zh_en("未报送", "not submitted"),
            sent.reference if sent else "",
        )
    out_console().print(table)


@office.command("inspect", epilog=EPILOG)
@click.argument("org")
@click.option("--on", "on", type=_DAY, required=True, help="检查日期 / the day of the inspection")
@click.option(
    "--inspector", "inspectors", multiple=True, required=True, help="检查人（可多次） / inspector"
)
@click.option("--place", required=True, help="检查地点 / where")
@click.option("--findings", required=True, help="发现的问题 / what was found")
@common_options
def office_inspect(
    org: str, on: datetime, inspectors: tuple[str, ...], place: str, findings: str
) -> None:
    """登记对组织 ORG 的督导检查（办公室）。 / Record an inspection of ORG (the office)."""
    state = cli_state()
    visit = state.service().record_inspection(
        state.need_actor(), org_id=org, on=on.date(), inspectors=inspectors, place=place,
        findings=findings,
    )  # fmt: skip
    out_console().print(zh_en(f"已登记督导检查 {visit.id}", f"inspection {visit.id} recorded"))


@office.command("inspections", epilog=EPILOG)
@click.option("--root", "root_id", metavar="ORG", default=None, help="只看本组织及其下级")
@click.option("--year", type=int, default=None, help="只看该年 / only that year")
@common_options
def office_inspections(root_id: str | None, year: int | None) -> None:
    """督导检查记录及其引出的限期整改。 / The inspections, and the orders they gave rise to."""
    state = cli_state()
    service = state.service()
    actor = state.need_actor()
    found = service.inspections(actor, root_id=root_id, year=year)
    roster = service.roster()
    table = Table(title=zh_en(f"督导检查（{len(found)}）", f"inspections ({len(found)})"))
    for zh, en in (("编号", "id"), ("日期", "on"), ("党组织", "organization"),
                   ("检查人", "inspectors"), ("地点", "place"), ("发现问题", "findings"),
                   ("限期整改", "orders")):  # fmt: skip
        table.add_column(zh_en(zh, en))
    for visit in found:
        org = roster.organization(visit.org_id)
        orders = service.orders(actor, inspection_id=visit.id)
        table.add_row(
            visit.id,
            visit.on.isoformat(),
            org.name if org else visit.org_id,
            "、".join(visit.inspectors),
            visit.place,
            visit.findings,
            ", ".join(o.id for o in orders),
        )
    out_console().print(table)


@office.command("publicity", epilog=EPILOG)
@click.argument("exemplar")
@click.option("--on", "on", type=_DAY, required=True, help="宣传日期 / the day")
@click.option("--medium", required=True, help="宣传媒介（简报、网站……） / the medium")
@click.option("--where", "where", required=True, help="刊发位置 / where it appeared")
@common_options
def office_publicity(exemplar: str, on: datetime, medium: str, where: str) -> None:
    """登记典型 EXEMPLAR 的宣传（办公室）。 / Record an exemplar's publicity (the office)."""
    state = cli_state()
    found = state.service().record_publicity(
        state.need_actor(), exemplar, on=on.date(), medium=medium, where=where
    )
    out_console().print(
        zh_en(
            f"已登记：典型 {found.id} 宣传 {len(found.publicity)} 次",
            f"recorded: exemplar {found.id}, publicized {len(found.publicity)} time(s)",
        )
    )
