"""The example web app (examples/webapp): the library's scope, guards and errors, through pages.

The Flask test-client tests need no browser; the ``browser`` tests drive headless Chromium with
Playwright against the app served by a real server on a free port.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import reviewflow as rf
from reviewflow.demo import OFFICE

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from webapp.app import create_app  # noqa: E402 (examples/ is not an installed package)

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


def test_r_na_the_office_marks_a_gaps_slot_not_applicable(app: Flask) -> None:
    """R-NA: on the office page a gap not scheduled is ended as not applicable, with a reason;
    it leaves the gaps and counts as 不适用."""
    client = app.test_client()
    login(client, OFFICE)
    page = client.get("/office?period=2023-Q4").get_data(as_text=True)
    unscheduled = [
        g for g in service(app).coverage(OFFICE, "2023-Q4").gaps
        if g.reason is rf.GapReason.NOT_SCHEDULED and g.reviewer_id
    ]  # fmt: skip
    assert page.count("标记不适用") == len(unscheduled) >= 1  # a form for each
    gap = unscheduled[0]
    form = {
        "csrf_token": csrf(page.encode()), "period": "2023-Q4", "slot_period": str(gap.period),
        "kind": gap.kind.value, "subject_id": gap.subject_id, "reviewer_id": gap.reviewer_id,
    }  # fmt: skip
    refused = client.post("/office/not-applicable", data={**form, "reason": ""})
    assert refused.status_code == 400
    assert service(app).coverage(OFFICE, "2023-Q4").not_applicable == 0
    done = client.post("/office/not-applicable", data={**form, "reason": "该党员12月才转入"})
    assert done.status_code == 302
    report = service(app).coverage(OFFICE, "2023-Q4")
    assert report.not_applicable == 1
    assert gap.subject_id not in {g.subject_id for g in report.gaps if g.period == gap.period}
    after = client.get("/office?period=2023-Q4").get_data(as_text=True)
    assert after.count("标记不适用") == len(unscheduled) - 1


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh SQLite database with the demo roster and 2023-Q4 scheduled."""
    app = create_app(f"sqlite:///{tmp_path / 'webapp.db'}")
    yield app
    service(app).store.close()


def service(app: Flask) -> rf.ReviewService:
    found: rf.ReviewService = app.extensions["reviewflow"]
    return found


def find(app: Flask, reviewer: str, subject: str, period: str) -> rf.Review:
    return next(
        r
        for r in service(app).reviews(OFFICE, within=period)
        if (r.reviewer_id, r.subject_id, str(r.period)) == (reviewer, subject, period)
    )


