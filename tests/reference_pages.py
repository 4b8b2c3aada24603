"""The site's API reference pages (docs/reference/*.md), generated from docs/api.md.

    python tests/reference_pages.py      # rewrite the pages

Each section of docs/api.md that lists public names becomes a page of ``:::`` directives, which
mkdocstrings renders from the docstrings (mkdocs.yml); the submodules with an API of their own get
a page each. tests/test_docs_site.py checks that the pages are what this script writes, so a name
added to docs/api.md (which tests/test_api.py holds to ``reviewflow.__all__``) reaches the site.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import reviewflow

ROOT = Path(__file__).parent.parent
API = ROOT / "docs" / "api.md"
PAGES = ROOT / "docs" / "reference"

# Section heading in docs/api.md -> (page file, page title). The ReviewService methods and the
# submodules are rendered elsewhere: the methods with the class, the submodules below.
SECTIONS = {
    "Service": ("service.md", "Service"),
    "Storage": ("storage.md", "Storage"),
    "Roster": ("roster.md", "Roster"),
    "Policy, periods and deadlines": ("policy.md", "Policy, periods and deadlines"),
    "Reviews, history and the attempt log": ("reviews.md", "Reviews, history, attempts"),
    "Review content": ("content.md", "Review content"),
    "The workflow definition": ("workflow.md", "The workflow definition"),
    "Planning, coverage and the office's work": ("office.md", "Planning, coverage, the office"),
    "Vocabularies": ("vocabularies.md", "Vocabularies"),
    "Events": ("events.md", "Events"),
    "Notifications that are not lost: the outbox": ("outbox.md", "Notifications: the outbox"),
    "Errors": ("errors.md", "Errors"),
    "Metadata": ("metadata.md", "Metadata"),
}

# Submodules with an API of their own: (module, page, title, what the page says first). Names the
# top-level package re-exports are rendered on its pages and left out here.
SUBMODULES = (
    (
        "reviewflow.store",
        "store.md",
        "reviewflow.store",
        "The store protocol's helpers for writing an adapter (see [storage](../storage.md)).",
    ),
    (
        "reviewflow.store.sql",
        "store-sql.md",
        "reviewflow.store.sql",
        "The SQL store's dialects and schema, for reaching another SQL database.",
    ),
    (
        "reviewflow.testing",
        "testing.md",
        "reviewflow.testing",
        "The conformance kit for stores (extra `dev`; see [storage](../storage.md)).",
    ),
    (
        "reviewflow.export",
        "export.md",
        "reviewflow.export",
        "Word forms and Excel reports (extra `export`).",
    ),
    (
        "reviewflow.contrib.sqlalchemy",
        "contrib-sqlalchemy.md",
        "reviewflow.contrib.sqlalchemy",
        (
            "The store inside a SQLAlchemy host's transaction, the tables as `MetaData`, the "
            "Alembic revisions (extra `sqlalchemy`; see [embedding](../embedding.md))."
        ),
    ),
)


def sections() -> dict[str, list[str]]:
    """The public names each section of docs/api.md lists, in its order."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in API.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            title = line[3:].split(" (")[0].strip()
            current = found.setdefault(title, []) if title in SECTIONS else None
        elif current is not None and (m := re.match(r"- `(\w+)`:", line)):
            current.append(m.group(1))
    return found


def exported(module: str) -> list[str]:
    """The module's ``__all__`` less what ``reviewflow`` itself exports."""
    names = importlib.import_module(module).__all__
    return [n for n in names if n not in reviewflow.__all__]


INSPECTED = frozenset({"AsyncReviewService"})
"""Names whose members are made when the module runs (the async service's coroutines, one a
method of the service, each with that method's docstring): ``help()`` shows them; the site
documents each once, on :class:`ReviewService`, which the class's docstring points to."""

INHERITING = frozenset({"ReviewService"})
"""Names whose page shows what they inherit (the service's steps come from a base class)."""


def _directive(name: str) -> str:
    if name in INHERITING:
        return f"::: reviewflow.{name}\n    options:\n      inherited_members: true"
    return f"::: reviewflow.{name}"


def pages() -> dict[str, str]:
    """Every reference page: its file name under docs/reference/ -> its text."""
    result: dict[str, str] = {}
    listed = sections()
    for heading, (name, title) in SECTIONS.items():
        body = "\n\n".join(_directive(n) for n in listed[heading])
        result[name] = (
            f"# {title}\n\nGenerated from the docstrings; the names as [the API list](../api.md) "
            f"gives them.\n\n{body}\n"
        )
    for module, name, title, intro in SUBMODULES:
        members = "\n".join(f"        - {n}" for n in exported(module))
        result[name] = (
            f"# `{title}`\n\n{intro}\n\n::: {module}\n    options:\n      members:\n{members}\n"
        )
    return result


if __name__ == "__main__":
    PAGES.mkdir(exist_ok=True)
    for stale in PAGES.glob("*.md"):
        stale.unlink()
    for name, text in pages().items():
        (PAGES / name).write_text(text, encoding="utf-8")
