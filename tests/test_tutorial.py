"""The tutorial quotes the example app: each quoted block still stands in the app as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
APP = (ROOT / "examples" / "webapp" / "app.py").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TUTORIAL, flags=re.DOTALL)


def test_the_tutorial_quotes_the_app() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0].strip()[:40])
def test_each_quote_stands_in_the_app(block: str) -> None:
    assert block in APP
