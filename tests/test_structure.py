"""The shape issue #13 gave the code, held: sizes a reader can hold in mind, no code generated
with exec, no process-wide state changed, no private enum attribute read, the differences
between databases in the dialect modules only, and a store protocol of a dozen members."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import reviewflow as rf

SRC = Path(__file__).parent.parent / "src" / "reviewflow"
MODULES = sorted(SRC.rglob("*.py"))
DIALECT_MODULES = {SRC / "store" / "sql" / f"{name}.py" for name in ("sqlite", "postgres", "mysql")}


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in MODULES]


def _span(node: ast.AST) -> int:
    return int(getattr(node, "end_lineno", 0)) - int(getattr(node, "lineno", 0)) + 1


def test_no_module_over_900_lines() -> None:
    long = {str(p): n for p in MODULES if (n := len(p.read_text().splitlines())) > 900}
    assert long == {}


def test_no_class_over_500_lines() -> None:
    long = [
        (str(path), node.name, _span(node))
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and _span(node) > 500
    ]
    assert long == []


def test_at_most_three_functions_over_60_lines() -> None:
    long = [
        (str(path), node.name, _span(node))
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _span(node) > 60
    ]
    assert len(long) <= 3, long


def test_no_exec_no_garbage_collector_no_private_enum_reads() -> None:
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"exec", "compile"}:
                found.append((str(path), node.lineno, "exec/compile"))
            if isinstance(node, ast.Name) and node.id == "gc":
                found.append((str(path), node.lineno, "gc"))
            # Reading ``x._value_`` (the one write is the enum protocol: ``Labelled.__new__``
            # sets the member's value, as the enum documentation prescribes).
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "_value_"
                and isinstance(node.ctx, ast.Load)
            ):
                found.append((str(path), node.lineno, "._value_"))
    assert found == []


def test_databases_differ_in_the_dialect_modules_only() -> None:
    branch = re.compile(r"dialect\.name|\bname\s*==\s*[\"'](?:sqlite|postgresql|mysql)[\"']")
    found = [
        (str(path), n)
        for path in MODULES
        if path not in DIALECT_MODULES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if branch.search(line)
    ]
    assert found == []


def test_the_store_protocol_has_at_most_twelve_members() -> None:
    members = [n for n in vars(rf.Store) if not n.startswith("_")]
    assert len(members) <= 12, members
