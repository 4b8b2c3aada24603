"""The docs cannot drift from the code: the state diagrams and the README's example are checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import reviewflow as rf

ROOT = Path(__file__).resolve().parent.parent
MERMAID = re.compile(r"^```mermaid\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _section(markdown: str, heading: str) -> str:
    """The text under a ``## heading``, up to the next heading of the same or a higher level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^#{{1,2}} |\Z)", markdown, re.M | re.S)
    assert match is not None, f"no '## {heading}' section"
    return match.group(1)


def test_concepts_diagrams_are_the_workflow_definition() -> None:
    """docs/concepts.md shows exactly what WORKFLOW.mermaid draws, in Chinese then in English."""
    text = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
    assert MERMAID.findall(text) == [rf.WORKFLOW.mermaid("zh"), rf.WORKFLOW.mermaid("en")]


def test_readme_embedding_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's "Embedding" example runs as written, and prints what the README says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```$", _section(readme, "Embedding"), re.M | re.S)
    assert len(blocks) == 1, "the Embedding section has one python example"
    assert len(blocks[0].splitlines()) <= 25, "the Embedding example stays short"
    code = compile(blocks[0], str(ROOT / "README.md"), "exec")
    exec(code, {"__name__": "readme_embedding"})  # noqa: S102 - running the README's own example
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "实施点评 3"
    assert len(printed) == 4
