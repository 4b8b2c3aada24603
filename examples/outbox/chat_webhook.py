"""Reminders and step notifications as WeChat Work / DingTalk-style webhook posts, from the
outbox: nothing is lost when the process dies between a change and its message.

The service runs with ``outbox=True``: every step, and each day's reminders
(``check_deadlines``), is queued in the store in the transaction of its change. A worker calls
``rf.dispatch`` with ``rf.webhook(url, body=chat_body)``, which posts each message as a group
robot's text message (``{"msgtype": "text", "text": {"content": "..."}}``) and retries what
failed. Delivery is at least once, so the receiver remembers the message ids it has handled
(the ``X-Reviewflow-Message-Id`` header) and handles each message once: :class:`Receiver`, a
local stand-in for the robot's endpoint (an ``http.server`` in a thread), does that.

Run it: ``python examples/outbox/chat_webhook.py`` (a temporary SQLite file, the scenario's
2023-12, a dispatcher, and the messages the receiver handled).
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

import reviewflow as rf
from reviewflow.demo import OFFICE, scenario_roster

ZONE = ZoneInfo("Asia/Shanghai")


def chat_text(message: rf.OutboxMessage) -> str:
    """The Chinese text of a message, as office staff read it in their work group."""
    event = rf.event_of(message)
    if isinstance(event, rf.StepTaken):
        review, entry = event.review, event.entry
        step = rf.WORKFLOW.steps.get(entry.action)
        done = step.label_zh if step is not None else entry.action
        return (
            f"【领导点评】{review.period.label_zh} {review.subject_id} 的点评"
            f"（点评领导 {review.reviewer_id}）：{done}，当前环节“{review.state.label_zh}”。"
        )
    if isinstance(event, rf.DeadlineNear):
        when = "已逾期" if event.overdue else "即将到期"
        owner = f"，请 {event.owner_id} 办理" if event.owner_id else ""
        return (
            f"【到期提醒】{event.kind.label_zh}“{event.description}”{when}"
            f"（截止 {event.due.isoformat()}）{owner}。"
        )
    if isinstance(event, rf.ReviewsScheduled):
        made = "；".join(f"{r.reviewer_id} 点评 {r.subject_id}" for r in event.created)
        return f"【领导点评】已安排 {event.period.label_zh} 的点评：{made}。"
    return f"【领导点评】{message.kind}"


def chat_body(message: rf.OutboxMessage) -> dict[str, object]:
    """A group robot's text message (WeChat Work and DingTalk take this shape)."""
    return {"msgtype": "text", "text": {"content": chat_text(message)}}


class Receiver:
    """A local webhook endpoint that handles each message id once.

    ``posts`` are every request received (message id, text), duplicates included; ``handled``
    the texts handled, each message once, in the order first received. The text is a robot
    message's content, or the ``kind`` of any other JSON (``rf.message_json``). A request without
    a message id is refused (400), and so are the first ``refuse`` requests (503: the robot's
    service is down for a while)."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.posts: list[tuple[str, str]] = []
        self.handled: dict[str, str] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                message_id = self.headers.get(rf.MESSAGE_ID_HEADER, "")
                refused = 400 if not message_id else receiver.refused()
                if refused:
                    self.send_response(refused)
                    self.end_headers()
                    return
                is_text = body.get("msgtype") == "text"
                receiver.receive(message_id, body["text"]["content"] if is_text else body["kind"])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads ``posts``."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where to post."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/webhook"

    def refused(self) -> int:
        """503 while requests are still to be refused, else 0."""
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                return 503
            return 0

    def receive(self, message_id: str, text: str) -> None:
        """One post: kept, and handled unless its id was handled before."""
        with self._lock:
            self.posts.append((message_id, text))
            self.handled.setdefault(message_id, text)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def main(folder: Path) -> list[str]:
    """A day of the scenario with the outbox on, delivered to a local receiver; the texts it
    handled."""
    moment = datetime.combine(date(2023, 12, 28), time(9, 0), ZONE)
    store = rf.open_store(f"sqlite:///{folder / 'reviews.db'}")
    service = rf.ReviewService(store, clock=lambda: moment, outbox=True)
    service.import_roster(OFFICE, **scenario_roster())  # type: ignore[arg-type]
    service.schedule(OFFICE, "2023-12")
    review = next(r for r in service.reviews(OFFICE) if r.subject_id == "wu")
    service.start("zhou", review.id)
    service.check_deadlines(OFFICE)  # the morning's reminder job
    service.check_deadlines(OFFICE)  # run twice: each reminder is queued once a day
    with Receiver() as receiver:
        send = rf.webhook(receiver.url, body=chat_body)
        rf.dispatch(store, send, clock=lambda: moment + timedelta(minutes=1))
        store.close()
        return list(receiver.handled.values())


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for text in main(Path(tmp)):
            sys.stdout.write(text + "\n")
