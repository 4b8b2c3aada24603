"""The command line's reference pages (docs/cli/*.md), generated from the commands' own help.

    python tests/cli_pages.py      # rewrite the pages

tests/test_cli_pages.py checks that every command has its page and that each page shows the
command's current help, so the pages cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from reviewflow.cli import main as cli

PAGES = Path(__file__).parent.parent / "docs" / "cli"


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every leaf command's path, like ("db", "upgrade")."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        elif command is not None:
            yield (*path, name)


def help_text(path: tuple[str, ...]) -> str:
    """What ``reviewflow PATH --help`` prints."""
    command: click.Command = cli
    # As click builds them for a real call: each context with its command's settings, below its
    # parent's (which passes on the help option names, -h and --help).
    width = {"terminal_width": 100, "max_content_width": 100}
    ctx = click.Context(cli, info_name="reviewflow", **width, **cli.context_settings)
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(ctx, name)  # type: ignore[assignment]
        ctx = click.Context(
            command, info_name=name, parent=ctx, **width, **command.context_settings
        )
    return command.get_help(ctx)


def page(path: tuple[str, ...]) -> str:
    name = " ".join(path)
    first = help_text(path).split("\n\n")[1].strip() if "\n\n" in help_text(path) else ""
    return (
        f"# `reviewflow {name}`\n\n{first}\n\n"
        "Global options (`--store`, `--as`, `--lang`) are described in "
        "[the overview](index.md).\n\n"
        f"```text\n$ reviewflow {name} --help\n{help_text(path).rstrip()}\n```\n"
    )


def page_path(path: tuple[str, ...]) -> Path:
    return PAGES / f"{'-'.join(path)}.md"


def index() -> str:
    lines = [
        "# The command line",
        "",
        "`reviewflow` runs the library from a terminal or a script",
        "(`pip install 'reviewflow[cli]'`).",
        "Every command acts as a person (`--as`), on a store (`--store`, default",
        "`sqlite:///reviewflow.db`), in Chinese or English (`--lang`). Exit codes are stable:",
        "0 ok, 1 refused by the library, 2 usage error, 3 bad rows in a roster file,",
        "4 store unavailable or schema mismatch.",
        "",
        "```text",
        "$ reviewflow --help",
        help_text(()).rstrip(),
        "```",
        "",
        "## Commands",
        "",
    ]
    lines += [f"- [`reviewflow {' '.join(p)}`]({page_path(p).name})" for p in commands()]
    return "\n".join(lines) + "\n"


def write() -> None:
    PAGES.mkdir(parents=True, exist_ok=True)
    (PAGES / "index.md").write_text(index(), encoding="utf-8")
    for path in commands():
        page_path(path).write_text(page(path), encoding="utf-8")


if __name__ == "__main__":
    write()
