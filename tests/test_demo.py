"""The demonstration quarter (`python -m reviewflow`) runs and prints what the office reads."""

from __future__ import annotations

import subprocess
import sys

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE, QUARTER, main, run_quarter, scenario_service
from steps import find


def test_demo_prints_coverage_gaps_and_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    service = scenario_service()
    run_quarter(service)
    report = service.coverage(OFFICE, QUARTER)
    assert f"应点评 {report.expected}  已点评 {report.reviewed}" in out
    for gap in report.gaps:
        assert f"{gap.period} {gap.org_name} {gap.subject_name}" in out
    assert "组织3次义诊进村" in out  # the hospital's ledger item
    assert "状态：已完成" in out


def test_demo_quarter_closes_the_liaison_review_and_names_the_moves() -> None:
    service = scenario_service()
    run_quarter(service)
    review = find(service, "li", "hospital", "2023-Q4")
    assert review.state is rf.ReviewState.CLOSED
    report = service.coverage(OFFICE, QUARTER)
    assert {(g.subject_name, str(g.period)) for g in report.gaps} == {
        ("冯军", "2023-12"),
        ("林涛", "2023-12"),
    }
    assert report.waived == 3


def test_work_list_shows_each_persons_next_steps() -> None:
    service = scenario_service()
    run_quarter(service)
    items = service.work_list("sun")  # her December review waits for her rectification
    assert [(w.review.period.label_zh, w.steps) for w in items] == [
        ("2023年12月", ("plan_item", "update_item", "reply"))
    ]
    assert all(rf.Party.SUBJECT in w.parties for w in items)


def test_python_dash_m_reviewflow_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reviewflow"], capture_output=True, text=True, check=True
    )
    assert "领导点评覆盖情况" in done.stdout
