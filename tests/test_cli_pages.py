"""Every command has a page in docs/cli/, showing its current help (regenerate with
``python tests/cli_pages.py``)."""

from __future__ import annotations

import pytest

from cli_pages import PAGES, commands, index, page, page_path


@pytest.mark.parametrize("path", list(commands()), ids=" ".join)
def test_every_command_has_its_page_with_its_current_help(path: tuple[str, ...]) -> None:
    assert page_path(path).read_text(encoding="utf-8") == page(path)


def test_the_overview_lists_every_command() -> None:
    assert (PAGES / "index.md").read_text(encoding="utf-8") == index()


def test_no_page_for_a_command_that_is_gone() -> None:
    expected = {page_path(p).name for p in commands()} | {"index.md"}
    assert {p.name for p in PAGES.glob("*.md")} == expected
