"""The ``reviewflow`` command line, run for real on a temporary SQLite database.

Most tests drive ``reviewflow.cli:main`` through click's CliRunner; the console-script tests
run the installed ``reviewflow`` executable in a subprocess. Exit codes are the documented ones:
0 ok, 1 refused by the library, 2 usage, 3 bad roster rows, 4 store unavailable.
"""

from __future__ import annotations

import codecs
import csv
import importlib
import io
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner, Result

import reviewflow as rf
from reviewflow.cli import main
from reviewflow.demo import OFFICE, scenario_roster
from reviewflow.store.sql import SCHEMA_VERSION

Run = Callable[..., Result]


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A fresh SQLite database in the test's directory."""
    return f"sqlite:///{tmp_path / 'rf.db'}"


@pytest.fixture
def run(url: str) -> Run:
    """Run ``reviewflow --store URL ARGS...`` and return click's result."""

    def invoke(*args: str, store: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, ["--store", store or url, *args], catch_exceptions=False)

    return invoke


def _roster_of(url: str) -> rf.Roster:
    store = rf.open_store(url)
    try:
        return store.roster()
    finally:
        store.close()


# -- writing roster files from the scenario ----------------------------------------------------

ORG_HEADER_ZH = ["编号", "名称", "级别", "组织类型", "上级编号", "书记编号"]
MEMBER_HEADER_EN = ["id", "name", "org_id", "post_category", "status", "roles", "joined_on"]
LIAISON_HEADER_ZH = ["党委班子成员编号", "联系点组织编号", "开始日期"]
STAFF_HEADER_ZH = ["编号", "姓名"]


def _org_rows() -> list[list[str]]:
    return [
        [o.id, o.name, o.kind.label_zh, o.org_type, o.parent_id or "", o.head_id or ""]
        for o in scenario_roster()["organizations"]
        if isinstance(o, rf.Organization)
    ]


def _member_rows() -> list[list[str]]:
    return [
        [
            m.id,
            m.name,
            m.org_id,
            m.post_category,
            m.status.value,
            "、".join(r.label_zh for r in sorted(m.roles)),
            m.joined_on.isoformat() if m.joined_on else "",
        ]
        for m in scenario_roster()["members"]
        if isinstance(m, rf.Member)
    ]


def _liaison_rows() -> list[list[str]]:
    return [
        [a.committee_member_id, a.org_id, a.since.isoformat() if a.since else ""]
        for a in scenario_roster()["liaisons"]
        if isinstance(a, rf.LiaisonAssignment)
    ]


def _write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *, bom: bool
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _scenario_csvs(directory: Path) -> list[Path]:
    return [
        _write_csv(directory / "组织.csv", ORG_HEADER_ZH, _org_rows(), bom=True),
        _write_csv(directory / "members.csv", MEMBER_HEADER_EN, _member_rows(), bom=False),
        _write_csv(directory / "联系点.csv", LIAISON_HEADER_ZH, _liaison_rows(), bom=True),
        _write_csv(directory / "office.csv", STAFF_HEADER_ZH, [[OFFICE, "陈敏"]], bom=False),
    ]


def _import_scenario(run: Run, tmp_path: Path) -> Result:
    files = [str(p) for p in _scenario_csvs(tmp_path)]
    return run("roster", "import", *files, "--as", OFFICE)


def _assert_scenario_roster(url: str) -> None:
    roster = _roster_of(url)
    expected = rf.Roster.build(**scenario_roster())  # type: ignore[arg-type]
    assert dict(roster.organizations) == dict(expected.organizations)
    assert dict(roster.members) == dict(expected.members)
    assert dict(roster.liaisons) == dict(expected.liaisons)
    assert dict(roster.office_staff) == dict(expected.office_staff)


# -- help ----------------------------------------------------------------------------------------


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


