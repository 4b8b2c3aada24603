"""The public API is exactly what docs/api.md lists (STYLE: one public face)."""

from __future__ import annotations

import inspect
import json
import os
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


def signature_text(method: object) -> str:
    """A method's signature as docs/api.md writes it: no ``self``, annotations as written,
    defaults as Python would read them back (a text quoted: ``reason: str = ""``)."""
    signature = inspect.signature(method)  # type: ignore[arg-type]
    parts: list[str] = []
    starred = False
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind is parameter.KEYWORD_ONLY and not starred:
            parts.append("*")
            starred = True
        if parameter.kind is parameter.VAR_POSITIONAL:
            starred = True
        prefix = {parameter.VAR_POSITIONAL: "*", parameter.VAR_KEYWORD: "**"}.get(
            parameter.kind, ""
        )
        text = prefix + parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {parameter.annotation}"
        if parameter.default is not parameter.empty:
            default = parameter.default
            shown = (
                json.dumps(default, ensure_ascii=False)
                if isinstance(default, str)
                else repr(default)
            )
            text += f" = {shown}"
        parts.append(text)
    returns = signature.return_annotation
    tail = "" if returns is signature.empty else f" -> {returns}"
    return f"({', '.join(parts)}){tail}"


def test_the_documented_signatures_are_the_code_s() -> None:
    """Issue #15: api.md showed ``reason: str = )`` and an unquoted ``= 联系点调整``; every
    ReviewService method's line now carries the signature the code has."""
    text = API_DOC.read_text(encoding="utf-8")
    documented = dict(re.findall(r"^- `ReviewService\.(\w+)(\(.*?\)(?: -> [^`]+)?)`", text, re.M))
    methods = [
        n for n in dir(rf.ReviewService)
        if not n.startswith("_") and not isinstance(getattr(rf.ReviewService, n), property)
    ]  # fmt: skip
    wrong = {
        n: (documented.get(n), signature_text(getattr(rf.ReviewService, n)))
        for n in methods
        if documented.get(n) != signature_text(getattr(rf.ReviewService, n))
    }
    assert wrong == {}
    assert "\n```python\nimport reviewflow as rf\n```" in text


def test_the_suite_tests_the_package_it_means_to() -> None:
    """Issue #15: CI runs the suite twice, on the source tree (``make test``) and once more
    against the wheel it built (``REVIEWFLOW_TEST_INSTALLED=1``): there reviewflow, with its
    typing marker, must come from site-packages, not from src/."""
    package = Path(rf.__file__).parent
    assert (package / "py.typed").exists()
    if os.environ.get("REVIEWFLOW_TEST_INSTALLED") == "1":
        assert "site-packages" in package.parts, package
    else:
        assert package == Path(__file__).parent.parent / "src" / "reviewflow", package


def test_every_error_has_a_code_of_its_own_and_the_errors_page_lists_it() -> None:
    """Issue #15: a stable code per kind of refusal, its data as params, listed in
    docs/errors.md (held to the code here)."""
    errors = [
        getattr(rf, n)
        for n in rf.__all__
        if inspect.isclass(getattr(rf, n)) and issubclass(getattr(rf, n), rf.ReviewflowError)
    ]
    codes = [e.code for e in errors]
    assert len(codes) == len(set(codes)), codes
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", c) for c in codes), codes
    page = (API_DOC.parent / "errors.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `(\w+)` \| `(\w+)` \|$", page, re.M))
    assert listed == {e.__name__: e.code for e in errors}
    refusal = rf.OutOfScope("wu", "review-1", "start")
    assert (refusal.code, refusal.params, refusal.message_en) == (
        "out_of_scope", refusal.details(), str(refusal),
    )  # fmt: skip
