"""The public API is exactly what docs/api.md lists (STYLE: one public face)."""

from __future__ import annotations

import re
from pathlib import Path

import reviewflow as rf

API_DOC = Path(__file__).parent.parent / "docs" / "api.md"


def documented_names() -> list[str]:
    """The names of the reference's lists, before the ReviewService methods section."""
    text = API_DOC.read_text(encoding="utf-8").split("## `ReviewService` methods")[0]
    return re.findall(r"^- `([A-Za-z_][A-Za-z0-9_]*)`", text, flags=re.MULTILINE)


def test_all_is_exactly_the_documented_api() -> None:
    names = documented_names()
    assert len(names) == len(set(names)), "a name is listed twice in docs/api.md"
    assert sorted(names) == sorted(rf.__all__)


def test_all_is_sorted_and_importable() -> None:
    assert list(rf.__all__) == sorted(rf.__all__, key=lambda n: (not n.isupper(), n))
    for name in rf.__all__:
        assert getattr(rf, name) is not None


def test_every_public_service_method_and_property_is_documented() -> None:
    text = API_DOC.read_text(encoding="utf-8")
    public = [n for n in dir(rf.ReviewService) if not n.startswith("_")]
    properties = {n for n in public if isinstance(getattr(rf.ReviewService, n), property)}
    missing = [
        n
        for n in public
        if f"`ReviewService.{n}{'' if n in properties else '('}" not in text
        or (n in properties and f"`ReviewService.{n}(" in text)
    ]
    assert missing == []


def test_version_matches_the_package_metadata() -> None:
    from importlib.metadata import version  # noqa: PLC0415

    assert rf.__version__ == version("reviewflow")
