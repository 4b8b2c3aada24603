"""The benchmark suite runs: CI runs it once at the tiny size (figures are not checked here; they
are measured on a quiet machine and written to docs/performance.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.postgres
@pytest.mark.mysql
def test_the_suite_runs_every_case_at_the_tiny_size(
    tmp_path: Path, postgres_url: str, mysql_url: str
) -> None:
    """Every case, on every database (the servers' fixtures skip locally, fail in CI)."""
    table = tmp_path / "figures.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "tiny", "--markdown", str(table)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "CI": os.environ.get("CI", "")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for line in ("machine:", "python:", "sqlite:", "postgresql:", "mysql:"):
        assert line in out, line
    rows = [r for r in table.read_text().splitlines() if r.startswith("| ") and "---" not in r]
    cases = {r.split(" | ")[0].lstrip("| ") for r in rows[1:]}
    for expected in (
        "one step, one transaction",
        "one step on 20 reviews, one call",
        "schedule a period",
        "coverage, whole period",
        "coverage, one subtree",
        "coverage of a month, the province",
        "a branch secretary's work list",
    ):
        assert any(c.startswith(expected) for c in cases), (expected, sorted(cases))
    assert any(c.startswith("peer: ") for c in cases), sorted(cases)
    assert any(c.startswith("workflow overhead") for c in cases), sorted(cases)
    for row in rows[1:]:
        library = row.split(" | ")[3]
        assert re.fullmatch(r"[\d,]+(\.\d+)?", library), row  # every case measured a figure
