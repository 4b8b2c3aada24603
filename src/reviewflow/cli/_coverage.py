"""Scheduling a period and reading how far it got: ``schedule``, ``coverage`` and ``summary``."""

from __future__ import annotations

import click
from rich.table import Table

import reviewflow as rf
from reviewflow.cli._app import (
    EPILOG,
    caption,
    cli_state,
    common_options,
    main,
    out_console,
    progress_bar,
    zh_en,
)


@main.command(epilog=EPILOG)
@click.argument("period")
@click.option("--root", "root_id", metavar="ORG", default=None, help="只排本组织及其下级")
@common_options
def schedule(period: str, root_id: str | None) -> None:
    """按规则为周期 PERIOD（2023-11、2023-Q4 或 2023）排定应开展的点评。

    Schedule every review the rules call for within PERIOD (idempotent).
    """
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    whole = rf.Period.parse(period)
    parts = whole.subperiods(rf.PeriodKind.QUARTER) if whole.kind is rf.PeriodKind.YEAR else ()
    created = 0
    with progress_bar(zh_en("排期", "scheduling"), len(parts) + 1) as advance:
        for part in parts:  # a year quarter by quarter, so the bar moves
            created += len(service.schedule(actor, part, root_id=root_id).created)
            advance(1)
        result = service.schedule(actor, whole, root_id=root_id)
        advance(1)
    created += len(result.created)
    existing = result.existing - (created - len(result.created))
    out = out_console()
    out.print(
        zh_en(
            f"{whole.label_zh}：新建点评 {created} 条，已存在 {existing} 条，"
            f"无点评领导 {len(result.gaps)} 个",
            f"{whole}: {created} review(s) created, {existing} existing, "
            f"{len(result.gaps)} without a reviewer",
        )
    )
    if result.gaps:
        names = service.roster()
        table = Table(title=zh_en("未能安排", "gaps"))
        for key in ("period", "org", "subject", "kind", "reason"):
            table.add_column(caption(key))
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


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


@main.command(epilog=EPILOG)
@click.argument("period")
@click.option("--root", "root_id", metavar="ORG", default=None, help="只看本组织及其下级")
@common_options
def coverage(period: str, root_id: str | None) -> None:
    """周期 PERIOD 的全覆盖情况：总数、各点评领导完成率、每个未覆盖对象。

    Coverage of PERIOD: totals, each reviewer's rate, every gap named.
    """
    state = cli_state()
    service = state.service()
    report = service.coverage(state.need_actor(), period, root_id=root_id)
    _print_coverage(report, state.lang)


def _print_coverage(report: rf.CoverageReport, lang: str) -> None:
    out = out_console()
    title = zh_en(f"{report.period.label_zh}领导点评覆盖情况", f"coverage of {report.period}")
    out.print(title, style="bold")
    out.print(
        f"{caption('expected')} {report.expected}  {caption('reviewed')} {report.reviewed}"
        f"（{caption('closed')} {report.closed}）  {caption('in_progress')} {report.in_progress}  "
        f"{caption('waived')} {report.waived}  {caption('not_applicable')} "
        f"{report.not_applicable}  {caption('missing')} {report.missing}  "
        f"{caption('coverage_rate')} {_percent(report.rate)}"
    )
    rates = Table(title=zh_en("点评领导完成情况", "reviewers"))
    for key in ("reviewer", "expected", "reviewed", "closed", "waived", "not_applicable", "rate"):
        rates.add_column(caption(key), justify="left" if key == "reviewer" else "right")
    for r in report.reviewers:
        rates.add_row(
            r.reviewer_name,
            str(r.expected),
            str(r.reviewed),
            str(r.closed),
            str(r.waived),
            str(r.not_applicable),
            _percent(r.rate),
        )
    out.print(rates)
    gaps = Table(title=zh_en(f"未覆盖（{len(report.gaps)}）", f"gaps ({len(report.gaps)})"))
    for key in ("period", "org", "subject", "kind", "reviewer", "reason"):
        gaps.add_column(caption(key))
    for g in report.gaps:
        gaps.add_row(
            str(g.period),
            g.org_name,
            g.subject_name,
            g.kind.label(lang),
            g.reviewer_name or zh_en("无", "none"),
            g.reason.label(lang),
        )
    out.print(gaps)
    for title_zh, title_en, classes in (
        ("分类情况（组织类型）", "by organization type", report.by_org_type),
        ("分类情况（岗位类别）", "by post category", report.by_post_category),
    ):
        table = Table(title=zh_en(title_zh, title_en))
        table.add_column(caption("kind"))
        table.add_column(caption("expected"), justify="right")
        table.add_column(caption("reviewed"), justify="right")
        for c in classes:
            table.add_row(c.name or "—", str(c.expected), str(c.reviewed))
        out.print(table)


@main.command(epilog=EPILOG)
@click.argument("org")
@click.argument("year")
@common_options
def summary(org: str, year: str) -> None:
    """组织 ORG 在 YEAR 年的点评情况总结。 / The yearly summary of ORG's subtree."""
    state = cli_state()
    service = state.service()
    result = service.summary(state.need_actor(), org, year)
    lang = state.lang
    out = out_console()
    table = Table(
        title=zh_en(
            f"{result.org_name} {result.year}年点评情况总结",
            f"{result.org_name}: summary of {result.year}",
        ),
        show_header=False,
    )
    table.add_column(style="bold")
    table.add_column()
    cov = result.coverage
    covered = (
        f"{_percent(cov.rate)}（{caption('expected')} {cov.expected}，{caption('reviewed')} "
        f"{cov.reviewed}，{caption('not_applicable')} {cov.not_applicable}，{caption('missing')} "
        f"{cov.missing}）"
    )
    rows: list[tuple[str, str]] = [
        (zh_en("报送期限", "Due"), result.due.isoformat()),
        (
            zh_en("报送情况", "Submitted"),
            f"{result.submission.submitted_on.isoformat()} {result.submission.reference}"
            if result.submission
            else zh_en("未报送", "not submitted"),
        ),
        *(
            (zh_en(f"点评{k.label_zh}", f"reviews of {k.label_en}"), str(n))
            for k, n in result.reviews_by_kind.items()
        ),
        *((m.label(lang), str(n)) for m, n in result.reviews_by_method.items()),
        (caption("coverage_rate"), covered),
        (zh_en("整改要求", "Requirements raised"), str(result.requirements_raised)),
        (zh_en("整改完成", "Items done"), str(result.items_done)),
        (zh_en("整改逾期", "Items overdue"), str(result.items_overdue)),
        (zh_en("督导检查", "Inspections"), str(len(result.inspections))),
        (zh_en("督导整改令", "Orders issued"), str(result.orders_issued)),
        (zh_en("已验收", "Orders verified"), str(result.orders_verified)),
        (zh_en("整改令逾期", "Orders overdue"), str(result.orders_overdue)),
        (zh_en("典型事迹", "Exemplars"), str(len(result.exemplars))),
    ]
    for label, value in rows:
        table.add_row(label, value)
    out.print(table)
    for e in result.exemplars:
        out.print(f"  {zh_en('典型', 'exemplar')}：{e.deeds}")
