"""A quarter of the source document's scenario, run through the public API and printed.

``python -m reviewflow`` runs it: the district health bureau's Party committee (区卫生局党委), its
liaison points, the district hospital's general branch and its branches, and their members, in
2023-Q4. Reviews are scheduled, taken through the four steps, and the quarter is printed as the
office reads it: coverage with every gap named, each reviewer's rate, and the rectification ledger.

This module is an interface: it uses only ``reviewflow``'s public names.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import reviewflow as rf
from reviewflow.scenario import OFFICE, QUARTER, scenario_roster

__all__ = [
    "OFFICE",
    "QUARTER",
    "main",
    "render_quarter",
    "run_quarter",
    "scenario_roster",
    "scenario_service",
]

_ZONE = ZoneInfo("Asia/Shanghai")


def scenario_service(
    url: str = "memory://", *, today: date = date(2023, 12, 28)
) -> rf.ReviewService:
    """A service over ``url`` with the scenario's roster, its clock standing on ``today``."""
    moment = datetime.combine(today, time(9, 0), _ZONE)
    service = rf.ReviewService(rf.open_store(url), clock=lambda: moment, ids=rf.sequential_ids())
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    return service


def _find(reviews: Sequence[rf.Review], reviewer: str, subject: str, period: str) -> rf.Review:
    return next(
        r
        for r in reviews
        if (r.reviewer_id, r.subject_id, str(r.period)) == (reviewer, subject, period)
    )


def run_quarter(service: rf.ReviewService) -> None:
    """Schedule 2023-Q4 and take the scenario's reviews through their steps."""
    service.schedule(OFFICE, QUARTER)
    reviews = service.reviews(OFFICE, within=QUARTER)

    # 李文华 reviews her liaison point, the hospital's general branch, on site (R-SCOPE-1).
    rid = _find(reviews, "li", "hospital", "2023-Q4").id
    _hear_hospital(service, rid)
    requirement = _review_hospital(service, rid)
    _rectify_hospital(service, rid, requirement)

    # 周明, the internal-medicine branch secretary, reviews his members each month (R-SCOPE-2),
    # at the branch general meeting (R-METH-DEFAULT). One problem stays in rectification.
    for month in ("2023-10", "2023-11", "2023-12"):
        for subject in ("wu", "sun", "zheng"):
            _member_review(service, _find(reviews, "zhou", subject, month), month, subject)

    # 施雨 works away from the unit this quarter: the office waives her reviews (R-CAD-3).
    for month in ("2023-10", "2023-11", "2023-12"):
        waived = _find(reviews, "he", "shi", month)
        service.waive(OFFICE, waived.id, reason="外出学习，流动党员本季度免于点评")

    # The roster changes during the quarter: 冯军 moves to internal medicine on 11-20. November,
    # the month of the move, stays 钱伟's to review; his open December review by 钱伟 is
    # cancelled with the reason, as 周明 reviews him from December on (R-ROSTER-2). 林涛 joins
    # surgery after the quarter was scheduled. Coverage names both December reviews as gaps
    # until the office schedules again.
    service.move_member(OFFICE, "feng", to_org_id="internal", on=date(2023, 11, 20))
    service.import_roster(
        OFFICE, members=[rf.Member("lin", "林涛", "surgery", "护理", joined_on=date(2023, 12, 1))]
    )

    service.record_exemplar(
        OFFICE,
        kind=rf.ReviewKind.ORGANIZATION,
        subject_id="hospital",
        deeds="门诊流程再造，群众平均候诊时间缩短40%。",
        source_review_id=rid,
    )


def _hear_hospital(service: rf.ReviewService, rid: str) -> None:
    """Step 1 of the hospital's review: the general branch reports, with its commitments."""
    service.start("li", rid)
    service.report(
        "liu",
        rid,
        summary="围绕“服务百姓健康”开展创先争优，完成门诊流程再造。",
        ideas_and_measures="推行预约诊疗全覆盖；开展党员先锋岗评比。",
        commitments=[
            rf.Commitment("c1", "年内预约诊疗率达到60%", rf.FulfilmentStatus.FULFILLED, "已达64%"),
            rf.Commitment("c2", "开展义诊进社区12次", rf.FulfilmentStatus.IN_PROGRESS, "已开展9次"),
        ],
        reported_on=date(2023, 11, 2),
    )
    service.conclude_fact_finding("li", rid)


