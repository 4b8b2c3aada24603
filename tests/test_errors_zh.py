"""Issue #15, item 3: errors that speak Chinese.

Every error class and every reason of the catalogue (``reviewflow.reasons``) has a code (or key)
and both messages, the Chinese one whole Chinese; docs/errors.md lists them as the code makes
them; and the example app and the command line show no English reason to a Chinese user.
"""

from __future__ import annotations

import ast
import html
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

import reviewflow as rf
import reviewflow.reasons
from errors_page import (
    ERROR_SAMPLES,
    PLACEHOLDERS,
    error_classes,
    generated,
    on_page,
    placeholders,
    reason_sample,
)
from reviewflow.cli import main
from reviewflow.demo import OFFICE
from reviewflow.reasons import PHRASES_ZH, REASONS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from webapp.app import create_app  # noqa: E402 (examples/ is not an installed package)

ENGLISH = re.compile(r"[A-Za-z]{3,}")
"""A run of Latin letters: an English word (ids and data are removed first)."""

KEPT = (
    "reviewflow db upgrade",  # the command the user runs
    "--effective", "--import-good",  # the command line's options, as the user types them
    "Asia/Shanghai",  # a time zone name, as the file spells it
    "org_types",  # a section of the policy file, as the file spells it
    "holidays", "workdays",  # the holiday file's keys, as the file spells them
    "true", "false",  # TOML's words
    "TOML", "UTF-8", "Word",  # names of formats and programs
    "https://", "http://", "OutboxStore",  # what an address starts with; a protocol's name
    "AUTOCOMMIT",  # the isolation level, as SQLAlchemy spells it
)  # fmt: skip
"""What a Chinese sentence keeps in Latin letters on purpose: what the user types or a name."""

CJK = re.compile(r"[\u4e00-\u9fff]")


def english_runs(text: str, data: Iterable[str] = ()) -> list[str]:
    """The English words of ``text`` once the ids and data (``data``, the review ids) and what
    a sentence keeps on purpose (``KEPT``) are taken out."""
    for item in sorted({str(d) for d in data if str(d)}, key=len, reverse=True):
        text = text.replace(item, " ")
    text = re.sub(r"review-[0-9a-f]+", " ", text)
    for token in KEPT:
        text = text.replace(token, " ")
    return ENGLISH.findall(text)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value).strip("'")


def _data_of(error: rf.ReviewflowError) -> list[str]:
    """The error's data, as a message may quote it: its params but its sentences."""
    params = {k: v for k, v in error.params.items() if k not in {"reason", "problem"}}
    return list(_strings(params))


def _placeholder_data(key: str) -> list[str]:
    return [
        s
        for name in placeholders(key)
        if not isinstance(PLACEHOLDERS[name], rf.Labelled | reviewflow.reasons.Reason)
        for s in _strings(PLACEHOLDERS[name])
    ]


# -- (a) every error, every reason ------------------------------------------------------------


def test_the_detector_finds_an_english_word_and_lets_ids_and_data_pass() -> None:
    assert english_runs("“周期”填写有误：must be a text") == ["must", "text"]
    assert english_runs("领导点评 review-1a2b 不能完成点评（wu）", ["wu"]) == []


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.__name__)
def test_every_error_has_a_code_and_both_messages_the_chinese_one_whole_chinese(
    cls: type[rf.ReviewflowError],
) -> None:
    assert cls in ERROR_SAMPLES, f"tests/errors_page.py has no sample of {cls.__name__}"
    error = ERROR_SAMPLES[cls]()
    assert type(error) is cls
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error.code)
    assert error.message_en
    assert error.message_en == str(error)
    assert CJK.search(error.message_zh), error.message_zh
    assert english_runs(error.message_zh, _data_of(error)) == [], error.message_zh
    assert error.params == error.details()


def test_every_error_class_has_a_code_of_its_own() -> None:
    codes = [cls.code for cls in error_classes()]
    assert len(codes) == len(set(codes)), codes


@pytest.mark.parametrize("key", list(REASONS))
def test_every_reason_has_a_key_and_both_sentences_the_chinese_one_whole_chinese(
    key: str,
) -> None:
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", key)
    sample = reason_sample(key)
    assert sample.en
    assert str(sample) == sample.en
    assert CJK.search(sample.zh), sample.zh
    assert english_runs(sample.zh, _placeholder_data(key)) == [], sample.zh


