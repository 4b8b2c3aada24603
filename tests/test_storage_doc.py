"""docs/storage.md lists exactly the store protocol: the required tier's members in its table,
the optional tier's in its paragraph, and the example adapter's apply as it is in the file."""

from __future__ import annotations

import re
from pathlib import Path

import reviewflow as rf

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "storage.md").read_text(encoding="utf-8")


def _members(protocol: type) -> set[str]:
    own = set(vars(protocol))
    return {n for n in own if not n.startswith("_")}


def test_the_required_tier_is_the_documented_table() -> None:
    section = DOC.split("**`rf.Store`, required.**")[1].split("What `apply` enforces")[0]
    documented = set(re.findall(r"^\| `([a-z_]+)", section, flags=re.MULTILINE))
    assert documented == _members(rf.Store)
    assert len(documented) <= 12


def test_the_optional_tier_is_the_documented_paragraph() -> None:
    section = DOC.split("**`rf.CountingStore`, optional.**")[1].split("**`rf.OutboxStore`")[0]
    documented = set(re.findall(r"`([a-z_]+)\(", section)) - {"reviews"}
    assert documented == _members(rf.CountingStore)


def test_the_outbox_tier_is_the_documented_paragraph() -> None:
    section = DOC.split("**`rf.OutboxStore`, optional.**")[1].split("Everything an adapter")[0]
    documented = set(re.findall(r"`([a-z_]+)\(", section))
    assert documented == _members(rf.OutboxStore)


def test_the_example_adapters_apply_is_quoted_as_it_is() -> None:
    quoted = DOC.split("`apply` is\n\n```python\n")[1].split("```")[0]
    source = (ROOT / "examples" / "adapter" / "json_file_store.py").read_text(encoding="utf-8")
    assert quoted in source