def csrf(html: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no CSRF token"
    return found.group(1).decode()


def login(client: FlaskClient, person: str) -> None:
    token = csrf(client.get("/identity").data)
    response = client.post("/identity", data={"person": person, "csrf_token": token})
    assert response.status_code == 302


def post_step(client: FlaskClient, rid: str, trigger: str, **data: Any) -> Any:
    token = csrf(client.get("/identity").data)  # one token for the whole session
    version = service(client.application).review(OFFICE, rid).version
    form = {"csrf_token": token, "expected_version": str(version), **data}
    return client.post(f"/reviews/{rid}/{trigger}", data=form)


def in_review(app: Flask) -> str:
    """周明's December review of 吴红, taken to step 2 (实施点评) through the library."""
    svc, rid = service(app), find(app, "zhou", "wu", "2023-12").id
    svc.start("zhou", rid)
    svc.report("wu", rid, summary="本月完成门诊任务。")
    svc.conclude_fact_finding("zhou", rid)
    return rid


# -- Flask test client ------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(app: Flask) -> None:
    client = app.test_client()
    login(client, "zhou")
    rid = find(app, "zhou", "wu", "2023-12").id
    response = client.post(f"/reviews/{rid}/start", data={"expected_version": "1"})
    assert response.status_code == 400
    assert service(app).review(OFFICE, rid).state is rf.ReviewState.SCHEDULED


def test_identity_post_without_csrf_token_is_refused(app: Flask) -> None:
    response = app.test_client().post("/identity", data={"person": OFFICE})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_script_in_a_comment_shows_as_text(app: Flask) -> None:
    client, rid = app.test_client(), in_review(app)
    login(client, "zhou")
    script = "<script>alert('x')</script>"
    response = post_step(
        client, rid, "comment", aspect="mem_arduous_tasks", achievements=script, problems=script
    )
    assert response.status_code == 302
    post_step(client, rid, "add_participant", name=script, capacity="member", opinion="好")
    page = client.get(f"/reviews/{rid}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") >= 3


def test_r_scope_4_another_members_review_url_is_refused_with_403(app: Flask) -> None:
    client = app.test_client()
    login(client, "wu")
    other = find(app, "zhou", "sun", "2023-12").id
    page = client.get(f"/reviews/{other}")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "您无权查看或处理此点评" in text
    assert other in text
    assert "孙丽" not in text  # nothing of the review leaks
    token = csrf(client.get("/identity").data)
    step = client.post(
        f"/reviews/{other}/start", data={"csrf_token": token, "expected_version": "1"}
    )
    assert step.status_code == 403
    assert service(app).review(OFFICE, other).version == 1


def test_unknown_review_is_404(app: Flask) -> None:
    client = app.test_client()
    login(client, "wu")
    assert client.get("/reviews/review-nope").status_code == 404


def test_bad_date_shows_an_error_and_writes_nothing(app: Flask) -> None:
    client, rid = app.test_client(), in_review(app)
    login(client, "zhou")
    before = service(app).review(OFFICE, rid).version
    response = post_step(client, rid, "record_method", method="centralized", held_on="2023-13-45")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "日期格式不正确" in page
    assert 'value="2023-13-45"' in page  # the form keeps what was typed
    future = post_step(client, rid, "record_method", method="centralized", held_on="2024-02-01")
    assert future.status_code == 400
    assert "“点评日期”填写有误：不能晚于今天" in future.get_data(as_text=True)
    assert service(app).review(OFFICE, rid).version == before


def test_r_step_2_refused_step_names_the_guard_in_chinese(app: Flask) -> None:
    client, rid = app.test_client(), in_review(app)
    login(client, "zhou")
    before = service(app).review(OFFICE, rid).version
    response = post_step(client, rid, "conclude_review")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "这项领导点评暂不能完成点评：尚未满足“已记录点评方式和时间”" in page, page
    assert rid not in re.sub(r'(href|action)="[^"]*"', "", page)  # the id only in links
    assert service(app).review(OFFICE, rid).version == before


def test_identity_comes_from_the_session_only(app: Flask) -> None:
    client = app.test_client()
    rid = find(app, "zhou", "wu", "2023-12").id
    assert client.get("/work").location.endswith("/identity")
    assert client.get(f"/reviews/{rid}?actor=zhou").location.endswith("/identity")
    login(client, "wu")  # the subject: 'start' is the reviewer's step
    response = post_step(client, rid, "start", actor="zhou", person="zhou")
    assert response.status_code == 403
    assert service(app).review(OFFICE, rid).state is rf.ReviewState.SCHEDULED
    token = csrf(client.get("/identity").data)
    unknown = client.post("/identity", data={"person": "nobody", "csrf_token": token})
    assert unknown.status_code == 400


def test_office_page_is_refused_to_a_member(app: Flask) -> None:
    client = app.test_client()
    login(client, "wu")
    assert client.get("/office").status_code == 403


def test_r_supervise_office_issues_an_order_and_sees_it_listed(app: Flask) -> None:
    client = app.test_client()
    login(client, OFFICE)
    token = csrf(client.get("/office").data)
    order = {"csrf_token": token, "subject": "organization:cdc", "criticism": "措施不实",
             "requirement": "限期完善承诺台账"}  # fmt: skip
    bad = client.post("/office/orders", data={**order, "deadline": "下周"})
    assert bad.status_code == 400
    assert "日期格式不正确" in bad.get_data(as_text=True)
    assert service(app).orders(OFFICE) == ()
    good = client.post("/office/orders", data={**order, "deadline": "2024-01-10"})
    assert good.status_code == 302
    assert "限期完善承诺台账" in client.get("/office").get_data(as_text=True)


def test_r_roster_2_office_changes_a_secretary_on_its_page(app: Flask) -> None:
    """书记调整 from the office page: refused with a Chinese reason and nothing changed when
    the new head is not a member of the branch; done with its date otherwise, the open
    reviews from that day handed over and the result shown."""
    client = app.test_client()
    login(client, OFFICE)
    page = client.get("/office").get_data(as_text=True)
    assert "办理书记调整" in page
    assert "办理转接" in page
    token = csrf(client.get("/office").data)
    change = {"csrf_token": token, "org_id": "internal", "on": "2023-11-15", "reason": "书记调整"}
    refused = client.post("/office/roster/head", data={**change, "member_id": "qian"})
    assert refused.status_code == 400
    assert "请先办理组织关系转接" in refused.get_data(as_text=True)
    assert service(app).roster().organizations["internal"].head_id == "zhou"
    done = client.post("/office/roster/head", data={**change, "member_id": "wu"})
    assert done.status_code == 302
    shown = client.get("/office").get_data(as_text=True)
    assert "书记调整已办理：移交点评" in shown
    assert service(app).roster().organizations["internal"].head_id == "wu"
    assert find(app, "wu", "sun", "2023-12").reviewer_id == "wu"


def test_r_reopen_r_na_the_office_ends_a_review_as_not_applicable_and_reopens_another(
    app: Flask,
) -> None:
    """R-NA: the office's 不适用 step on the review page, counted on the office page; R-REOPEN:
    a cancelled review's page offers 重新点评 to the office, which leads to the new review."""
    client = app.test_client()
    login(client, OFFICE)
    ended = find(app, "zhou", "wu", "2023-12").id
    assert "不适用" in client.get(f"/reviews/{ended}").get_data(as_text=True)
    assert post_step(client, ended, "mark_not_applicable", reason="").status_code == 400
    assert post_step(client, ended, "mark_not_applicable", reason="误排").status_code == 302
    assert service(app).review(OFFICE, ended).state is rf.ReviewState.NOT_APPLICABLE
    office = client.get("/office?period=2023-12").get_data(as_text=True)
    assert "不适用 1" in office

    cancelled = find(app, "zhou", "sun", "2023-12").id
    post_step(client, cancelled, "cancel", reason="误撤销")
    page = client.get(f"/reviews/{cancelled}").get_data(as_text=True)
    assert 'id="reopen"' in page
    token = csrf(page.encode())
    empty = client.post(f"/reviews/{cancelled}/reopen", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400
    opened = client.post(
        f"/reviews/{cancelled}/reopen", data={"csrf_token": token, "reason": "重新点评"}
    )
    assert opened.status_code == 302
    new = next(r for r in service(app).reviews(OFFICE, within="2023-12") if r.reopens == cancelled)
    assert opened.headers["Location"].endswith(f"/reviews/{new.id}")
    again = client.post(
        f"/reviews/{cancelled}/reopen", data={"csrf_token": token, "reason": "再开"}
    )
    assert again.status_code == 400
    assert "该点评位置已有其他领导点评" in again.get_data(as_text=True)
    login(client, "zhou")
    assert 'id="reopen"' not in client.get(f"/reviews/{cancelled}").get_data(as_text=True)


def fake_export(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, tuple[object, ...]]]:
    """Stand in for reviewflow.export (written separately): record calls, write a file."""
    calls: list[tuple[str, str, tuple[object, ...]]] = []
    module = types.ModuleType("reviewflow.export")
    for name in ("review_form", "ledger_workbook", "coverage_workbook", "summary_workbook"):

        def write(_service: object, actor: str, *args: object, name: str = name) -> None:
            calls.append((name, actor, args[:-1]))
            Path(str(args[-1])).write_bytes(b"PK-workbook")

        setattr(module, name, write)
    monkeypatch.setitem(sys.modules, "reviewflow.export", module)
    return calls


def test_exports_call_reviewflow_export_and_send_the_file(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_export(monkeypatch)
    client = app.test_client()
    login(client, OFFICE)
    for what in ("coverage", "ledger", "summary"):
        response = client.get(f"/office/export/{what}?period=2023-Q4")
        assert response.status_code == 200
        assert response.data == b"PK-workbook"
        assert "attachment" in response.headers["Content-Disposition"]
    rid = find(app, "zhou", "wu", "2023-12").id
    assert client.get(f"/reviews/{rid}/export").data == b"PK-workbook"
    assert calls == [
        ("coverage_workbook", OFFICE, ("2023-Q4",)),
        ("ledger_workbook", OFFICE, ("2023-Q4",)),
        ("summary_workbook", OFFICE, ("bureau", 2023)),
        ("review_form", OFFICE, (rid,)),
    ]


def test_the_form_download_is_a_word_document_named_and_typed_as_one(
    app: Flask, tmp_path: Path
) -> None:
    """Issue #16: 导出点评表 sent a Word document named .xlsx with a spreadsheet type, which
    Excel refused. With the real exporter: a .docx by name and type, that python-docx opens,
    named after the review (not its id); the workbooks are .xlsx that openpyxl opens."""
    pytest.importorskip("docx")
    client = app.test_client()
    login(client, OFFICE)
    rid = find(app, "zhou", "wu", "2023-12").id
    response = client.get(f"/reviews/{rid}/export")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = response.headers["Content-Disposition"]
    assert ".docx" in disposition
    assert rid not in disposition
    assert "%E5%91%A8%E6%98%8E" in disposition  # 周明, as RFC 5987 spells it
    path = tmp_path / "form.docx"
    path.write_bytes(response.data)
    assert docx.Document(str(path)).tables  # a Word document, with the form's table
    for what in ("coverage", "ledger", "summary"):
        book = client.get(f"/office/export/{what}?period=2023年第四季度")
        assert book.status_code == 200, what
        assert book.mimetype.endswith("spreadsheetml.sheet"), what
        assert ".xlsx" in book.headers["Content-Disposition"], what
        saved = tmp_path / f"{what}.xlsx"
        saved.write_bytes(book.data)
        assert openpyxl.load_workbook(saved).worksheets, what


def test_r_scope_4_export_of_another_review_is_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_export(monkeypatch)
    client = app.test_client()
    login(client, "wu")
    other = find(app, "zhou", "sun", "2023-12").id
    assert client.get(f"/reviews/{other}/export").status_code == 403
    assert calls == []


def test_export_without_the_export_module_says_so(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "reviewflow.export", types.ModuleType("reviewflow.export"))
    client = app.test_client()
    login(client, OFFICE)
    response = client.get("/office/export/coverage?period=2023-Q4")
    assert response.status_code == 503
    assert "导出功能不可用" in response.get_data(as_text=True)


# -- headless Chromium ------------------------------------------------------------------------


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    """The app served by a real server on a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def page(base_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install Debian's chromium package"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (only for browser tests)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        phone = getattr(request, "param", None) == "phone"
        context = browser.new_context(
            base_url=base_url,
            locale="zh-CN",
            # A phone as members use it (issue #16): 390 x 844 CSS pixels, honouring the
            # page's viewport tag as a mobile browser does.
            **({"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}),
        )
        tab = context.new_page()
        tab.shots = Screenshots(request.node.name)
        yield tab
        context.close()
        browser.close()


class Screenshots:
    """Saves a screenshot of each page visited, numbered in order."""

    def __init__(self, test: str) -> None:
        self.test, self.count = test, 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, what: str) -> None:
        self.count += 1
        path = SCREENSHOTS / f"{self.test}-{self.count:02d}-{what}.png"
        page.screenshot(path=str(path), full_page=True)


def choose(page: Any, person: str) -> None:
    page.goto("/identity")
    page.shots.take(page, f"identity-{person}")
    page.click(f"button[value='{person}']")
    page.shots.take(page, f"work-{person}")


def take_step(page: Any, trigger: str, *, refused: bool = False, **fields: str) -> None:
    """Fill in and submit the step's form; it must be taken (or, with ``refused``, refused
    with a message on the page)."""
    form = page.locator(f"form#{trigger}")
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']").first
        tag = field.evaluate("e => e.tagName + ':' + e.type")
        if tag.startswith("SELECT"):
            field.select_option(value)
        elif tag.endswith("checkbox"):
            form.locator(f"[name='{name}'][value='{value}']").check()
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.shots.take(page, f"{trigger}-refused" if refused else trigger)
    errors = page.locator(".error").all_inner_texts()
    assert bool(errors) == refused, errors
    if page.viewport_size == PHONE:
        _fits_a_phone(page, refused=refused)


def _fits_a_phone(page: Any, *, refused: bool) -> None:
    """On a 390 px phone: no page wider than the screen, every button a touch target (44 px
    high at least), and after a refused step the refusal within the first screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide"
    heights = page.eval_on_selector_all(
        "button", "bs => bs.filter(b => b.offsetParent).map(b => b.getBoundingClientRect().height)"
    )
    assert heights, page.url
    assert min(heights) >= 44, heights
    if refused:
        box = page.locator("#refused").bounding_box()
        assert box is not None
        assert box["y"] >= 0, box
        assert box["y"] + box["height"] <= PHONE["height"], box


@pytest.mark.browser
@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
def test_browser_a_secretary_takes_a_member_review_to_closed(page: Any, app: Flask) -> None:
    """The whole member review through the pages, at desktop size and on a phone (390 x 844:
    see take_step for what is checked on every page there)."""
    choose(page, "zhou")
    row = page.locator("tr", has_text="2023年12月").filter(has_text="吴红")
    row.locator("a").click()
    url = page.url
    take_step(page, "start")

    choose(page, "wu")
    page.goto(url)
    take_step(
        page,
        "report",
        summary="本月完成门诊任务，参加义诊两次。",
        commitment_text="全年无投诉",
        commitment_status="in_progress",
        reported_on="2023-12-18",
    )

    choose(page, "zhou")
    page.goto(url)
    take_step(page, "conclude_fact_finding")
    # Step 2 in one submission (issue #16): method, the four aspects, direction, requirement.
    review_form = {
        "method": "centralized", "occasion": "branch_general_meeting", "held_on": "2023-12-20",
        "direction": "继续发挥先锋模范作用", "suggestions": "加强学习",
        "requirements": "每周整理一次学习笔记",
    }  # fmt: skip
    for n, aspect in enumerate(rf.Aspect.for_kind(rf.ReviewKind.MEMBER)):
        review_form[f"achievements_{aspect.value}"] = "表现良好。"
        if n == 0:
            review_form[f"problems_{aspect.value}"] = "学习笔记不够系统"
    take_step(page, "review_all", refused=True, **{**review_form, "direction": ""})
    assert "努力方向" in page.locator("#refused").inner_text()
    take_step(page, "review_all", **review_form)
    held = service(app).review("zhou", url.rsplit("/", 1)[1])
    assert held.state is rf.ReviewState.PUBLICIZING
    assert [q.problem_ids for q in held.requirements] == [held.problem_ids()]
    take_step(page, "fill_form", filled_on="2023-12-21")
    # R-STEP-3: fill, file, then publicize; too early, the page says who files it (R-LIVE).
    publicity = {"scope": "内科党支部", "medium": "meeting", "published_on": "2023-12-22"}
    take_step(page, "publicize", refused=True, **publicity)
    assert "下一步：备案（由领导小组办公室办理）" in page.locator(".error").first.inner_text()

    choose(page, OFFICE)
    page.goto(url)
    take_step(page, "file", filing_no="内科〔2023-12〕wu", filed_on="2023-12-22")

    choose(page, "zhou")
    page.goto(url)
    take_step(page, "publicize", **publicity)
    take_step(page, "begin_rectification")

    choose(page, "wu")
    page.goto(url)
    take_step(page, "plan_item", measure="建立学习笔记周清制度", owner="吴红", due="2024-01-15")
    take_step(page, "update_item", status="done", done_on="2023-12-27", note="已建立")
    take_step(page, "reply", text="整改已完成，学习笔记每周整理。", replied_on="2023-12-27")

    choose(page, "zhou")
    page.goto(url)
    take_step(page, "confirm_closeout", remark="同意销号", confirmed_on="2023-12-28")
    take_step(page, "close")
    assert page.locator(".state").inner_text() == "已销号"
    assert service(app).review(OFFICE, url.rsplit("/", 1)[1]).state is rf.ReviewState.CLOSED


@pytest.mark.browser
def test_browser_b_member_outside_scope_gets_the_refusal_page(page: Any, app: Flask) -> None:
    choose(page, "wu")
    other = find(app, "li", "hospital", "2023-Q4").id
    response = page.goto(f"/reviews/{other}")
    page.shots.take(page, "refused")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "您无权查看或处理此点评"


@pytest.mark.browser
def test_browser_c_office_schedules_and_the_coverage_gap_closes(page: Any) -> None:
    choose(page, OFFICE)
    page.goto("/office")
    page.shots.take(page, "office-gap")
    assert "林涛" in page.locator("#gaps").inner_text()
    page.click("#schedule")
    page.wait_for_load_state()
    page.shots.take(page, "office-scheduled")
    assert page.locator("#no-gaps").is_visible()


def test_r_cover_office_sees_coverage_per_organization(app: Flask) -> None:
    """R-COVER: the office page breaks coverage down by organization (with what lies below)."""
    client = app.test_client()
    login(client, OFFICE)
    page = client.get("/office").get_data(as_text=True)
    table = page.split('id="by-org"')[1].split("</table>")[0]
    for name in ("区卫生局党委", "区人民医院党总支", "外科党支部", "区疾控中心党支部"):
        assert f"<td>{name}</td>" in table
    assert "护理党小组" not in table  # a Party group is not reviewed on its own (R-SUBJ)


def test_r_deadline_a_year_without_holiday_data_is_shown_beside_the_due_date(
    tmp_path: Path,
) -> None:
    """Issue #14, seen 4: on 2026-12-05 a ledger item due in 20 working days needs 2027's
    holidays; without them the page says so beside 完成时限 (not a 500), and with the file named
    by REVIEWFLOW_CALENDAR's loader the item is planned."""
    from steps import to_rectifying  # noqa: PLC0415

    for calendar in (None, rf.HolidayCalendar.from_toml("[2027]\nholidays = ['2027-01-01']\n")):
        app = create_app(
            f"sqlite:///{tmp_path / f'{calendar is None}.db'}",
            today=date(2026, 12, 5),
            calendar=calendar,
        )
        svc = service(app)
        review = to_rectifying(svc, find(app, "zhou", "wu", "2023-12"), problem="学习不够")
        client = app.test_client()
        login(client, "wu")
        response = post_step(
            client, review.id, "plan_item", requirement_id=review.requirements[0].id,
            measure="每周学习", owner="吴红", due="20个工作日",
        )  # fmt: skip
        if calendar is None:
            assert response.status_code == 400
            page = response.data.decode()
            assert "尚无2027年的节假日安排" in page
            assert svc.review(OFFICE, review.id).ledger == ()
        else:
            assert response.status_code == 302
            assert svc.review(OFFICE, review.id).ledger[0].due == date(2027, 1, 4)
        svc.store.close()


def test_a_ledger_item_due_in_working_days_from_the_page(app: Flask) -> None:
    """R-DEADLINE: the due box takes a date or a deadline the library counts; a bad one is
    shown beside the box."""
    from steps import to_rectifying  # noqa: PLC0415

    svc = service(app)
    review = to_rectifying(svc, find(app, "zhou", "wu", "2023-12"), problem="学习不够")
    client = app.test_client()
    login(client, "wu")
    item = {"requirement_id": review.requirements[0].id, "measure": "每周学习", "owner": "吴红"}
    refused = post_step(client, review.id, "plan_item", due="下个月", **item)
    assert refused.status_code == 400
    assert "“完成时限”填写有误：期限写作日期" in refused.data.decode()
    taken = post_step(client, review.id, "plan_item", due="10个工作日", **item)
    assert taken.status_code == 302
    # From Thu 2023-12-28: 12-29 is the 1st, New Year's Day is off, 01-12 the 10th.
    assert svc.review(OFFICE, review.id).ledger[0].due == date(2024, 1, 12)


def test_every_response_carries_the_security_headers(app: Flask) -> None:
    """Issue #16: CSP without inline script or style, no framing, no sniffing, same-origin
    referrers; the session cookie is HttpOnly and SameSite=Lax."""
    client = app.test_client()
    token = csrf(client.get("/identity").data)
    chosen = client.post("/identity", data={"person": OFFICE, "csrf_token": token})
    cookie = chosen.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    for path in ("/identity", "/work", "/office", "/reviews/nope", "/static/app.css"):
        response = client.get(path)
        response.close()  # a static file is streamed from an open file
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert "script-src 'none'" in policy, path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
    page = client.get("/office").get_data(as_text=True)
    assert "<style" not in page
    assert "style=" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_a_post_over_the_size_limit_is_refused_and_writes_nothing(app: Flask) -> None:
    client = app.test_client()
    login(client, "zhou")
    rid = find(app, "zhou", "wu", "2023-12").id
    before = service(app).review(OFFICE, rid)
    huge = post_step(client, rid, "start", filler="长" * 300_000)
    assert huge.status_code == 413
    assert "提交的内容过大" in huge.get_data(as_text=True)
    assert service(app).review(OFFICE, rid) == before


def test_logout_clears_the_session(app: Flask) -> None:
    client = app.test_client()
    login(client, OFFICE)
    token = csrf(client.get("/office").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/office").headers["Location"].endswith("/identity")


def test_the_session_key_outlives_a_restart(tmp_path: Path) -> None:
    """Two app processes over one database share the kept key: a session made by one is
    good in the other (the key was random per process)."""
    url = f"sqlite:///{tmp_path / 'webapp.db'}"
    first, second = create_app(url), create_app(url)
    try:
        assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
        key_file = tmp_path / "webapp.secret_key"
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        client = first.test_client()
        login(client, OFFICE)
        other = second.test_client()
        cookie = client.get_cookie("session")
        assert cookie is not None
        other.set_cookie("session", cookie.value)
        assert other.get("/office").status_code == 200
    finally:
        service(first).store.close()
        service(second).store.close()


def test_a_period_in_other_digits_is_no_server_error(app: Flask) -> None:
    """``/office/export/summary?period=²²²²`` answered 500."""
    client = app.test_client()
    login(client, OFFICE)
    for period in ("²²²²", "２０２３", "x"):
        response = client.get(f"/office/export/summary?period={period}")
        assert response.status_code < 500, period


WORKER = """
import re, sys
sys.path.insert(0, sys.argv[2])
from webapp.app import create_app
app = create_app(sys.argv[1])
client = app.test_client()
page = client.get("/identity").data
token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
client.post("/identity", data={"person": "office-chen", "csrf_token": token})
print(client.get_cookie("session").value)
app.extensions["reviewflow"].store.close()
"""


def test_a_second_worker_process_shares_the_configured_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #16: with REVIEWFLOW_SECRET_KEY set, a session made by one worker process is good
    in another (the key was random per process), and nothing is kept beside the database."""
    monkeypatch.setenv("REVIEWFLOW_SECRET_KEY", "a-configured-secret-of-the-deployment")
    url = f"sqlite:///{tmp_path / 'webapp.db'}"
    made = subprocess.run(
        [sys.executable, "-c", WORKER, url, str(ROOT / "examples")],
        capture_output=True, text=True, check=True, env=os.environ,
    )  # fmt: skip
    cookie = made.stdout.strip()
    assert cookie
    app = create_app(url)
    try:
        client = app.test_client()
        client.set_cookie("session", cookie)
        assert client.get("/office").status_code == 200
        other = create_app(url, secret_key="another-secret")  # noqa: S106 - a test key
        stranger = other.test_client()
        stranger.set_cookie("session", cookie)
        assert stranger.get("/office").headers["Location"].endswith("/identity")
        service(other).store.close()
    finally:
        service(app).store.close()
    assert not (tmp_path / "webapp.secret_key").exists()


def test_the_office_sees_the_periods_reviews_grouped_by_organization(app: Flask) -> None:
    """Issue #16: one flat list would not serve a committee of 2,000 reviews a quarter; the
    office page groups them by organization, each group folded, with its counts."""
    client = app.test_client()
    login(client, OFFICE)
    page = client.get("/office?period=2023年第四季度").get_data(as_text=True)
    grouped = page.split('id="reviews-by-org"')[1].split("</div>\n</details>\n</div>")[0]
    summaries = re.findall(r"<summary>(.*?)（(\d+) 条", page.split('id="reviews-by-org"')[1])
    counts = {name: int(n) for name, n in summaries}
    reviews = service(app).reviews(OFFICE, within="2023-Q4")
    names = service(app).roster().organizations
    expected: dict[str, int] = {}
    for r in reviews:
        expected[names[r.org_id].name] = expected.get(names[r.org_id].name, 0) + 1
    assert counts == expected
    assert grouped.count("<details>") == len(expected)


def test_r_roster_1_office_founds_an_organization_on_its_page(app: Flask) -> None:
    """A branch founded on 20 November from the office page: no October review is scheduled
    for it (R-ROSTER-1); a founding without a date is refused and nothing is written."""
    client = app.test_client()
    login(client, OFFICE)
    token = csrf(client.get("/office").data)
    new = {"csrf_token": token, "id": "rehab", "name": "康复科党支部", "kind": "branch",
           "org_type": "医院", "parent_id": "hospital"}  # fmt: skip
    refused = client.post("/office/roster/found", data=new)
    assert refused.status_code == 400
    assert "rehab" not in service(app).roster().organizations
    done = client.post("/office/roster/found", data={**new, "founded_on": "2023-11-20"})
    assert done.status_code == 302
    assert "已新建党组织：康复科党支部" in client.get("/office").get_data(as_text=True)
    assert service(app).roster().organizations["rehab"].founded_on == date(2023, 11, 20)
    created = service(app).schedule(OFFICE, "2023-Q4").created
    assert sorted(str(r.period) for r in created if r.org_id == "rehab") == ["2023-Q4"]


def test_the_database_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "configured.db"
    monkeypatch.setenv("REVIEWFLOW_DATABASE_URL", f"sqlite:///{target}")
    app = create_app()
    try:
        assert service(app).store.url == f"sqlite:///{target}"
        assert target.exists()
    finally:
        service(app).store.close()
