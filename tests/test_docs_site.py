"""The documentation site (mkdocs.yml): its reference pages, the docstrings they render, a strict
build, and docs that cite only files of this repository (issue #15)."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import griffe
import pytest
import yaml

import reviewflow as rf
from griffe_rst_roles import as_code
from reference_pages import INSPECTED, PAGES, SECTIONS, pages, sections

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"

# The public modules: the package and the submodules docs/api.md gives an API of their own.
PUBLIC_MODULES = (
    "reviewflow",
    "reviewflow.errors",
    "reviewflow.events",
    "reviewflow.store",
    "reviewflow.store.sql",
    "reviewflow.testing",
    "reviewflow.export",
    "reviewflow.contrib.sqlalchemy",
)


def test_reference_pages_are_as_generated() -> None:
    """docs/reference/ is what ``python tests/reference_pages.py`` writes."""
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.md")}
    assert on_disk == pages(), "run: .venv/bin/python tests/reference_pages.py"


def test_every_public_name_has_a_reference_entry() -> None:
    listed = [name for names in sections().values() for name in names]
    assert sorted(listed) == sorted(rf.__all__)
    assert set(sections()) == set(SECTIONS)


def test_every_reference_page_is_in_the_navigation() -> None:
    """Adding a page is one line under ``nav``; the strict build fails for a page left out."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def entries(nav: object) -> Iterator[str]:
        if isinstance(nav, str):
            yield nav
        elif isinstance(nav, list):
            for item in nav:
                yield from entries(item)
        elif isinstance(nav, dict):
            for value in nav.values():
                yield from entries(value)

    in_nav = set(entries(config["nav"]))
    assert {f"reference/{name}" for name in pages()} <= in_nav
    assert sorted(p for p in in_nav if not (DOCS / p).is_file()) == []


# -- every public class, function, method, field and enum member documented ---------------------


def _package() -> griffe.Object:
    """reviewflow as griffe reads it (as mkdocstrings renders it): the package imported here."""
    return griffe.load(
        "reviewflow",
        search_paths=[str(Path(rf.__file__).parent.parent)],
        resolve_aliases=True,
        resolve_external=False,
    )


def _documented_in_a_base(cls: griffe.Class, name: str) -> bool:
    """An override without a docstring of its own takes its base's (as ``inspect.getdoc``)."""
    for base in cls.mro():
        member = base.members.get(name)
        if member is not None and not member.is_alias and member.docstring:
            return True
    return False


def _undocumented(obj: griffe.Object, path: str, seen: set[str]) -> Iterator[str]:
    target = obj.final_target if obj.is_alias else obj
    assert isinstance(target, griffe.Object)
    if target.path in seen:
        return
    seen.add(target.path)
    if not (target.docstring and target.docstring.value.strip()):
        yield path
    if isinstance(target, griffe.Class):
        for name, member in target.members.items():
            if name.startswith("_") or member.is_alias:
                continue
            if not member.docstring and _documented_in_a_base(target, name):
                continue
            if not member.docstring and _documented_when_run(target, name):
                continue
            yield from _undocumented(member, f"{path}.{name}", seen)


def _documented_when_run(cls: griffe.Class, name: str) -> bool:
    """Whether ``name`` of ``cls`` is made when its module runs, with a docstring (the async
    service's coroutines, ``INSPECTED``): ``help()`` shows it, the site shows the method it
    runs."""
    if cls.name not in INSPECTED:
        return False
    running = getattr(importlib.import_module(cls.module.path), cls.name)
    return bool(inspect.getdoc(getattr(running, name, None)))


def undocumented() -> list[str]:
    """Every public object without a docstring: each name of the public modules' ``__all__``,
    and each public member (method, property, attrs field, enum member) of a public class."""
    package = _package()
    seen: set[str] = set()
    found: list[str] = []
    for module in PUBLIC_MODULES:
        names = importlib.import_module(module).__all__
        loaded = package if module == "reviewflow" else package[module.removeprefix("reviewflow.")]
        for name in names:
            found.extend(_undocumented(loaded[name], f"{module}.{name}", seen))
    return found


def test_every_public_class_function_field_and_member_is_documented() -> None:
    """Issue #15: every public class, function, method, property, attrs field and enum member
    has a docstring, as the site shows it."""
    assert undocumented() == []


