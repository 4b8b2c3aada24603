"""docs/rules.md maps every rule id to code and tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CATALOGUE = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")

RULE_IDS = [
    "R-SUBJ",
    "R-SCOPE-1",
    "R-SCOPE-2",
    "R-SCOPE-3",
    "R-SCOPE-4",
    "R-COVER",
    "R-LEAD",
    "R-CONT",
    "R-CONT-ORG",
    "R-CONT-MEM",
    "R-COMMIT",
    "R-CAD-1",
    "R-CAD-2",
    "R-CAD-3",
    "R-CAD-4",
    "R-DEADLINE",
    "R-METH",
    "R-METH-DEFAULT",
    "R-STEP-1",
    "R-STEP-2",
    "R-PART",
    "R-STEP-3",
    "R-STEP-4",
    "R-LIVE",
    "R-ROSTER-1",
    "R-ROSTER-2",
    "R-ROSTER-3",
    "R-INPUT",
    "R-AUDIT",
    "R-REOPEN",
    "R-NA",
    "R-CLASS",
    "R-SUPERVISE",
    "R-EXEMPLAR",
    "R-SUMMARY",
    "R-SUMMARY-SUBMIT",
]


def defined_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        names |= set(re.findall(r"^\s*(?:def|class) (\w+)", path.read_text(encoding="utf-8"), re.M))
        names |= set(re.findall(r"^(Test\w+) = ", path.read_text(encoding="utf-8"), re.M))
    return names


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_has_a_row_and_a_test_named_after_it(rule: str) -> None:
    assert re.search(rf"^\| {re.escape(rule)} \|", CATALOGUE, re.M), f"{rule} has no row"
    slug = "test_" + rule.lower().replace("-", "_")
    assert any(n.startswith(slug) for n in defined_names()), f"no test is named after {rule}"


def test_every_test_named_in_the_catalogue_exists() -> None:
    cited = set(re.findall(r"`((?:test_|Test)\w+)`", CATALOGUE))
    assert cited
    assert cited - defined_names() == set()


def test_every_file_named_in_the_catalogue_exists() -> None:
    files = set(re.findall(r"`(src/[\w/]+\.py)`", CATALOGUE))
    assert files
    assert [f for f in files if not (ROOT / f).is_file()] == []


def test_every_file_the_catalogue_cites_exists() -> None:
    """Issue #15: the catalogue cited files that are not in the repository."""
    cited = set(re.findall(r"`((?:src|tests|docs|examples|benchmarks)/[\w./-]+)`", CATALOGUE))
    assert cited
    assert sorted(p for p in cited if not (ROOT / p).exists()) == []