def _review_hospital(service: rf.ReviewService, rid: str) -> rf.RectificationRequirement:
    """Step 2 of the hospital's review, on site: comments on each aspect, a commitment judged,
    a masses representative heard, and one requirement, which is returned."""
    service.record_method(
        "li",
        rid,
        method=rf.Method.ON_SITE,
        occasion=rf.Occasion.FIELD_VISIT,
        held_on=date(2023, 11, 8),
    )
    aspects = rf.Aspect.for_kind(rf.ReviewKind.ORGANIZATION)
    service.comment(
        "li", rid, aspect=aspects[0], achievements="门诊流程再造成效明显，群众候诊时间缩短。"
    )
    review = service.comment(
        "li",
        rid,
        aspect=aspects[1],
        achievements="承诺事项公开上墙，多数按期兑现。",
        problems=["义诊进社区承诺进度滞后"],
    )
    problem = review.comment_on(aspects[1]).problems[0]  # type: ignore[union-attr]
    service.comment("li", rid, aspect=aspects[2], achievements="开通老年人就医绿色通道。")
    service.comment("li", rid, aspect=aspects[3], achievements="“五个好”党组织创建扎实。")
    service.judge_commitment("li", rid, commitment_id="c2", status=rf.FulfilmentStatus.IN_PROGRESS)
    review = service.add_participant(
        "li",
        rid,
        name="社区居民代表老周",
        capacity=rf.ParticipantCapacity.MASSES_REPRESENTATIVE,
        opinion="希望义诊能到更远的村里去。",
    )
    participant = review.participants[-1]
    service.set_direction(
        "li", rid, direction="把创先争优与改善医疗服务结合起来", suggestions="加强承诺跟踪"
    )
    review = service.require(
        "li",
        rid,
        text="12月底前完成剩余3次义诊进社区，并向偏远村延伸。",
        problem_ids=[problem.id],
        participant_id=participant.id,
    )
    service.conclude_review("li", rid)
    return review.requirements[-1]


def _rectify_hospital(
    service: rf.ReviewService, rid: str, requirement: rf.RectificationRequirement
) -> None:
    """Steps 3 and 4 of the hospital's review, through to its close."""
    # Step 3: the general branch's head fills the form; the office files it; it is made public.
    service.fill_form("liu", rid, filled_on=date(2023, 11, 10))
    service.file(OFFICE, rid, filing_no="卫党点评〔2023〕41号", filed_on=date(2023, 11, 13))
    service.publicize(
        "liu", rid, scope="全院", medium=rf.Medium.BULLETIN_BOARD, published_on=date(2023, 11, 14)
    )
    service.begin_rectification(OFFICE, rid)
    review = service.plan_item(
        "liu",
        rid,
        requirement_id=requirement.id,
        measure="组织3次义诊进村",
        owner="马晓燕",
        due=date(2023, 12, 25),
    )
    item = review.ledger[-1]
    service.update_item("liu", rid, item_id=item.id, status="done", done_on=date(2023, 12, 20))
    service.reply("liu", rid, text="义诊已全部完成，共覆盖5个村。", replied_on=date(2023, 12, 21))
    service.confirm_closeout("li", rid, confirmed_on=date(2023, 12, 22))
    service.close("li", rid)


