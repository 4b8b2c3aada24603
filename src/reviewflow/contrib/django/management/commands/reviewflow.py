"""``manage.py reviewflow ...``: the ``reviewflow`` command line on the project's database.

Every command of the ``reviewflow`` command line (``reviewflow --help``) runs on the database
``REVIEWFLOW["DATABASE"]`` with the settings' policy and calendar; its writes commit as the
command line's do, one transaction each. ``db upgrade`` runs ``migrate reviewflow`` (the
migrations own the schema here); ``demo``, which writes a database of its own, is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

import reviewflow as rf
from reviewflow.cli import EXIT_OK, EXIT_STORE, EXIT_USAGE, run_on
from reviewflow.contrib.django import database, service

_DJANGOS_JOB = {
    ("db", "upgrade"): "migrate",
    ("demo",): "",
}
"""Commands Django's own do here: the schema is its migrations' (``migrate``); the demo writes
a database of its own (none: run ``reviewflow demo`` outside the project)."""


class Command(BaseCommand):  # type: ignore[misc] # Django ships no types
    help = (
        "领导点评命令行，作用于本项目的数据库（manage.py reviewflow --help）。"
        " / The reviewflow command line on the project's database."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("args", nargs=argparse.REMAINDER, help="reviewflow's arguments")

    def run_from_argv(self, argv: list[str]) -> None:
        """The command line parses its own arguments (``--help`` and ``--as`` included)."""
        try:
            code = self.run_cli(argv[2:], prog_name=f"{Path(argv[0]).name} {argv[1]}")
        finally:
            connections.close_all()
        raise SystemExit(code)

    def handle(self, *args: str, **_options: Any) -> None:
        """``call_command("reviewflow", "coverage", "2023-Q4", "--as", "office")``."""
        code = self.run_cli(list(args), prog_name="manage.py reviewflow")
        if code != EXIT_OK:
            raise CommandError(f"reviewflow {' '.join(args)}: exit code {code}", returncode=code)

    def run_cli(self, args: list[str], *, prog_name: str) -> int:
        alias = database()
        words = tuple(a for a in args if not a.startswith("-"))
        for command, instead in _DJANGOS_JOB.items():
            # Anywhere among the words: an option's value (--as office) may come before it.
            if not any(words[i : i + len(command)] == command for i in range(len(words))):
                continue
            if instead:
                call_command(instead, "reviewflow", database=alias, stdout=self.stdout)
                return EXIT_OK
            self.stderr.write(
                f"{prog_name} {' '.join(command)}：演示数据写入单独的数据库，请在项目之外运行 "
                f"reviewflow {' '.join(command)} / the demo writes a database of its own: run "
                f"reviewflow {' '.join(command)} outside the project"
            )
            return EXIT_USAGE
        try:
            found = service(alias)
        except rf.StoreError as error:  # not migrated, or the database is down: no traceback
            self.stderr.write(f"错误：{error.message_zh}\nerror ({error.code}): {error.message_en}")
            return EXIT_STORE
        return run_on(found, args, store_label=f"django://{alias}", prog_name=prog_name)