def test_a_keyed_reason_is_in_the_params_of_its_error() -> None:
    error = rf.InvalidInput("direction", "", reviewflow.reasons.because("state_direction"))
    assert error.reason == "state the direction of effort"
    assert error.reason_zh == "请填写努力方向"
    assert (error.params["reason_key"], error.params["reason_params"]) == ("state_direction", {})


def test_an_unknown_reason_key_is_refused_where_it_is_made() -> None:
    with pytest.raises(KeyError, match="no_such_reason"):
        reviewflow.reasons.because("no_such_reason")


def test_a_hosts_plain_reason_keeps_its_words_in_english_and_says_it_generally_in_chinese() -> None:
    error = rf.RosterConflict("the HR system says no", ["wu"])
    assert error.reason_key is None
    assert str(error) == "the HR system says no (wu)"
    assert english_runs(error.message_zh, ["wu"]) == []


def test_every_action_a_scope_refusal_names_has_its_chinese_words() -> None:
    """The actions passed to the scope checks (``require_office(..., "move a member")``)."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    calls = re.findall(
        r'require_(?:office|known|office_or_head)\((?:[^()]|\([^()]*\))*?"([^"]+)"\)', sources
    )
    assert len(calls) >= 20
    actions = {a for a in calls if " (" not in a}
    assert actions - set(PHRASES_ZH) == set()


def test_the_errors_page_lists_every_code_and_reason_as_the_code_makes_them() -> None:
    """docs/errors.md's generated part is what tests/errors_page.py makes now (regenerate with
    ``python tests/errors_page.py``)."""
    assert on_page() == generated()
    for key in REASONS:
        assert f"| `{key}` |" in on_page()


# -- (b) the app and the command line ---------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The example app on a fresh SQLite database: the demo roster, 2023-Q4 scheduled."""
    app = create_app(f"sqlite:///{tmp_path / 'app.db'}")
    yield app
    app.extensions["reviewflow"].store.close()


def _service(app: Flask) -> rf.ReviewService:
    found: rf.ReviewService = app.extensions["reviewflow"]
    return found


def _review(app: Flask, reviewer: str, subject: str) -> str:
    return next(
        r.id
        for r in _service(app).reviews(OFFICE, within="2023-12")
        if (r.reviewer_id, r.subject_id) == (reviewer, subject)
    )


def _csrf(client: Any, path: str = "/identity") -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', client.get(path).data)
    assert found is not None
    return found.group(1).decode()


def _as(app: Flask, person: str) -> Any:
    client = app.test_client()
    client.post("/identity", data={"person": person, "csrf_token": _csrf(client)})
    return client