def test_the_check_finds_an_undocumented_field(tmp_path: Path) -> None:
    """The walk above can fail: a field without a docstring after it is found, one with is not."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        '"""A package."""\n\nimport attrs\n\n__all__ = ["Thing"]\n\n\n'
        '@attrs.frozen\nclass Thing:\n    """A thing."""\n\n'
        '    name: str\n    """What it is called."""\n    size: int = 0\n',
        encoding="utf-8",
    )
    loaded = griffe.load("pkg", search_paths=[str(tmp_path)])
    assert list(_undocumented(loaded["Thing"], "pkg.Thing", set())) == ["pkg.Thing.size"]


def test_sphinx_roles_render_as_code() -> None:
    assert as_code("see :class:`~reviewflow.store.sql.SqlStore`.") == "see `SqlStore`."
    assert as_code(":meth:`Store.apply` and :func:`refs_of`") == "`Store.apply` and `refs_of`"


# -- the strict build ----------------------------------------------------------------------------


def _mkdocs(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        check=False,
        cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """``mkdocs build --strict``: no broken link, missing anchor or unresolved reference."""
    built = _mkdocs(ROOT / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    reference = (tmp_path / "site" / "reference" / "storage" / "index.html").read_text("utf-8")
    assert "Write <code>changes</code> atomically" in reference  # rendered from the docstring
    assert ":class:" not in reference


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        ("See [the storage page](storage.md).\n", "storage.md"),
        ("See [the index](index.md#no-such-heading).\n", "no-such-heading"),
        ("A page left out of the navigation.\n", "not included in the"),
    ],
)
def test_the_strict_build_fails_on_a_broken_link(tmp_path: Path, page: str, problem: str) -> None:
    """The validation settings of mkdocs.yml, on a two-page site: a link to a page that does not
    exist, an anchor that does not exist, a page left out of the navigation each fail."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n## A heading\n", encoding="utf-8")
    (tmp_path / "docs" / "other.md").write_text(f"# Other\n\n{page}", encoding="utf-8")
    nav = ["index.md"] if "navigation" in page else ["index.md", "other.md"]
    small = {
        "site_name": "check",
        "docs_dir": "docs",
        "nav": nav,
        "validation": config["validation"],
        "markdown_extensions": config["markdown_extensions"],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(small), encoding="utf-8")
    built = _mkdocs(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0
    assert problem in built.stderr


# -- no doc cites a file outside the repository -------------------------------------------------

# Named by the docs, made when the code runs (`make demo`), ignored by git.
MADE_AT_RUN_TIME = {"examples/webapp/demo.db"}
THE_HOST_S = {"alembic.ini", "env.py", "settings.py", "manage.py", "urls.py", "views.py"}
"""Files of the host's own project that the embedding pages tell the host to edit."""
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
FILE_NAME = re.compile(r"^[\w.*-]+\.(md|py|toml|ya?ml|json|csv|txt|cfg|ini|sql|sh)$")


def _doc_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _exists(cited: str, page: Path) -> bool:
    for base in (ROOT, page.parent, ROOT / "src" / "reviewflow"):
        if any(base.glob(cited.rstrip("/"))) or (base / cited).exists():
            return True
    return cited in MADE_AT_RUN_TIME or cited in THE_HOST_S


def cited_files(page: Path) -> Iterator[str]:
    """The files a page cites: its relative links, and backticked paths or file names."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if not re.match(r"^[a-z]+:|^#", target):
            yield target.split("#")[0]
    for code in CODE.findall(text):
        is_path = "/" in code and re.match(r"^[\w.][\w.*-]*(/[\w.*-]*)+$", code)
        is_module = code.startswith("reviewflow.")  # a dotted module name: reviewflow.store.sql
        if (is_path and "://" not in code) or (FILE_NAME.match(code) and not is_module):
            yield code


def test_every_doc_page_cites_only_files_of_the_repository() -> None:
    """Issue #15: the docs cited files that are not in the repository (relative links, and paths
    such as `src/...`, `tests/...`, `examples/...`)."""
    missing = [
        f"{page.relative_to(ROOT)}: {cited}"
        for page in _doc_pages()
        for cited in cited_files(page)
        if not _exists(cited, page)
    ]
    assert missing == []


def test_the_citation_check_sees_links_and_paths(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "See [rules](rules.md#r-step-1), `src/reviewflow/errors.py`, `shared/domain/RULES.md`,\n"
        "`SEED.zh.md` and [a site](https://example.org/x).\n\n```sh\n`not/a/citation.py`\n```\n",
        encoding="utf-8",
    )
    cited = list(cited_files(page))
    assert cited == ["rules.md", "src/reviewflow/errors.py", "shared/domain/RULES.md", "SEED.zh.md"]
    assert [c for c in cited if not _exists(c, DOCS / "rules.md")] == [
        "shared/domain/RULES.md",
        "SEED.zh.md",
    ]
