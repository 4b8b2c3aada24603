"""Writes docs/tutorial.md: its prose, and the quotes it takes from examples/webapp/app.py.

Run from the repository root after changing the app: python tests/make_tutorial.py
"""

from pathlib import Path

app = Path("examples/webapp/app.py").read_text(encoding="utf-8")


def block(start: str, end: str) -> str:
    a = app.index(start)
    b = app.index(end, a)
    return app[a:b].rstrip() + "\n"


parts = [
    (
        """# Tutorial: embedding reviewflow in a web app

This tutorial builds the core of the example app (`examples/webapp/app.py`, started by `make demo`)
step by step: a Flask app in Chinese that a unit's party-building system could grow from. The app
holds no rule of its own. It asks the library, as the person using it, and shows the library's
answer: every scope check (R-SCOPE-4), every guard of the four steps (R-STEP-1..4), every date and
text check is reviewflow's. What the app adds is what only an app can do: who is acting, forms,
pages, and the library's errors in plain Chinese next to the field they concern.

The code blocks below are quoted from the app; `tests/test_tutorial.py` checks that each quote
still stands in `examples/webapp/app.py` as it is printed here, so the tutorial follows the code.

## 1. One service over the SQLite default

A unit keeps its records in one SQLite file until it outgrows it ([storage](storage.md)). The app
opens one `ReviewService` for the process and shares it between requests. The demo's clock stands
on the last days of 2023-Q4, so the demo quarter is current; a real deployment leaves out `clock`.
An empty store gets the demo roster, imported by the office, and the quarter's reviews:

```python
""",
        "def open_service(",
        "\n\ndef create_app(",
    ),
    (
        """```

## 2. Who is acting: the session, never the request

Every service method takes the acting person first. The app keeps that person in the signed session,
chosen on the identity page, and never reads it from a URL or a form field; every other page sends
a visitor without one to the identity page. CSRF protection (Flask-WTF) covers every form, and
Jinja's autoescaping shows a name or comment containing `<script>` as text.

```python
""",
        "    def actor() -> str | None:",
        "\n\n    @app.context_processor",
    ),
    (
        """```

```python
""",
        "    @app.before_request",
        '\n\n    @app.get("/")',
    ),
    (
        """```

**The identity page is a demonstration, not authentication.** Anyone who opens it may act as
anyone on the roster, the office included. A host puts its own login here: it replaces the
`identity` route and sets `session["actor"]` to the roster id of the person its login has
verified (or replaces `actor()` with a lookup of its own user); everything else stays as it is,
since every page asks `actor()` and the library checks what that person may do.

Deployed, the app takes its settings from the environment: `REVIEWFLOW_DATABASE_URL` (any store
URL; default the demo's SQLite file), `REVIEWFLOW_SECRET_KEY` (the session
key; without it, a key kept in a file beside the SQLite database, readable by its owner only),
`REVIEWFLOW_MAX_REQUEST_BYTES` (default 256 KB: a larger post is refused with 413 and nothing
is written), `REVIEWFLOW_HTTPS=1` (secure cookies) and `REVIEWFLOW_CALENDAR` (a holiday file).
Every response carries a Content-Security-Policy without inline script or style,
`X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`
(below); the session cookie is `HttpOnly` and `SameSite=Lax`; 退出 (`POST /logout`) clears the
session.

## 3. Refusals are the library's

A member who changes the URL to someone else's review is refused by the library, not by the app:
`service.review(me, rid)` raises `rf.OutOfScope`, and one error handler turns that into the
refusal page (HTTP 403). `rf.NotFound` becomes a 404 the same way.

```python
""",
        "    @app.errorhandler(rf.OutOfScope)",
        "\n\n    @app.errorhandler(CSRFError)",
    ),
    (
        """```

## 4. The work list and the review page

`service.work_list(me)` is everything waiting for the person, soonest first, with the steps they may
take. The review page shows the review, its history, and a form for each step that is open now *and*
belongs to this person: the workflow definition (`rf.WORKFLOW`) says which steps the state allows
and who takes them; `service.parties` says who the person is for this review.

```python
""",
        '    @app.get("/work")',
        '\n\n    @app.get("/reviews/<rid>")',
    ),
    (
        """```

## 5. One route for every step

Each step is one typed service method (`start`, `report`, `comment`, `file`, `reply`, `close`, ...),
so one route serves them all. A table lists each step's form fields and how to read them
(text, date, lines, a list of commitments); the route reads the fields, then calls the method with
the version the page was rendered from, so a stale page gets a conflict instead of overwriting
someone else's change:

```python
""",
        "STEP_FORMS: dict[str, dict[str, Callable[[Any, str], Any]]] = {",
        "\n\n\n",
    ),
    (
        """```

```python
""",
        '    @app.post("/reviews/<rid>/<trigger>")',
        "\n\n    # -- the office",
    ),
    (
        """```

## 6. The library's errors, in plain Chinese, next to the field

Every library error says what is wrong and what to do in a whole Chinese sentence of its own,
`error.message_zh` (and in English, `error.message_en`), built from its data: the review, the
field, the step and who takes the next one. `rf.InvalidInput.field` names the form field it
belongs to. The app translates nothing; a refused step has changed nothing, so the page is simply
shown again, with the library's sentence beside the field:

```python
""",
        "def explain(error: Exception) -> tuple[str, str]:",
        "\n\n\n_OVERRIDES",
    ),
    (
        """```

## 7. The office

The office page is coverage for the period with every gap named (R-COVER), each reviewer's rate
(R-LEAD), the scheduling button, supervision orders (R-SUPERVISE), exemplars (R-EXEMPLAR) and the
exports (`reviewflow.export`: Word forms, Excel ledger, coverage and summary). The library decides
that only the office may read the whole roster's coverage: for anyone else `service.coverage`
raises `rf.OutOfScope`, which step 3's handler already turns into the refusal page.

```python
""",
        "    def office_page(",
        '\n\n    @app.get("/office")',
    ),
    (
        """```

## Running it

```sh
make demo                                  # or: .venv/bin/python examples/webapp/app.py --port 8000
```

Choose 周明 (内科党支部书记) to see his member reviews, 吴红 to report as a member,
陈敏 for the office.
The browser tests (`tests/test_webapp.py`) take a member review from scheduled to closed through
these pages in headless Chromium and save a screenshot of every page.
""",
        None,
        None,
    ),
]
out = []
for text, start, end in parts:
    out.append(text)
    if start:
        out.append(block(start, end))
Path("docs/tutorial.md").write_text("".join(out), encoding="utf-8")