COMMANDS = _command_paths(main)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "reviewflow")
def test_help_works_for_every_command(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "退出码" in result.output  # the exit codes are in every epilog


def test_every_documented_command_exists() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {
        "db init", "db upgrade", "db verify", "db copy", "roster import", "schedule", "work",
        "show", "coverage", "summary", "export form", "export forms", "export ledger",
        "export coverage", "export summary", "diagram", "demo",
    } <= names  # fmt: skip


def test_exit_codes_are_in_the_module_docstring() -> None:
    from reviewflow import cli  # noqa: PLC0415

    doc = cli.__doc__ or ""
    for code in ("- 0:", "- 1:", "- 2:", "- 3:", "- 4:"):
        assert code in doc


# -- db --------------------------------------------------------------------------------------------


def test_db_init_creates_the_schema(run: Run, url: str) -> None:
    result = run("db", "init")
    assert result.exit_code == 0, result.output
    assert f"结构版本 {SCHEMA_VERSION}" in result.stdout
    assert _roster_of(url).office_staff == {}


def test_db_upgrade_on_a_current_database(run: Run) -> None:
    assert run("db", "init").exit_code == 0
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"结构版本 {SCHEMA_VERSION}" in result.stdout


def test_options_after_the_command_override_those_before(tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = CliRunner().invoke(main, ["db", "init", "--store", other, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "store ready" in result.stdout
    assert (tmp_path / "other.db").exists()


def test_db_verify_passes_on_untouched_records(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("db", "verify", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert "校验通过" in result.stdout


def test_db_verify_names_tampering_and_exits_1(run: Run, tmp_path: Path) -> None:
    assert run("demo").exit_code == 0
    with sqlite3.connect(tmp_path / "rf.db") as conn:
        conn.execute(
            "UPDATE history SET reason = 'edited' WHERE review_id = 'review-1' AND seq = 1"
        )
    conn.close()
    result = run("db", "verify", "--as", OFFICE)
    assert result.exit_code == 1
    assert "review-1" in result.stderr


def test_db_verify_is_for_the_office_only(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("db", "verify", "--as", "zhou")
    assert result.exit_code == 1
    assert "超出权限" in result.stderr


def test_db_copy_copies_and_verifies(run: Run, tmp_path: Path) -> None:
    assert run("demo").exit_code == 0
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    result = run("db", "copy", target)
    assert result.exit_code == 0, result.output
    assert "核对通过" in result.stdout
    copy = rf.open_store(target)
    try:
        assert len(copy.reviews(rf.ReviewQuery())) > 0
    finally:
        copy.close()


# -- roster import ---------------------------------------------------------------------------------


def test_roster_import_from_csv_files(run: Run, url: str, tmp_path: Path) -> None:
    result = _import_scenario(run, tmp_path)
    assert result.exit_code == 0, result.output
    assert "组织 7，党员 16，联系点 2，办公室人员 1" in result.stdout
    _assert_scenario_roster(url)


def test_roster_import_from_an_xlsx_workbook(run: Run, url: str, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    orgs = book.active
    assert orgs is not None
    orgs.title = "组织"
    orgs.append(ORG_HEADER_ZH)
    for row in _org_rows():
        orgs.append(row)
    members = book.create_sheet("members")
    members.append(MEMBER_HEADER_EN)
    for row in _member_rows():
        members.append(row)
    liaisons = book.create_sheet("联系点")
    liaisons.append(LIAISON_HEADER_ZH)
    for cm, org, _since in _liaison_rows():
        liaisons.append([cm, org, rf.Period.parse("2023").start])  # a real date cell
    staff = book.create_sheet("办公室")
    staff.append(STAFF_HEADER_ZH)
    staff.append([OFFICE, "陈敏"])
    path = tmp_path / "名册.xlsx"
    book.save(path)
    result = run("roster", "import", str(path), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    _assert_scenario_roster(url)


def _bad_files(tmp_path: Path) -> list[Path]:
    orgs = _write_csv(
        tmp_path / "orgs.csv",
        ["id", "name", "kind", "parent_id"],
        [
            ["bureau", "区卫生局党委", "党委", ""],
            ["brigade", "第一大队", "大队", "bureau"],  # row 3: unknown kind
            ["internal", "内科党支部", "branch", "bureau"],
        ],
        bom=True,
    )
    members = _write_csv(
        tmp_path / "members.csv",
        ["编号", "姓名", "所在组织编号", "入党日期"],
        [
            ["wu", "吴红", "internal", "2001-07-01"],
            ["sun", "", "internal", ""],  # row 3: missing name
            ["feng", "冯军", "nowhere", ""],  # row 4: unknown organization
            ["zheng", "郑芳", "internal", "2001-02-30"],  # row 5: a bad date
        ],
        bom=False,
    )
    staff = _write_csv(tmp_path / "staff.csv", ["id", "name"], [[OFFICE, "陈敏"]], bom=False)
    return [orgs, members, staff]


def test_bad_rows_are_all_reported_and_nothing_is_imported(
    run: Run, url: str, tmp_path: Path
) -> None:
    files = [str(p) for p in _bad_files(tmp_path)]
    result = run("roster", "import", *files, "--as", OFFICE)
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()

    def reported(file: str, row: int, column: str) -> bool:
        return any(file in line and f" {row} " in line and f" {column} " in line for line in lines)

    assert reported("orgs.csv", 3, "kind")
    assert reported("members.csv", 3, "姓名")
    assert reported("members.csv", 4, "所在组织编号")
    assert reported("members.csv", 5, "入党日期")
    assert "错误行（4）" in result.stderr
    assert "未导入任何记录" in result.stderr
    roster = _roster_of(url)
    assert not roster.organizations
    assert not roster.members
    assert not roster.office_staff


def test_import_good_imports_the_good_rows_and_reports_the_bad(
    run: Run, url: str, tmp_path: Path
) -> None:
    files = [str(p) for p in _bad_files(tmp_path)]
    result = run("roster", "import", *files, "--as", OFFICE, "--import-good")
    assert result.exit_code == 0, result.output
    assert "错误行（4）" in result.stderr
    roster = _roster_of(url)
    assert set(roster.organizations) == {"bureau", "internal"}
    assert set(roster.members) == {"wu"}
    assert set(roster.office_staff) == {OFFICE}


def test_a_row_that_breaks_the_roster_as_a_whole_is_named(
    run: Run, url: str, tmp_path: Path
) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    # 吴红 is a plain member of a branch: she cannot have a liaison point (R-SCOPE-1).
    bad = _write_csv(
        tmp_path / "more.csv", LIAISON_HEADER_ZH, [["wu", "surgery", "2023-01-01"]], bom=False
    )
    result = run("roster", "import", str(bad), "--as", OFFICE)
    assert result.exit_code == 3, result.output
    assert "more.csv" in result.stderr
    assert "名册冲突" in result.stderr
    assert "wu" in result.stderr
    assert ("wu", "surgery") not in _roster_of(url).liaisons


def test_an_import_that_would_move_a_member_names_the_row(
    run: Run, url: str, tmp_path: Path
) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    # Moving 吴红 is refused by the library's import (use move_member); 林涛 is a new member.
    changes = _write_csv(
        tmp_path / "changes.csv",
        ["id", "name", "org_id"],
        [["lin", "林涛", "surgery"], ["wu", "吴红", "surgery"]],
        bom=False,
    )
    refused = run("roster", "import", str(changes), "--as", OFFICE)
    assert refused.exit_code == 3, refused.output
    assert any(
        "changes.csv" in line and " 3 " in line and "名册冲突" in line
        for line in refused.stderr.splitlines()
    )
    assert "lin" not in _roster_of(url).members
    partial = run("roster", "import", str(changes), "--as", OFFICE, "--import-good")
    assert partial.exit_code == 0, partial.output
    roster = _roster_of(url)
    assert roster.members["lin"].org_id == "surgery"
    assert roster.members["wu"].org_id == "internal"


def test_importing_as_someone_outside_the_office_is_refused(run: Run, tmp_path: Path) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    staff = _write_csv(tmp_path / "staff.csv", ["id", "name"], [["office-wang", "王"]], bom=False)
    result = run("roster", "import", str(staff), "--as", "li")
    assert result.exit_code == 1
    assert "超出权限" in result.stderr


def test_a_header_that_names_no_kind_is_a_bad_row(run: Run, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "x.csv", ["甲", "乙"], [["1", "2"]], bom=False)
    result = run("roster", "import", str(path), "--as", OFFICE)
    assert result.exit_code == 3
    assert "无法从表头识别名册类型" in result.stderr


def test_the_first_import_needs_its_actor_among_the_office_staff(run: Run, tmp_path: Path) -> None:
    files = [str(p) for p in _scenario_csvs(tmp_path)]
    result = run("roster", "import", *files, "--as", "li")
    assert result.exit_code == 1
    assert "超出权限" in result.stderr
    assert "Traceback" not in result.output


def test_import_needs_as(run: Run, tmp_path: Path) -> None:
    files = [str(p) for p in _scenario_csvs(tmp_path)]
    result = run("roster", "import", *files)
    assert result.exit_code == 2
    assert "--as" in result.output


# -- schedule, work, show, coverage, summary -------------------------------------------------------


def test_schedule_a_period(run: Run, tmp_path: Path) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    result = run("schedule", "2024-Q1", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert "新建点评" in result.stdout
    again = run("schedule", "2024-Q1", "--as", OFFICE)
    assert "新建点评 0 条" in again.stdout  # idempotent (R-CAD-4)


def test_schedule_a_year_quarter_by_quarter_matches_one_call(run: Run, tmp_path: Path) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    result = run("schedule", "2024", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    service = rf.ReviewService(rf.MemoryStore())
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    expected = len(service.schedule(OFFICE, "2024").created)
    assert f"新建点评 {expected} 条，已存在 0 条" in result.stdout


def test_schedule_a_subtree_as_its_head(run: Run, tmp_path: Path) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    result = run("schedule", "2024-01", "--as", "zhou", "--root", "internal")
    assert result.exit_code == 0, result.output


def test_schedule_refuses_a_bad_period(run: Run, tmp_path: Path) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    result = run("schedule", "2024-13", "--as", OFFICE)
    assert result.exit_code == 1
    assert "“周期”填写有误" in result.stderr
    assert "2024-13" in result.stderr


def test_work_lists_due_and_overdue_reviews(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("work", "--as", "li")
    assert result.exit_code == 0, result.output
    for label in ("周期", "对象", "点评领导", "状态", "下一步"):
        assert label in result.stdout
    assert "逾期" in result.stdout  # the demo quarter ended long before today
    assert "开始了解情况" in result.stdout


def test_work_of_an_unknown_person_is_not_found(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("work", "--as", "nobody")
    assert result.exit_code == 1
    assert "未找到" in result.stderr


def test_work_in_english(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("--lang", "en", "work", "--as", "li")
    assert result.exit_code == 0, result.output
    assert "Next steps" in result.stdout


def test_show_prints_the_review_and_its_history(run: Run, url: str) -> None:
    assert run("demo").exit_code == 0
    review_id = _review_of(url, "li", "hospital")
    result = run("show", review_id, "--as", "li")
    assert result.exit_code == 0, result.output
    assert "区人民医院党总支" in result.stdout
    assert "已销号" in result.stdout
    assert "卫党点评〔2023〕41号" in result.stdout
    assert "历史记录" in result.stdout
    assert "开始了解情况" in result.stdout


def test_r_reopen_show_names_the_round_and_the_reopen_entry(run: Run, url: str) -> None:
    """R-REOPEN: ``show`` of a slot opened again says its round, the review it follows, and
    the history's first entry as 重新点评 with the reason."""
    assert run("demo").exit_code == 0
    store = rf.open_store(url)
    try:
        gone = frozenset({rf.ReviewState.CANCELLED})
        (cancelled,) = store.reviews(rf.ReviewQuery(states=gone))
        new = rf.ReviewService(store).reopen(OFFICE, cancelled.id, reason="撤销有误")
    finally:
        store.close()
    result = run("show", new.id, "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert f"第2轮，接续 {cancelled.id}" in result.stdout
    history = result.stdout.split("历史记录")[1]
    assert "重新点评" in history
    assert "撤销有误" in history


def _review_of(url: str, reviewer: str, subject: str) -> str:
    store = rf.open_store(url)
    try:
        found = store.reviews(rf.ReviewQuery(reviewer_id=reviewer, subject_id=subject))
    finally:
        store.close()
    return found[0].id


def test_show_of_someone_elses_review_is_refused(run: Run, url: str) -> None:
    assert run("demo").exit_code == 0
    review_id = _review_of(url, "li", "hospital")
    result = run("show", review_id, "--as", "wu")
    assert result.exit_code == 1
    assert "超出权限" in result.stderr
    assert "Traceback" not in result.output


def test_show_of_an_unknown_review_is_not_found(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("show", "review-999", "--as", OFFICE)
    assert result.exit_code == 1
    assert "未找到" in result.stderr


def test_coverage_names_every_gap_and_each_reviewers_rate(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("coverage", "2023-Q4", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert "应点评 42" in result.stdout
    assert "未覆盖（2）" in result.stdout
    assert "冯军" in result.stdout
    assert "林涛" in result.stdout
    assert "周明" in result.stdout
    assert "90%" in result.stdout


def test_r_na_coverage_and_summary_show_not_applicable(run: Run, url: str) -> None:
    """R-NA: the CLI's coverage (totals and the reviewer's row) and summary show 不适用."""
    assert run("demo").exit_code == 0
    store = rf.open_store(url)
    try:
        service = rf.ReviewService(store)
        live = frozenset(s for s in rf.ReviewState if not s.final)
        review = next(
            r
            for r in service.reviews(OFFICE, within="2023-11", states=live)
            if r.reviewer_id == "he"
        )
        service.mark_not_applicable(OFFICE, review.id, reason="该党员当月已调出")
    finally:
        store.close()
    result = run("coverage", "2023-11", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert "不适用 1" in result.stdout
    assert "不适用" in result.stdout.split("点评领导完成情况")[1]
    summary = run("summary", "bureau", "2023", "--as", OFFICE)
    assert summary.exit_code == 0, summary.output
    assert "不适用 1" in summary.stdout


def test_coverage_out_of_scope_exits_1(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("coverage", "2023-Q4", "--as", "wu")
    assert result.exit_code == 1
    assert "超出权限" in result.stderr
    assert "“wu”" in result.stderr
    assert "Traceback" not in result.output


def test_summary_of_a_year(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("summary", "hospital", "2023", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert "区人民医院党总支 2023年点评情况总结" in result.stdout
    assert "2023-12-30" in result.stdout


def test_demo_refuses_a_store_with_data(run: Run) -> None:
    assert run("demo").exit_code == 0
    result = run("demo")
    assert result.exit_code == 1
    assert "空数据库" in result.stderr


def test_demo_prints_the_quarter(run: Run) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "2023年第四季度领导点评覆盖情况" in result.stdout
    assert "整改台账" in result.stdout


# -- diagram ---------------------------------------------------------------------------------------


def test_diagram_prints_the_workflow() -> None:
    result = CliRunner().invoke(main, ["diagram"])
    assert result.exit_code == 0
    assert result.stdout == rf.WORKFLOW.mermaid("zh") + "\n"
    english = CliRunner().invoke(main, ["diagram", "--lang", "en"])
    assert english.stdout == rf.WORKFLOW.mermaid("en") + "\n"


# -- the store cannot be opened ------------------------------------------------------------------


@pytest.mark.parametrize(
    "store", ["sqlite:////nonexistent-dir/for/sure/x.db", "oracle://scott:tiger@db/x"]
)
def test_a_store_that_cannot_be_opened_exits_4(run: Run, store: str) -> None:
    result = run("work", "--as", "li", store=store)
    assert result.exit_code == 4
    assert "数据库无法打开" in result.stderr
    assert "tiger" not in result.output
    assert "Traceback" not in result.output


def test_a_newer_schema_exits_4(run: Run, tmp_path: Path) -> None:
    assert run("db", "init").exit_code == 0
    with sqlite3.connect(tmp_path / "rf.db") as conn:
        conn.execute("UPDATE reviewflow_meta SET value = '99' WHERE name = 'schema'")
    conn.close()
    result = run("work", "--as", "li")
    assert result.exit_code == 4
    assert "结构版本不符" in result.stderr


def test_missing_as_is_a_usage_error(run: Run) -> None:
    result = run("coverage", "2023-Q4")
    assert result.exit_code == 2
    assert "--as" in result.output


# -- export (reviewflow.export) ------------------------------------------------------------------


def _export_ready() -> bool:
    try:
        module = importlib.import_module("reviewflow.export")
    except ImportError:
        return False
    return all(
        hasattr(module, name)
        for name in (
            "review_form",
            "period_forms",
            "ledger_workbook",
            "coverage_workbook",
            "summary_workbook",
        )
    )


needs_export = pytest.mark.skipif(
    not _export_ready(), reason="reviewflow.export is not written yet"
)


@needs_export
def test_export_form(run: Run, tmp_path: Path, url: str) -> None:
    assert run("demo").exit_code == 0
    review_id = _review_of(url, "li", "hospital")
    out = tmp_path / "form.docx"
    result = run("export", "form", review_id, str(out), "--as", "li")
    assert result.exit_code == 0, result.output
    assert out.exists()


@needs_export
def test_export_forms(run: Run, tmp_path: Path) -> None:
    assert run("demo").exit_code == 0
    out = tmp_path / "forms"
    result = run("export", "forms", "2023-Q4", str(out), "--as", OFFICE, "--root", "internal")
    assert result.exit_code == 0, result.output
    assert any(out.iterdir())


@needs_export
@pytest.mark.parametrize("what", ["ledger", "coverage"])
def test_export_period_workbooks(run: Run, tmp_path: Path, what: str) -> None:
    assert run("demo").exit_code == 0
    out = tmp_path / f"{what}.xlsx"
    result = run("export", what, "2023-Q4", str(out), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    openpyxl.load_workbook(out).close()


@needs_export
def test_export_summary(run: Run, tmp_path: Path) -> None:
    assert run("demo").exit_code == 0
    out = tmp_path / "summary.xlsx"
    result = run("export", "summary", "bureau", "2023", str(out), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    openpyxl.load_workbook(out).close()


@needs_export
def test_export_out_of_scope_exits_1(run: Run, tmp_path: Path) -> None:
    assert run("demo").exit_code == 0
    out = tmp_path / "coverage.xlsx"
    result = run("export", "coverage", "2023-Q4", str(out), "--as", "wu")  # office or head only
    assert result.exit_code == 1
    assert "超出权限" in result.stderr
    assert "Traceback" not in result.output


def test_export_without_the_export_module_says_so(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("demo").exit_code == 0
    monkeypatch.setitem(sys.modules, "reviewflow.export", None)  # import fails
    result = run("export", "ledger", "2023-Q4", str(tmp_path / "l.xlsx"), "--as", OFFICE)
    assert result.exit_code == 1
    assert "reviewflow[export]" in result.stderr


# -- the installed console script ----------------------------------------------------------------


def _console_script() -> str:
    beside = Path(sys.executable).parent / "reviewflow"
    found = str(beside) if beside.exists() else shutil.which("reviewflow")
    if found is None:
        pytest.fail("the reviewflow console script is not installed: pip install -e .")
    return found


def test_console_script_runs_import_and_coverage(tmp_path: Path) -> None:
    script = _console_script()
    url = f"sqlite:///{tmp_path / 'rf.db'}"
    files = [str(p) for p in _scenario_csvs(tmp_path)]
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, "--store", url, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=tmp_path,
            check=False,
            timeout=120,
        )

    assert call("db", "init").returncode == 0
    imported = call("roster", "import", *files, "--as", OFFICE)
    assert imported.returncode == 0, imported.stderr
    assert call("schedule", "2024-Q1", "--as", OFFICE).returncode == 0
    covered = call("coverage", "2024-Q1", "--as", OFFICE)
    assert covered.returncode == 0, covered.stderr
    assert "2024年第一季度领导点评覆盖情况" in covered.stdout
    refused = call("coverage", "2024-Q1", "--as", "wu")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    unavailable = subprocess.run(
        [script, "--store", "sqlite:////nonexistent-dir/for/sure/x.db", "work", "--as", "li"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
        timeout=120,
    )
    assert unavailable.returncode == 4
    assert "Traceback" not in unavailable.stderr


def test_r_roster_3_the_command_line_imports_a_new_secretary_with_its_date(
    run: Run, url: str, tmp_path: Path
) -> None:
    """书记调整 through a roster file: refused without a date (naming the operation and the
    option), applied as the office's operation with ``--effective``."""
    assert _import_scenario(run, tmp_path).exit_code == 0
    assert run("schedule", "2023-Q4", "--as", OFFICE).exit_code == 0
    rows = [r if r[0] != "internal" else [*r[:5], "wu"] for r in _org_rows()]
    changed = _write_csv(tmp_path / "组织-调整.csv", ORG_HEADER_ZH, rows, bom=True)
    refused = run("roster", "import", str(changed), "--as", OFFICE)
    assert refused.exit_code == 3, refused.output
    assert "负责人调整（internal → wu）" in refused.stderr
    assert "--effective" in refused.stderr
    assert _roster_of(url).organizations["internal"].head_id == "zhou"
    applied = run("roster", "import", str(changed), "--as", OFFICE, "--effective", "2023-11-15")
    assert applied.exit_code == 0, applied.output
    internal = _roster_of(url).organizations["internal"]
    assert (internal.head_id, internal.head_since) == ("wu", date(2023, 11, 15))
    store = rf.open_store(url)
    try:
        december = [
            r for r in store.reviews(rf.ReviewQuery(subject_id="sun")) if str(r.period) == "2023-12"
        ]
    finally:
        store.close()
    assert [r.reviewer_id for r in december] == ["wu"]


# -- what Excel and WPS write on a Chinese PC (issue #16) ---------------------------------------


def _gbk_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    """A CSV as Excel or WPS saves it by default on a Chinese Windows: GBK, CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return path


def test_a_gbk_roster_with_slash_dates_and_status_words_imports(
    run: Run, url: str, tmp_path: Path
) -> None:
    """The scenario's members saved as GBK CSV with dates as 2001/7/1 and 2001年7月1日, the
    status as 正式/预备 and roles as 支部书记: imported as the UTF-8 files are."""
    orgs = _gbk_csv(tmp_path / "组织.csv", ORG_HEADER_ZH, _org_rows())
    header = ["编号", "姓名", "所在组织编号", "岗位类别", "党员类别", "职务", "入党日期"]
    rows = []
    for number, m in enumerate(r for r in scenario_roster()["members"] if isinstance(r, rf.Member)):
        status = "正式" if m.status is rf.MemberStatus.FULL else "预备"
        roles = "、".join(
            {"secretary": "支部书记", "deputy_secretary": "副书记", "committee_member": "支委"}[
                r.value
            ]
            for r in sorted(m.roles)
        )
        joined = ""
        if m.joined_on is not None:
            d = m.joined_on
            joined = (
                f"{d.year}/{d.month}/{d.day}" if number % 2 else f"{d.year}年{d.month}月{d.day}日"
            )
        rows.append([m.id, m.name, m.org_id, m.post_category, status, roles, joined])
    members = _gbk_csv(tmp_path / "党员.csv", header, rows)
    liaisons = _gbk_csv(
        tmp_path / "联系点.csv",
        LIAISON_HEADER_ZH,
        [[cm, org, "2023/1/1"] for cm, org, _ in _liaison_rows()],
    )
    staff = _gbk_csv(tmp_path / "办公室.csv", STAFF_HEADER_ZH, [[OFFICE, "陈敏"]])
    result = run("roster", "import", *map(str, (orgs, members, liaisons, staff)), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    _assert_scenario_roster(url)


def test_a_line_separator_inside_a_cell_is_text_not_a_new_row(
    run: Run, url: str, tmp_path: Path
) -> None:
    """U+2028 inside a cell (pasted from Word) stays in the cell; U+0085 is refused for its
    row and column; the rows below keep the spreadsheet's numbers (both used to end a row)."""
    assert _import_scenario(run, tmp_path).exit_code == 0
    changes = _write_csv(
        tmp_path / "changes.csv",
        ["id", "name", "org_id", "post_category"],
        [
            ["lin", "林涛", "surgery", "护理\u2028（外科）"],
            ["tang", "唐宁", "surgery", "护理\u0085（外科）"],
            ["gao", "高原", "nowhere", "医生"],  # row 4: an unknown organization
        ],
        bom=False,
    )
    refused = run("roster", "import", str(changes), "--as", OFFICE)
    assert refused.exit_code == 3, refused.output
    lines = refused.stderr.splitlines()
    # U+0085 is a control character (R-INPUT): its row is named, with the column; the
    # unknown organization is row 4, as the spreadsheet numbers it.
    assert any(
        "changes.csv" in line and " 3 " in line and "post_category" in line for line in lines
    )
    assert any("changes.csv" in line and " 4 " in line and "org_id" in line for line in lines)
    assert "错误行（2）" in refused.stderr
    done = run("roster", "import", str(changes), "--as", OFFICE, "--import-good")
    assert done.exit_code == 0, done.output
    assert _roster_of(url).members["lin"].post_category == "护理\u2028（外科）"


def test_every_bad_cell_of_a_row_is_reported_at_once(run: Run, tmp_path: Path) -> None:
    members = _write_csv(
        tmp_path / "members.csv",
        ["编号", "姓名", "所在组织编号", "党员类别", "职务", "入党日期", "离开日期"],
        [["wu", "", "internal", "积极分子", "组长", "2001-02-30", "下个月"]],
        bom=True,
    )
    staff = _write_csv(tmp_path / "staff.csv", ["id", "name"], [[OFFICE, "陈敏"]], bom=False)
    result = run("roster", "import", str(members), str(staff), "--as", OFFICE)
    assert result.exit_code == 3, result.output
    lines = [line for line in result.stderr.splitlines() if "members.csv" in line]
    for column in ("姓名", "党员类别", "职务", "入党日期", "离开日期"):
        assert any(f" {column} " in line for line in lines), (column, result.stderr)
    assert "错误行（5）" in result.stderr  # five bad cells of one row, all in one round


def test_excel_serial_dates_and_unicode_text_files_are_read(
    run: Run, url: str, tmp_path: Path
) -> None:
    """A joining date saved as a number (45292 is 2024-01-01) and a tab-separated UTF-16 file
    (Excel's "Unicode text")."""
    assert _import_scenario(run, tmp_path).exit_code == 0
    text = "编号\t姓名\t所在组织编号\t入党日期\r\nlin\t林涛\tsurgery\t45292\r\n"
    path = tmp_path / "新党员.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    result = run("roster", "import", str(path), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    assert _roster_of(url).members["lin"].joined_on == date(2024, 1, 1)


# -- the office's records (R-SUMMARY-SUBMIT, R-SUPERVISE, R-EXEMPLAR) -----------------------------


def test_office_submit_and_list_the_summaries(run: Run) -> None:
    assert run("demo").exit_code == 0
    sent = run("office", "submit", "cdc", "2023", "--reference", "疾控党支〔2023〕5号",
               "--on", "2023-12-28", "--as", "he")  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert "疾控党支〔2023〕5号" in sent.stdout
    listed = run("office", "submissions", "2023", "--as", OFFICE)
    assert listed.exit_code == 0, listed.output
    assert "未报送 5 个" in listed.stdout
    assert "区疾控中心党支部" in listed.stdout
    missing = run("office", "submissions", "2023", "--missing", "--as", OFFICE)
    assert "区疾控中心党支部" not in missing.stdout
    assert "局机关党支部" in missing.stdout
    summary = run("summary", "cdc", "2023", "--as", OFFICE)
    assert "2023-12-28 疾控党支〔2023〕5号" in summary.stdout
    again = run("office", "submit", "cdc", "2023", "--reference", "B", "--as", OFFICE)
    assert again.exit_code == 1
    assert "Traceback" not in again.output
    refused = run("office", "submissions", "2023", "--as", "wu")
    assert refused.exit_code == 1


def test_office_inspect_and_publicity(run: Run, url: str) -> None:
    assert run("demo").exit_code == 0
    visit = run("office", "inspect", "hospital", "--on", "2023-12-05", "--inspector", "陈敏",
                "--inspector", "王建国", "--place", "医院会议室", "--findings", "台账不全",
                "--as", OFFICE)  # fmt: skip
    assert visit.exit_code == 0, visit.output
    listed = run("office", "inspections", "--year", "2023", "--as", OFFICE)
    assert listed.exit_code == 0, listed.output
    assert "医院会议室" in listed.stdout
    assert "陈敏、王建国" in listed.stdout
    refused = run("office", "inspect", "hospital", "--on", "2023-12-05", "--inspector", "x",
                  "--place", "p", "--findings", "f", "--as", "liu")  # fmt: skip
    assert refused.exit_code == 1
    store = rf.open_store(url)
    try:
        (exemplar, *_) = rf.ReviewService(store).exemplars(OFFICE)
    finally:
        store.close()
    shown = run("office", "publicity", exemplar.id, "--on", "2023-12-20", "--medium", "简报",
                "--where", "第3期", "--as", OFFICE)  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert "宣传 1 次" in shown.stdout
    store = rf.open_store(url)
    try:
        (found,) = (e for e in rf.ReviewService(store).exemplars(OFFICE) if e.id == exemplar.id)
    finally:
        store.close()
    assert [(p.on, p.medium, p.where) for p in found.publicity] == [
        (date(2023, 12, 20), "简报", "第3期")
    ]


# -- taking the steps on the command line (issue #16) -------------------------------------------


def _short_id(output: str, subject: str) -> str:
    line = next(line for line in output.splitlines() if subject in line)
    return line.split("│")[1].strip()


def test_a_member_review_is_taken_to_closed_on_the_command_line_by_short_ids(
    run: Run, url: str, tmp_path: Path
) -> None:
    """`reviews` lists short ids; `step` takes every step of a member review, each by its party,
    its data as NAME=VALUE (dates as people write them); `show` reads it by the short id."""
    assert _import_scenario(run, tmp_path).exit_code == 0
    assert run("schedule", "2024-01", "--as", OFFICE).exit_code == 0
    listed = run("reviews", "--period", "2024年1月", "--as", "zhou")
    assert listed.exit_code == 0, listed.output
    rid = _short_id(listed.stdout, "吴红")
    assert 8 <= len(rid) < 20  # not the 40-character UUID

    def step(actor: str, trigger: str, *data: str) -> None:
        result = run("step", rid, trigger, *data, "--as", actor)
        assert result.exit_code == 0, (trigger, result.output)

    step("zhou", "start")
    step("wu", "report", "summary=本月完成门诊任务", "reported_on=2024/1/10")
    step("zhou", "conclude_fact_finding")
    step(
        "zhou", "record_method", "method=集中点评", "occasion=支部党员大会", "held_on=2024年1月12日"
    )
    for aspect in rf.Aspect.for_kind(rf.ReviewKind.MEMBER):
        step("zhou", "comment", f"aspect={aspect.value}", "achievements=表现良好")
    step("zhou", "set_direction", "direction=继续发挥先锋模范作用")
    step("zhou", "declare_no_rectification")
    step("zhou", "conclude_review")
    step("zhou", "fill_form", "filled_on=2024-01-12")
    step(OFFICE, "file", "filing_no=内科〔2024-01〕wu", "filed_on=2024-01-12")
    step("zhou", "publicize", "scope=内科党支部", "medium=会议通报", "published_on=2024-01-12")
    step("zhou", "begin_rectification")
    step("zhou", "confirm_closeout", "confirmed_on=2024-01-12")
    step("zhou", "close")
    shown = run("show", rid, "--as", "zhou")
    assert shown.exit_code == 0, shown.output
    assert "已销号" in shown.stdout


def test_a_step_refused_or_mistyped_says_why_without_a_traceback(
    run: Run, url: str, tmp_path: Path
) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    assert run("schedule", "2024-01", "--as", OFFICE).exit_code == 0
    rid = _short_id(run("reviews", "--period", "2024-01", "--as", "zhou").stdout, "吴红")
    early = run("step", rid, "conclude_review", "--as", "zhou")
    assert early.exit_code == 1
    assert "不能完成点评" in early.stderr
    bad_date = run("step", rid, "report", "summary=x", "reported_on=下周", "--as", "wu")
    assert bad_date.exit_code == 2
    assert "reported_on" in bad_date.stderr
    no_pair = run("step", rid, "report", "summary", "--as", "wu")
    assert no_pair.exit_code == 2
    assert "NAME=VALUE" in no_pair.stderr
    ambiguous = run("show", "review-", "--as", "zhou")
    assert ambiguous.exit_code == 2
    assert "请多写几位编号" in ambiguous.stderr
    for result in (early, bad_date, no_pair, ambiguous):
        assert "Traceback" not in result.output


def test_policy_option_sets_the_cadences(run: Run, url: str, tmp_path: Path) -> None:
    """--policy (or REVIEWFLOW_POLICY) is the deployment's policy: with members reviewed each
    quarter, scheduling a month creates no member review; a bad file is refused, no traceback."""
    assert _import_scenario(run, tmp_path).exit_code == 0
    policy = tmp_path / "policy.toml"
    policy.write_text('[cadence]\nmember = "quarter"\n', encoding="utf-8")
    result = run("--policy", str(policy), "schedule", "2024-01", "--as", OFFICE)
    assert result.exit_code == 0, result.output
    store = rf.open_store(url)
    try:
        monthly = store.reviews(rf.ReviewQuery(within=rf.Period.parse("2024-01")))
    finally:
        store.close()
    assert [r for r in monthly if r.kind is rf.ReviewKind.MEMBER and r.basis is rf.Basis.HEAD] == []
    bad = tmp_path / "bad.toml"
    bad.write_text('[cadence]\nmember = "fortnight"\n', encoding="utf-8")
    refused = run("--policy", str(bad), "schedule", "2024-01", "--as", OFFICE)
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output


def test_r_reopen_the_office_reopens_a_cancelled_review_on_the_command_line(
    run: Run, url: str, tmp_path: Path
) -> None:
    assert _import_scenario(run, tmp_path).exit_code == 0
    assert run("schedule", "2024-01", "--as", OFFICE).exit_code == 0
    rid = _short_id(run("reviews", "--period", "2024-01", "--as", "zhou").stdout, "吴红")
    cancel = run("step", rid, "cancel", "--reason", "误撤销", "--as", OFFICE)
    assert cancel.exit_code == 0, cancel.output
    refused = run("reopen", rid, "--reason", "重新点评", "--as", "zhou")
    assert refused.exit_code == 1
    done = run("reopen", rid, "--reason", "重新点评", "--as", OFFICE)
    assert done.exit_code == 0, done.output
    assert "第2轮" in done.stdout
    store = rf.open_store(url)
    try:
        of_wu = [
            r for r in store.reviews(rf.ReviewQuery(subject_id="wu")) if str(r.period) == "2024-01"
        ]
    finally:
        store.close()
    assert sorted((r.round, r.state.value) for r in of_wu) == [(1, "cancelled"), (2, "scheduled")]


def test_the_roster_template_has_drop_downs_and_imports_once_filled_in(
    run: Run, url: str, tmp_path: Path
) -> None:
    """`roster template`: one sheet per kind, the headers `roster import` reads, drop-downs for
    级别, 党员类别 and 职务; filled in with the scenario as an office worker would (labels
    from the drop-downs, real date cells), it imports as the scenario's roster."""
    made = run("roster", "template", str(tmp_path / "名册模板"))
    assert made.exit_code == 0, made.output
    path = tmp_path / "名册模板.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["组织", "党员", "联系点", "办公室"]
    lists = {
        sheet.title: sorted(d.formula1 for d in sheet.data_validations.dataValidation)
        for sheet in book.worksheets
    }
    assert lists["组织"] == ['"党委,党总支,党支部,党小组"']
    assert lists["党员"] == ['"书记,副书记,委员"', '"正式党员,预备党员"']
    records = scenario_roster()
    orgs, members = book["组织"], book["党员"]
    for n, o in enumerate(r for r in records["organizations"] if isinstance(r, rf.Organization)):
        for c, value in enumerate(
            [o.id, o.name, o.kind.label_zh, o.org_type, o.parent_id or "", o.head_id or ""], 1
        ):
            orgs.cell(n + 2, c, value)
    for n, m in enumerate(r for r in records["members"] if isinstance(r, rf.Member)):
        roles = "、".join(r.label_zh for r in sorted(m.roles))
        row = [m.id, m.name, m.org_id, m.post_category, m.status.label_zh, roles, m.joined_on]
        for c, value in enumerate(row, 1):
            members.cell(n + 2, c, value)
    for n, (cm, org, _since) in enumerate(_liaison_rows()):
        for c, value in enumerate([cm, org, date(2023, 1, 1)], 1):
            book["联系点"].cell(n + 2, c, value)
    book["办公室"].cell(2, 1, OFFICE)
    book["办公室"].cell(2, 2, "陈敏")
    book.save(path)
    result = run("roster", "import", str(path), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    _assert_scenario_roster(url)


def test_an_xlsx_saved_by_libreoffice_imports(run: Run, url: str, tmp_path: Path) -> None:
    """tests/data/党员-libreoffice.xlsx was saved by LibreOffice Calc 7 from a CSV (a real date
    cell, a date left as text 2001/7/1, an empty cell written as a number): both members import
    with their dates."""
    assert _import_scenario(run, tmp_path).exit_code == 0
    saved = Path(__file__).parent / "data" / "党员-libreoffice.xlsx"
    assert b"LibreOffice" in zipfile.ZipFile(saved).read("docProps/app.xml")
    result = run("roster", "import", str(saved), "--as", OFFICE)
    assert result.exit_code == 0, result.output
    members = _roster_of(url).members
    assert (members["lin"].joined_on, members["lin"].status) == (
        date(2023, 7, 1), rf.MemberStatus.PROBATIONARY,
    )  # fmt: skip
    assert (members["tang"].joined_on, members["tang"].roles) == (
        date(2001, 7, 1), frozenset({rf.Role.COMMITTEE_MEMBER}),
    )  # fmt: skip


def test_without_the_cli_extra_the_command_names_it() -> None:
    """Issue #15: without click the `reviewflow` command died with `No module named 'click'`;
    its entry point names the extra to install instead (exit code 2, no traceback)."""
    code = "import sys; sys.modules['click'] = None; from reviewflow._launch import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "pip install 'reviewflow[cli]'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("module", "url", "extra"),
    [
        ("psycopg", "postgresql://nobody@127.0.0.1:5432/test", "postgres"),
        ("pymysql", "mysql://root@127.0.0.1:3306/test", "mysql"),
    ],
)
def test_a_missing_database_driver_names_its_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, url: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(rf.StoreUnavailable) as caught:
        rf.open_store(url)
    assert f"pip install 'reviewflow[{extra}]'" in str(caught.value)
