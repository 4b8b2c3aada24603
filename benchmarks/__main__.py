"""``python -m benchmarks [--size tiny|small|full] [--db …] [--case …] [--repeat N]``

Prints the machine, Python and database versions and settings, then one line per case: the
library's figure, the floor's, and their ratio (library speed / floor speed), measured in the
same run. ``--markdown FILE`` also writes the table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
import time
from pathlib import Path

from benchmarks import harness

# case module → the databases it runs on ("*" = every chosen database; "-" = none needed)
CASES = {
    "step": "*",
    "schedule": "*",
    "coverage": "*",
    "peers": "-",
    "overhead": "-",
    "scale": "postgresql",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=sorted(harness.SIZES), default="small")
    parser.add_argument("--db", default=",".join(harness.DATABASES))
    parser.add_argument("--case", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument(
        "--repeat", type=int, help="runs per side of each case (default: the size's own)"
    )
    args = parser.parse_args(argv)
    size = harness.SIZES[args.size]
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error(f"--repeat must be at least 1, not {args.repeat}")
        size = dataclasses.replace(size, repeat=args.repeat)
    wanted = [c.strip() for c in args.case.split(",") if c.strip()]
    unknown = sorted(set(wanted) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    dbs = []
    for db in (d.strip() for d in args.db.split(",") if d.strip()):
        why = harness.available(db)
        if why is None:
            dbs.append(db)
        elif os.environ.get("CI") == "true":
            print(f"error: {db} is not available under CI: {why}", file=sys.stderr)
            return 1
        else:
            print(f"# skipping {db}: {why}", file=sys.stderr)
    header = [f"size: {size.name}", *harness.machine_lines(tuple(dbs))]
    for line in header:
        print(line, flush=True)
    figures: list[harness.Figure] = []
    for name in wanted:
        try:
            module = importlib.import_module(f"benchmarks.case_{name}")
        except ModuleNotFoundError as error:
            if error.name != f"benchmarks.case_{name}":
                raise
            print(f"# case {name}: not written yet", file=sys.stderr)
            continue
        targets = CASES[name]
        started = time.perf_counter()
        if targets == "-":
            got = module.run(size)
        else:
            got = [
                f
                for db in dbs
                if targets == "*" or db in targets.split(",")
                for f in module.run(size, db)
            ]
        figures.extend(got)
        for line in harness.table(got)[2:]:
            print(line, flush=True)
        print(f"# {name}: {time.perf_counter() - started:.1f} s", flush=True)
    print()
    lines = harness.table(figures)
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(["```", *header, "```", "", *lines, ""]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
