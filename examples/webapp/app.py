"""A thin web app that embeds reviewflow the way a unit would: SQLite, Chinese pages, no rules.

Every page calls a typed :class:`reviewflow.ReviewService` method with the person chosen on the
identity page (kept in the session, never taken from a form or URL); the library checks scope
(R-SCOPE-4) and guards (R-STEP-1..4), and this app only turns its errors into plain Chinese
next to the field concerned. Run it with ``python examples/webapp/app.py`` (``--db``, ``--host``,
``--port``); the first run creates the database with the demo roster and its quarter.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import secrets
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect  # type: ignore[import-untyped]

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_roster

HERE = Path(__file__).resolve().parent
DEMO_DAY = date(2023, 12, 28)  # the demo's fixed clock: the last days of 2023-Q4
DEMO_PERIOD = "2023-Q4"
MAX_REQUEST_BYTES = 256 * 1024  # a step's form is a few kB; R-INPUT's longest text is 20,000
CONTENT_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# Where the library's field name is not the form field's (a vocabulary names its class).
FORM_FIELD = {
    "Method": "method", "Occasion": "occasion", "Aspect": "aspect", "Medium": "medium",
    "ParticipantCapacity": "capacity", "FulfilmentStatus": "status", "ItemStatus": "status",
    "evidence": "commitments", "ledger": "text", "closeout": "remark", "kind": "subject_id",
}  # fmt: skip


class FormError(Exception):
    """Form data this app cannot even hand to the library (a non-date, a missing field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# -- reading the form -------------------------------------------------------------------------


def _text(form: Mapping[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _date(form: Mapping[str, str], name: str) -> date | None:
    raw = _text(form, name)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise FormError(name, "日期格式不正确，请按“年-月-日”填写，如 2023-12-20") from None


def _required_date(form: Mapping[str, str], name: str) -> date:
    day = _date(form, name)
    if day is None:
        raise FormError(name, "请填写日期")
    return day


def _due(form: Mapping[str, str], name: str) -> date | str:
    """A due date, or a deadline the library counts (``20个工作日``, ``15天``: R-DEADLINE)."""
    raw = _text(form, name)
    if not raw:
        raise FormError(name, "请填写完成时限")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return raw  # the library parses it, or refuses it naming the forms it takes


def _optional(form: Mapping[str, str], name: str) -> str | None:
    return _text(form, name) or None


def _lines(form: Mapping[str, str], name: str) -> list[str]:
    return [line.strip() for line in _text(form, name).splitlines() if line.strip()]


def _list(form: Any, name: str) -> list[str]:
    return list(form.getlist(name))


def _commitments(form: Any, _name: str) -> list[rf.Commitment]:
    rows = zip(
        *(form.getlist(f"commitment_{part}") for part in ("text", "status", "evidence")),
        strict=False,
    )
    return [
        rf.Commitment(uuid.uuid4().hex[:8], text.strip(), status, evidence.strip())
        for text, status, evidence in rows
        if text.strip()
    ]


T, D, RD = _text, _date, _required_date  # a text, an optional date, a required date
# Each step's form: the keyword arguments of its typed service method and how each is read.
STEP_FORMS: dict[str, dict[str, Callable[[Any, str], Any]]] = {
    "start": {}, "conclude_fact_finding": {}, "declare_no_rectification": {},
    "conclude_review": {}, "begin_rectification": {}, "close": {},
    "report": {
        "summary": T, "ideas_and_measures": T, "commitments": _commitments, "reported_on": D,
    },
    "record_method": {"method": T, "occasion": _optional, "held_on": RD},
    "comment": {"aspect": T, "achievements": T, "problems": _lines},
    "set_direction": {"direction": T, "suggestions": T},
    "judge_commitment": {"commitment_id": T, "status": T, "remark": T},
    "add_participant": {"name": T, "capacity": T, "opinion": T},
    "require": {"text": T, "problem_ids": _list, "participant_id": _optional},
    "fill_form": {"filled_on": D},
    "file": {"filing_no": T, "filed_on": D},
    "publicize": {"scope": T, "medium": T, "published_on": D},
    "plan_item": {"requirement_id": T, "measure": T, "owner": T, "due": _due},
    "update_item": {"item_id": T, "status": T, "done_on": D, "note": T},
    "reply": {"text": T, "replied_on": D},
    "confirm_closeout": {"remark": T, "confirmed_on": D},
    "waive": {"reason": T}, "cancel": {"reason": T}, "mark_not_applicable": {"reason": T},
}  # fmt: skip


# -- the library's errors in plain Chinese ----------------------------------------------------


def explain(error: Exception) -> tuple[str, str]:
    """The form field an error belongs to, and what to tell the user: the library's own Chinese
    sentence (``message_zh``), which names the object and what to do."""
    if isinstance(error, FormError):
        return error.field, error.message
    if isinstance(error, rf.InvalidInput):
        return FORM_FIELD.get(error.field, error.field), error.message_zh
    if isinstance(error, rf.CalendarDataMissing):  # R-DEADLINE: a year past the holiday data
        return "due", error.message_zh
    if isinstance(error, rf.StepRefused | rf.ConcurrencyConflict):
        return "_step", _on_this_page(error.message_zh, error.review_id)
    if isinstance(error, rf.ReviewflowError):
        return "_step", error.message_zh
    return "_step", "操作未能完成，请稍后重试"


def _on_this_page(message: str, review_id: str) -> str:
    """``message`` about the review on the page, which it names by id: "this review" reads
    better to the person looking at it than the id, which the pages never show."""
    named = message.replace(f"领导点评 {review_id} ", "这项领导点评")
    return named.replace(f"领导点评 {review_id}", "这项领导点评").replace(review_id, "本项")


_OVERRIDES = frozenset({"waive", "cancel", "mark_not_applicable"})
"""The office's steps that end a review early: open almost always, never "what comes next"."""


def _who_acts_next(review: rf.Review) -> list[tuple[str, str]]:
    """The steps open on ``review`` on the way to its end, and who takes each (下一步)."""
    return [
        (step.label_zh, "或".join(rf.Party(p).label_zh for p in sorted(step.by)))
        for trigger in rf.WORKFLOW.open(review)
        if trigger not in _OVERRIDES and (step := rf.WORKFLOW.steps[trigger])
    ]


# -- the app ----------------------------------------------------------------------------------


def _kept_key(store_url: str) -> str:
    """The session key, kept in a file beside a SQLite database (``.secret_key``, readable by
    its owner only) so that sessions outlive a restart and are shared by the workers of one
    deployment; random per process for any other database (set REVIEWFLOW_SECRET_KEY there)."""
    prefix = "sqlite:///"
    if not store_url.startswith(prefix) or store_url == "sqlite://":
        return secrets.token_hex(32)
    path = Path(store_url[len(prefix) :]).with_suffix(".secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key)
    return key


def open_service(
    store_url: str, today: date, calendar: rf.WorkCalendar | None = None
) -> rf.ReviewService:
    """The service over ``store_url``; an empty store gets the demo roster and quarter."""
    zone = rf.Policy.default().zone
    service = rf.ReviewService(
        rf.open_store(store_url),
        clock=lambda: datetime.combine(today, datetime.now(zone).time(), zone),
        calendar=calendar,
    )
    if not service.roster().office_staff:
        service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
        service.schedule(OFFICE, DEMO_PERIOD)
        # 林涛 joined surgery after the quarter was scheduled: the office sees a coverage gap.
        member = rf.Member("lin", "林涛", "surgery", "护理", joined_on=date(2023, 12, 1))
        service.import_roster(OFFICE, members=[member])
    return service


def create_app(  # noqa: PLR0915 (an app factory: a few statements per route)
    store_url: str | None = None,
    *,
    secret_key: str | None = None,
    today: date | None = None,
    calendar: rf.WorkCalendar | None = None,
) -> Flask:
    """The web app over ``store_url`` (default: the environment's ``REVIEWFLOW_DATABASE_URL``,
    else the demo's SQLite file); its clock stands on ``today`` (default the demo day).
    ``calendar`` counts working days: by default the packaged data, under the holiday file
    the environment's ``REVIEWFLOW_CALENDAR`` names (R-DEADLINE)."""
    store_url = (
        store_url or os.environ.get("REVIEWFLOW_DATABASE_URL") or f"sqlite:///{HERE / 'demo.db'}"
    )
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or os.environ.get("REVIEWFLOW_SECRET_KEY") or _kept_key(store_url),
        MAX_CONTENT_LENGTH=int(os.environ.get("REVIEWFLOW_MAX_REQUEST_BYTES", MAX_REQUEST_BYTES)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("REVIEWFLOW_HTTPS") == "1",
    )
    CSRFProtect(app)
    if calendar is None and os.environ.get("REVIEWFLOW_CALENDAR"):
        calendar = rf.HolidayCalendar.load(os.environ["REVIEWFLOW_CALENDAR"])
    service = open_service(store_url, today or DEMO_DAY, calendar)
    app.extensions["reviewflow"] = service

    def actor() -> str | None:
        person = session.get("actor")
        return person if isinstance(person, str) else None

    @app.context_processor
    def globals_() -> dict[str, Any]:
        roster = service.roster()
        me = actor()
        return {
            "rf": rf,
            "roster": roster,
            "me": me,
            "my_name": roster.person_name(me) if me else "",
            "is_office": bool(me) and roster.is_office(me or ""),
            "today": service.today(),
        }

    @app.errorhandler(rf.OutOfScope)
    def out_of_scope(_error: rf.OutOfScope) -> ResponseReturnValue:
        rid = request.view_args.get("rid") if request.view_args else None
        return render_template("refused.html", review_id=rid), 403

    @app.after_request
    def security_headers(response: Response) -> Response:
        """What a host's deployment would send with every page (issue #16)."""
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(413)
    def too_large(_error: Exception) -> ResponseReturnValue:
        limit = app.config["MAX_CONTENT_LENGTH"] // 1024
        return render_template("too_large.html", limit_kb=limit), 413

    @app.errorhandler(CSRFError)
    def csrf_refused(_error: CSRFError) -> ResponseReturnValue:
        return render_template("expired.html"), 400

    @app.errorhandler(rf.NotFound)
    def not_found(_error: rf.NotFound) -> ResponseReturnValue:
        return render_template("not_found.html"), 404

    @app.before_request
    def require_identity() -> ResponseReturnValue | None:
        if request.endpoint not in {"identity", "static"} and actor() is None:
            return redirect(url_for("identity"))
        return None

    @app.get("/")
    def index() -> ResponseReturnValue:
        return redirect(url_for("work"))

    @app.route("/identity", methods=["GET", "POST"])
    def identity() -> ResponseReturnValue:
        roster = service.roster()
        if request.method == "POST":
            chosen = request.form.get("person", "")
            if roster.person(chosen) is None and not roster.is_office(chosen):
                return render_template("identity.html", error="请选择名单中的人员"), 400
            session["actor"] = chosen
            return redirect(url_for("work"))
        return render_template("identity.html", error=None)

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        session.clear()
        return redirect(url_for("identity"))

    @app.get("/work")
    def work() -> ResponseReturnValue:
        return render_template("work.html", items=service.work_list(actor() or ""))

    def review_page(rid: str, errors: dict[str, str] | None = None, failed: str = "") -> str:
        me = actor() or ""
        review = service.review(me, rid)  # the library's scope check (R-SCOPE-4)
        parties = service.parties(service.roster(), me, review)
        steps = [t for t in rf.WORKFLOW.open(review) if rf.WORKFLOW.steps[t].by & parties]
        return render_template(
            "review.html",
            review=review,
            next_steps=_who_acts_next(review),
            history=service.history(me, rid),
            steps=steps,
            errors=errors or {},
            failed=failed,
            values=request.form if failed else {},
        )

    @app.get("/reviews/<rid>")
    def review(rid: str) -> ResponseReturnValue:
        return review_page(rid)

    @app.post("/reviews/<rid>/<trigger>")
    def step(rid: str, trigger: str) -> ResponseReturnValue:
        fields = STEP_FORMS.get(trigger)
        if fields is None:
            return render_template("not_found.html"), 404
        try:
            version = int(request.form.get("expected_version", ""))
        except ValueError:
            return review_page(rid, {"_step": "页面已过期，请刷新后重试"}, trigger), 400
        try:
            data = {name: read(request.form, name) for name, read in fields.items()}
            getattr(service, trigger)(actor(), rid, expected_version=version, **data)
        except (
            FormError, rf.InvalidInput, rf.WorkflowError, rf.ConcurrencyConflict,
            rf.CalendarDataMissing,
        ) as error:  # fmt: skip
            field, message = explain(error)
            return review_page(rid, {field: message}, trigger), 400
        return redirect(url_for("review", rid=rid) + f"#{trigger}")

    @app.post("/reviews/<rid>/review_all")
    def review_all(rid: str) -> ResponseReturnValue:
        """Step 2 (实施点评) in one submission: the method, each aspect's achievements and
        problems, the direction, the requirements (each answering the problems found), and the
        conclusion, taken as the library's steps one after the other. What is taken before a
        refusal stays taken, as each step is its own; the page says what is missing."""
        me = actor() or ""
        form = request.form
        try:
            version = int(form.get("expected_version", ""))
        except ValueError:
            return review_page(rid, {"_step": "页面已过期，请刷新后重试"}, "review_all"), 400
        try:
            done = service.record_method(
                me, rid, method=_text(form, "method"), occasion=_optional(form, "occasion"),
                held_on=_required_date(form, "held_on"), expected_version=version,
            )  # fmt: skip
            for aspect in done.aspects:
                achievements = _text(form, f"achievements_{aspect.value}")
                problems = _lines(form, f"problems_{aspect.value}")
                if achievements or problems:
                    done = service.comment(
                        me, rid, aspect=aspect, achievements=achievements, problems=problems,
                        expected_version=done.version,
                    )  # fmt: skip
            done = service.set_direction(
                me, rid, direction=_text(form, "direction"),
                suggestions=_text(form, "suggestions"), expected_version=done.version,
            )  # fmt: skip
            requirements = _lines(form, "requirements")
            for text in requirements:
                done = service.require(
                    me, rid, text=text, problem_ids=done.problem_ids(),
                    expected_version=done.version,
                )  # fmt: skip
            if not requirements and not done.problem_ids():
                done = service.declare_no_rectification(me, rid, expected_version=done.version)
            service.conclude_review(me, rid, expected_version=done.version)
        except (
            FormError, rf.InvalidInput, rf.WorkflowError, rf.ConcurrencyConflict,
        ) as error:  # fmt: skip
            field, message = explain(error)
            return review_page(rid, {field: message, "_step": message}, "review_all"), 400
        return redirect(url_for("review", rid=rid) + "#next")

    # -- the office ---------------------------------------------------------------------------

    def office_page(errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
        me = actor() or ""
        period = request.values.get("period", DEMO_PERIOD)
        try:
            report = service.coverage(me, period)
        except rf.InvalidPeriod as error:
            errors = {**(errors or {}), "period": explain(error)[1]}
            period, report = DEMO_PERIOD, service.coverage(me, DEMO_PERIOD)
        page = render_template(
            "office.html",
            period=period,
            report=report,
            by_org=[
                (org, service.coverage(me, period, root_id=org.id))
                for org in service.roster().organizations.values()
                if org.active and org.kind is not rf.OrgKind.GROUP
            ],
            orders=service.orders(me),
            overdue={o.id for o in service.orders(me, overdue_on=service.today())},
            exemplars=service.exemplars(me),
            reviews=service.reviews(me, within=period),
            errors=errors or {},
        )
        return page, status

    @app.get("/office")
    def office() -> ResponseReturnValue:
        return office_page()

    @app.post("/reviews/<rid>/reopen")
    def reopen(rid: str) -> ResponseReturnValue:
        """The office opens a cancelled review's slot again (R-REOPEN): the new review."""
        try:
            new = service.reopen(actor(), rid, reason=request.form.get("reason", ""))
        except (rf.InvalidInput, rf.WorkflowError) as error:
            field, message = explain(error)
            return review_page(rid, {field: message}, "reopen"), 400
        return redirect(url_for("review", rid=new.id))

    @app.post("/office/not-applicable")
    def mark_slot_not_applicable() -> ResponseReturnValue:
        """The office ends a gap's slot as not applicable (R-NA): it leaves the gaps."""
        form = request.form
        try:
            service.mark_slot_not_applicable(
                actor() or "",
                _text(form, "slot_period"),
                kind=_text(form, "kind"),
                subject_id=_text(form, "subject_id"),
                reviewer_id=_text(form, "reviewer_id"),
                reason=_text(form, "reason"),
            )
        except (rf.InvalidInput, rf.NotFound, rf.WorkflowError) as error:
            return office_page({"not_applicable": explain(error)[1]}, 400)
        return redirect(url_for("office", period=form.get("period")) + "#gaps")

    @app.post("/office/schedule")
    def schedule() -> ResponseReturnValue:
        try:
            service.schedule(actor() or "", request.form.get("period", ""))
        except rf.InvalidInput as error:
            return office_page({"period": explain(error)[1]}, 400)
        return redirect(url_for("office", period=request.form.get("period")))

    @app.post("/office/orders")
    def issue_order() -> ResponseReturnValue:
        form = request.form
        kind, _, subject_id = _text(form, "subject").partition(":")
        try:
            service.issue_order(
                actor() or "",
                kind=kind,
                subject_id=subject_id,
                criticism=_text(form, "criticism"),
                requirement=_text(form, "requirement"),
                deadline=_required_date(form, "deadline"),
            )
        except rf.NotFound:
            return office_page({"subject_id": "对象：请选择名单中的组织或党员"}, 400)
        except (FormError, rf.InvalidInput) as error:
            return office_page(dict([explain(error)]), 400)
        return redirect(url_for("office", period=form.get("period")) + "#orders")

    # -- roster changes (R-ROSTER-2): the office's operations, each with its date ------------

    @app.post("/office/roster/head")
    def change_head() -> ResponseReturnValue:
        form = request.form
        try:
            done = service.change_head(
                actor() or "",
                _text(form, "org_id"),
                _text(form, "member_id"),
                on=_required_date(form, "on"),
                reason=_text(form, "reason") or "书记调整",
            )
        except (FormError, rf.InvalidInput, rf.RosterConflict, rf.NotFound) as error:
            return office_page({"head": explain(error)[1]}, 400)
        flash(
            f"书记调整已办理：移交点评 {len(done.reassigned)} 项，撤销 {len(done.cancelled)} 项，"
            f"新安排 {len(done.created)} 项"
        )
        return redirect(url_for("office", period=form.get("period")) + "#roster")

    @app.post("/office/roster/move")
    def move_member() -> ResponseReturnValue:
        form = request.form
        try:
            cancelled = service.move_member(
                actor() or "",
                _text(form, "member_id"),
                to_org_id=_text(form, "to_org_id"),
                on=_required_date(form, "on"),
            )
        except (FormError, rf.InvalidInput, rf.RosterConflict, rf.NotFound) as error:
            return office_page({"move": explain(error)[1]}, 400)
        flash(f"组织关系转接已办理：撤销点评 {len(cancelled)} 项")
        return redirect(url_for("office", period=form.get("period")) + "#roster")

    @app.post("/office/roster/found")
    def found_organization() -> ResponseReturnValue:
        """A new organization on the day it was founded (R-ROSTER-1): reviewed from the
        periods that end after that day, never before."""
        form = request.form
        try:
            org = rf.Organization(
                _text(form, "id"),
                _text(form, "name"),
                rf.OrgKind(_text(form, "kind")),
                _text(form, "org_type"),
                _optional(form, "parent_id"),
                founded_on=_required_date(form, "founded_on"),
            )
            service.import_roster(actor() or "", organizations=[org])
        except (FormError, rf.InvalidInput, rf.RosterConflict, rf.NotFound) as error:
            return office_page({"found": explain(error)[1]}, 400)
        flash(f"已新建党组织：{org.name}（{org.founded_on}成立）")
        return redirect(url_for("office", period=form.get("period")) + "#roster")

    # -- exports (reviewflow.export, imported only when asked for) ---------------------------

    def download(name: str, writer: str, *args: Any) -> ResponseReturnValue:
        """The file ``reviewflow.export``'s ``writer`` writes, sent with its own type (a Word
        form as .docx, a workbook as .xlsx)."""
        try:
            write = getattr(importlib.import_module("reviewflow.export"), writer)
        except (ImportError, AttributeError):
            return office_page({"export": "导出功能不可用：请安装 reviewflow[export]"}, 503)
        suffix = Path(name).suffix
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"export{suffix}"  # the name holds what the user typed
            try:
                write(service, actor(), *args, path)
            except rf.InvalidInput as error:  # a period that does not parse, say
                return office_page({"export": explain(error)[1]}, 400)
            data = io.BytesIO(path.read_bytes())
        kind = CONTENT_TYPES[suffix]
        return send_file(data, mimetype=kind, as_attachment=True, download_name=name)

    @app.get("/reviews/<rid>/export")
    def export_review(rid: str) -> ResponseReturnValue:
        review = service.review(actor() or "", rid)  # the scope check, before anything is written
        roster = service.roster()
        title = (
            f"{roster.person_name(review.reviewer_id)}点评"
            f"{roster.subject_name(review.kind, review.subject_id)}-{review.period.label_zh}"
        )
        return download(f"点评表-{title}.docx", "review_form", rid)

    @app.get("/office/export/<what>")
    def export_office(what: str) -> ResponseReturnValue:
        period = request.args.get("period", DEMO_PERIOD)
        if what == "ledger":
            return download(f"整改台账-{period}.xlsx", "ledger_workbook", period)
        if what == "coverage":
            return download(f"覆盖情况-{period}.xlsx", "coverage_workbook", period)
        if what == "summary":  # the yearly summary of the whole bureau (R-SUMMARY)
            year = int(period[:4]) if re.fullmatch("[0-9]{4}", period[:4]) else DEMO_DAY.year
            return download(f"点评情况总结-{year}.xlsx", "summary_workbook", "bureau", year)
        return render_template("not_found.html"), 404

    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the demo: ``python examples/webapp/app.py [--db PATH] [--host H] [--port N]``."""
    parser = argparse.ArgumentParser(description="领导点评示例网站（演示日期 2023-12-28）")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite 数据库文件（默认：REVIEWFLOW_DATABASE_URL，否则 examples/webapp/demo.db）",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    app = create_app(f"sqlite:///{args.db.resolve()}" if args.db else None)
    print(f"请在浏览器中打开 http://{args.host}:{args.port}/")  # noqa: T201
    app.run(host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