def _member_review(service: rf.ReviewService, review: rf.Review, month: str, subject: str) -> None:
    rid = review.id
    period = rf.Period.parse(month)
    held = date(period.year, period.index, 20)
    service.start("zhou", rid)
    service.report(subject, rid, summary="本月立足岗位，完成各项任务。", reported_on=held)
    service.conclude_fact_finding("zhou", rid)
    service.record_method(
        "zhou", rid, method=rf.Method.CENTRALIZED, occasion=rf.Occasion.BRANCH_GENERAL_MEETING,
        held_on=held,
    )  # fmt: skip
    problems = ["学习笔记不够系统"] if (subject, month) == ("sun", "2023-12") else []
    for aspect in rf.Aspect.for_kind(rf.ReviewKind.MEMBER):
        changed = service.comment(
            "zhou", rid, aspect=aspect, achievements="表现良好。", problems=problems
        )
        problems = []
    service.set_direction("zhou", rid, direction="继续发挥先锋模范作用")
    found = changed.problem_ids() if changed is not None else ()
    if found:
        service.require("zhou", rid, text="每周整理一次学习笔记", problem_ids=list(found))
    else:
        service.declare_no_rectification("zhou", rid)
    service.conclude_review("zhou", rid)
    service.fill_form("zhou", rid, filled_on=held)
    service.file(OFFICE, rid, filing_no=f"内科〔{month}〕{subject}", filed_on=held)
    service.publicize("zhou", rid, scope="内科党支部", medium=rf.Medium.MEETING, published_on=held)
    service.begin_rectification("zhou", rid)
    if found:
        requirement = service.review("zhou", rid).requirements[0]
        service.plan_item(
            subject, rid, requirement_id=requirement.id, measure="建立学习笔记周清制度",
            owner=service.roster().person_name(subject), due=date(2024, 1, 15),
        )  # fmt: skip
        return
    service.confirm_closeout("zhou", rid, confirmed_on=held)
    service.close("zhou", rid)


# -- printing ---------------------------------------------------------------------------------


def _percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def render_coverage(report: rf.CoverageReport) -> str:
    """The coverage report as the office reads it."""
    lines = [
        f"{report.period.label_zh}领导点评覆盖情况",
        (
            f"应点评 {report.expected}  已点评 {report.reviewed}（已销号 {report.closed}）  "
            f"进行中 {report.in_progress}  免于点评 {report.waived}  未安排 {report.missing}  "
            f"覆盖率 {_percent(report.rate)}"
        ),
        "",
        "点评领导完成情况：",
    ]
    lines.extend(
        f"  {r.reviewer_name:<6} 应点评 {r.expected:>2}  已点评 {r.reviewed:>2}  "
        f"免于点评 {r.waived:>2}  完成率 {_percent(r.rate)}"
        for r in report.reviewers
    )
    lines.append("")
    lines.append(f"未覆盖（{len(report.gaps)}）：")
    lines.extend(
        f"  {g.period} {g.org_name} {g.subject_name}（{g.kind.label_zh}） "
        f"点评领导：{g.reviewer_name or '无'}  原因：{g.reason.label_zh}"
        for g in report.gaps
    )
    lines.append("")
    lines.append("分类情况（组织类型）：")
    lines.extend(f"  {c.name}：应 {c.expected} 已 {c.reviewed}" for c in report.by_org_type)
    return "\n".join(lines)


def render_ledger(service: rf.ReviewService, reviews: Sequence[rf.Review]) -> str:
    """The rectification ledger (整改台账) of the given reviews."""
    roster = service.roster()
    lines = ["整改台账："]
    for review in reviews:
        requirements = {r.id: r for r in review.requirements}
        for item in review.ledger:
            subject = roster.subject_name(review.kind, review.subject_id)
            lines.append(
                f"  {review.period} {subject} 点评领导：{roster.person_name(review.reviewer_id)}"
                f"  要求：{requirements[item.requirement_id].text}"
                f"  措施：{item.measure}  责任人：{item.owner}  期限：{item.due.isoformat()}"
                f"  状态：{item.status.label_zh}"
            )
    if len(lines) == 1:
        lines.append("  （无）")
    return "\n".join(lines)


def render_quarter(service: rf.ReviewService) -> str:
    """What the office reads of the quarter: coverage, the ledger and the exemplars."""
    lines = [
        render_coverage(service.coverage(OFFICE, QUARTER)),
        "",
        render_ledger(service, service.reviews(OFFICE, within=QUARTER)),
        "",
        "典型事迹：",
        *(f"  {e.deeds}" for e in service.exemplars(OFFICE)),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenario's quarter and print what the office reads."""
    parser = argparse.ArgumentParser(
        prog="python -m reviewflow", description="领导点评演示：区卫生局党委 2023 年第四季度"
    )
    parser.add_argument("--store", default="memory://", help="store URL (default memory://)")
    args = parser.parse_args(argv)
    service = scenario_service(args.store)
    run_quarter(service)
    sys.stdout.write(render_quarter(service) + "\n")
    return 0
