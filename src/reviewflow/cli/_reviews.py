"""A person's reviews: ``work`` (what is due and overdue) and ``show`` (one review and its
history)."""

from __future__ import annotations

import click
from rich.table import Table

import reviewflow as rf
from reviewflow.cli._app import EPILOG, caption, cli_state, common_options, main, out_console, zh_en
from reviewflow.cli._steps import find_review, short_ids


@main.command(epilog=EPILOG)
@common_options
def work() -> None:
    """本人待办和逾期的点评工作（逾期：周期已结束）。 / The person's due and overdue work."""
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    roster_now = service.roster()
    if roster_now.person(actor) is None:
        raise rf.NotFound("person", actor)  # else a mistyped --as reads as "nothing to do"
    items = service.work_list(actor)
    short = short_ids(i.review.id for i in items)
    today = service.today()
    out = out_console()
    if not items:
        out.print(zh_en(f"{roster_now.person_name(actor)}：没有待办的点评。", "nothing to do."))
        return
    overdue = sum(1 for i in items if i.due < today)
    table = Table(
        title=zh_en(
            f"{roster_now.person_name(actor)} 的点评工作（{len(items)} 项，逾期 {overdue} 项）",
            f"work of {actor} ({len(items)}, {overdue} overdue)",
        )
    )
    for key in ("id", "period", "subject", "reviewer", "state", "as", "next", "due"):
        table.add_column(caption(key))
    for item in items:
        review = item.review
        late = item.due < today
        state_text = review.state.label(state.lang)
        if late:
            state_text = f"{caption('overdue')}·{state_text}"
        table.add_row(
            short[review.id],
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


@main.command(epilog=EPILOG)
@click.argument("review_id")
@common_options
def show(review_id: str) -> None:
    """显示一条点评的内容和历史记录。 / Show a review and its history."""
    state = cli_state()
    actor = state.need_actor()
    service = state.service()
    review = find_review(service, actor, review_id)  # an id or its start (the short id)
    history = service.history(actor, review.id)
    names = service.roster()
    lang = state.lang
    out = out_console()
    content = Table(title=zh_en("领导点评", "Review"), show_header=False)
    content.add_column(style="bold")
    content.add_column()
    for label, value in (*_step1_rows(review, names, lang), *_later_rows(review, names, lang)):
        content.add_row(label, value)
    out.print(content)
    table = Table(title=zh_en("历史记录", "History"))
    for key in ("seq", "time", "actor", "action", "from", "to", "reason"):
        table.add_column(caption(key))
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
        (caption("id"), review.id),
        (caption("period"), f"{review.period}（{review.period.label_zh}）"),
        (caption("subject"), f"{subject}（{review.kind.label(lang)}，{review.subject_id}）"),
        (
            caption("reviewer"),
            f"{names.person_name(review.reviewer_id)}（{review.basis.label(lang)}）",
        ),
        (caption("state"), review.state.label(lang)),
    ]
    if review.reopens is not None:  # a slot opened again (R-REOPEN)
        rows.append(
            (
                zh_en("重新点评", "Reopens"),
                zh_en(
                    f"第{review.round}轮，接续 {review.reopens}",
                    f"round {review.round}, after {review.reopens}",
                ),
            )
        )
    method = review.method or review.planned_method
    if method is not None:
        when = f" {method.held_on.isoformat()}" if method.held_on else ""
        occasion = f"·{method.occasion.label(lang)}" if method.occasion else ""
        planned = "" if review.method else zh_en("（计划）", " (planned)")
        rows.append(
            (zh_en("点评方式", "Method"), f"{method.method.label(lang)}{occasion}{when}{planned}")
        )
    for report in review.reports:
        by = names.person_name(report.reported_by)
        text = f"{report.reported_on.isoformat()} {by}：{report.summary}"
        if report.ideas_and_measures:
            text += f"\n{zh_en('思路措施', 'ideas')}：{report.ideas_and_measures}"
        for c in report.commitments:
            text += f"\n{zh_en('承诺', 'commitment')} {c.text}：{c.status.label(lang)} {c.evidence}"
        rows.append((zh_en("汇报", "Report"), text))
    rows.extend(
        (zh_en("承诺评价", "Judgement"), f"{j.commitment_id}：{j.status.label(lang)} {j.remark}")
        for j in review.judgements
    )
    for comment in review.comments:
        text = comment.achievements
        for problem in comment.problems:
            text += f"\n{zh_en('问题', 'problem')}：{problem.text}"
        rows.append((comment.aspect.label(lang), text))
    if review.direction:
        rows.append((zh_en("努力方向", "Direction"), review.direction))
    if review.suggestions:
        rows.append((zh_en("意见建议", "Suggestions"), review.suggestions))
    rows.extend(
        (zh_en("参加人员", "Participant"), f"{p.name}（{p.capacity.label(lang)}）{p.opinion}")
        for p in review.participants
    )
    rows.extend((zh_en("整改要求", "Requirement"), r.text) for r in review.requirements)
    if review.no_rectification_needed:
        rows.append((zh_en("整改要求", "Requirement"), zh_en("无需整改", "none needed")))
    return rows


def _later_rows(review: rf.Review, names: rf.Roster, lang: str) -> list[tuple[str, str]]:
    """The form, filing and publicity (step 3) and the rectification (step 4)."""
    rows: list[tuple[str, str]] = []
    if review.form is not None:
        filled = f"{names.person_name(review.form.filled_by)} {review.form.filled_on.isoformat()}"
        rows.append((zh_en("点评表", "Form"), filled))
    if review.filing is not None:
        filing = review.filing
        rows.append((zh_en("备案", "Filing"), f"{filing.filing_no} {filing.filed_on.isoformat()}"))
    if review.publicity is not None:
        pub = review.publicity
        text = f"{pub.scope}·{pub.medium.label(lang)} {pub.published_on.isoformat()}"
        rows.append((zh_en("公开", "Publicity"), text))
    rows.extend(
        (
            zh_en("整改台账", "Ledger item"),
            (
                f"{item.measure}；{zh_en('责任人', 'owner')} {item.owner}；"
                f"{zh_en('期限', 'due')} {item.due.isoformat()}；{item.status.label(lang)}"
            ),
        )
        for item in review.ledger
    )
    if review.reply is not None:
        rows.append((zh_en("书面回复", "Written reply"), review.reply.text))
    if review.closeout is not None:
        close = review.closeout
        text = f"{names.person_name(close.confirmed_by)} {close.confirmed_on.isoformat()}"
        rows.append((zh_en("销号", "Closeout"), f"{text} {close.remark}".strip()))
    if review.end_reason:
        rows.append((caption("reason"), review.end_reason))
    return rows


_CREATING_LABELS = {
    "schedule": ("排期", "schedule"),
    "reopen": ("重新点评", "reopen"),
    "mark_slot_not_applicable": ("不适用（未排期）", "not applicable (never scheduled)"),
}
"""The actions that create a review (no step of the workflow), by label."""


def _action_label(action: str, lang: str) -> str:
    creating = _CREATING_LABELS.get(action)
    if creating is not None:
        return zh_en(*creating)
    step = rf.WORKFLOW.steps.get(action)
    if step is None:
        return action
    return step.label_en if lang == "en" else step.label_zh
