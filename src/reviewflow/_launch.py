"""The ``reviewflow`` command's entry point: the command line, or a message naming the extra to
install when its packages are missing (``click`` and ``rich`` come with ``reviewflow[cli]``)."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run the command line; without its packages, say how to install them (exit code 2)."""
    try:
        from reviewflow.cli import main as command_line  # noqa: PLC0415 - the optional part
    except ModuleNotFoundError as error:
        if error.name not in {"click", "rich", "docx", "openpyxl"}:
            raise
        sys.stderr.write(
            f"reviewflow 命令行需要 {error.name}：pip install 'reviewflow[cli]'\n"
            f"the reviewflow command needs {error.name}: pip install 'reviewflow[cli]'\n"
        )
        raise SystemExit(2) from None
    command_line()