def _shown(response: Any) -> list[str]:
    """The error texts a page shows (the banner and the messages beside the fields)."""
    page = response.get_data(as_text=True)
    found = re.findall(r'<(span|p) class="error[^"]*"[^>]*>(.*?)</\1>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)) for _, text in found]


def _step(client: Any, app: Flask, rid: str, trigger: str, **data: str) -> Any:
    version = _service(app).review(OFFICE, rid).version
    form = {"csrf_token": _csrf(client), "expected_version": str(version), **data}
    return client.post(f"/reviews/{rid}/{trigger}", data=form)


def _app_refusals(app: Flask) -> dict[str, list[str]]:
    """A representative set of refusals, driven through the app's pages: what each shows."""
    service = _service(app)
    zhou, office = _as(app, "zhou"), _as(app, OFFICE)
    scheduled = _review(app, "zhou", "sun")
    started = _review(app, "zhou", "wu")
    service.start("zhou", started)
    shown = {
        "out of order": _shown(_step(zhou, app, scheduled, "conclude_review")),
        "guard": _shown(_step(zhou, app, started, "conclude_fact_finding")),
    }
    service.report("wu", started, summary="本月完成门诊任务。")
    service.conclude_fact_finding("zhou", started)
    shown["invalid input"] = _shown(
        _step(zhou, app, started, "record_method", method="centralized", held_on="2024-02-01")
    )
    token = _csrf(office, "/office")
    change = {"csrf_token": token, "org_id": "internal", "on": "2023-11-15", "reason": "书记调整"}
    shown["roster conflict"] = _shown(
        office.post("/office/roster/head", data={**change, "member_id": "qian"})
    )
    not_applicable = {
        "csrf_token": token, "period": "2023-Q4", "slot_period": "2023-12", "kind": "member",
        "subject_id": "nobody", "reviewer_id": "zhou", "reason": "调入前",
    }  # fmt: skip
    shown["not found"] = _shown(office.post("/office/not-applicable", data=not_applicable))
    shown["bad period"] = _shown(
        office.post("/office/schedule", data={"csrf_token": token, "period": "2024-13"})
    )
    wu = _as(app, "wu")
    refused = wu.get(f"/reviews/{scheduled}")
    assert refused.status_code == 403
    main = re.search(r"<main[^>]*>(.*?)</main>", refused.get_data(as_text=True), re.S)
    assert main is not None
    shown["out of scope"] = [html.unescape(re.sub(r"<[^>]+>", " ", main.group(1)))]
    return shown


_APP_DATA = ("zhou", "qian", "internal", "surgery", "nobody", "2024-13", "2024-02-01", "2023-12-28")


def test_the_app_shows_no_english_reason_to_a_chinese_user(app: Flask) -> None:
    shown = _app_refusals(app)
    for case, texts in shown.items():
        assert texts, f"{case}: the page shows no error"
        assert all(CJK.search(t) for t in texts), (case, texts)
        assert [english_runs(t, _APP_DATA) for t in texts] == [[]] * len(texts), (case, texts)


def test_the_app_check_fails_when_an_english_reason_is_put_back(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: with the guard's reason and the period's forms in English
    again, the app shows English and the detector finds it."""
    for key in ("no_situation_report", "period_forms", "head_elsewhere"):
        monkeypatch.setitem(REASONS, key, (REASONS[key][0], REASONS[key][0]))  # type: ignore[index]
    shown = _app_refusals(app)
    for case in ("guard", "bad period", "roster conflict"):
        assert any(english_runs(t, _APP_DATA) for t in shown[case]), (case, shown[case])


def _cli(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--store", url, *args], catch_exceptions=False)


def _cli_refusals(tmp_path: Path) -> dict[str, Result]:
    """The same kinds of refusal on the command line, on the demo's database."""
    app = create_app(f"sqlite:///{tmp_path / 'cli.db'}")
    service = _service(app)
    scheduled, started = _review(app, "zhou", "sun"), _review(app, "zhou", "wu")
    service.start("zhou", started)
    service.store.close()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    csv = tmp_path / "org.csv"
    csv.write_text(
        "编号,名称,层级,上级编号,书记编号\ninternal,内科党支部,branch,hospital,wu\n",
        encoding="utf-8",
    )
    return {
        "out of order": _cli(url, "step", scheduled, "conclude_review", "--as", "zhou"),
        "guard": _cli(url, "step", started, "conclude_fact_finding", "--as", "zhou"),
        "out of scope": _cli(url, "coverage", "2023-Q4", "--as", "wu"),
        "invalid input": _cli(url, "step", started, "report", "summary= ", "--as", "wu"),
        "not found": _cli(url, "show", "review-404", "--as", "zhou"),
        "bad period": _cli(url, "schedule", "2024-13", "--as", OFFICE),
        "roster conflict": _cli(url, "roster", "import", str(csv), "--as", OFFICE),
    }


_CLI_DATA = (
    "zhou", "wu", "qian", "internal", "surgery", "hospital", "org.csv", "2024-13", "review-404",
)  # fmt: skip


def test_the_command_line_shows_no_english_reason_to_a_chinese_user(tmp_path: Path) -> None:
    for case, result in _cli_refusals(tmp_path).items():
        assert result.exit_code in {1, 3}, (case, result.output)
        text = re.sub(r"[─-╿]", " ", result.stderr)  # a table's lines
        assert CJK.search(text), (case, text)
        assert english_runs(text, _CLI_DATA) == [], (case, text)


def test_the_command_line_speaks_english_when_asked() -> None:
    result = CliRunner().invoke(
        main, ["--store", "memory://", "schedule", "2024-13", "--lang", "en", "--as", OFFICE]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error (invalid_period): period: the month of a period")


_REASON_ARGUMENT = {
    "InvalidInput": 2, "RosterConflict": 0, "OutOfScope": 3, "GuardFailed": 3,
    "InvalidPolicy": 1, "InvalidCalendar": 1, "InvalidPeriod": 1, "InvalidDeadline": 1,
}  # fmt: skip
"""Where each error with a reason takes it."""


def test_no_raise_site_in_the_library_gives_a_reason_in_plain_english() -> None:
    """Every reason the library gives is keyed (``because(...)``), never a text of its own."""
    plain = []
    for path in (ROOT / "src" / "reviewflow").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            index = _REASON_ARGUMENT.get(name)
            if index is None or len(node.args) <= index:
                continue
            reason = node.args[index]
            if isinstance(reason, ast.Constant | ast.JoinedStr | ast.BinOp):
                plain.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert plain == []
