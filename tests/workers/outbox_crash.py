"""A process that dies by SIGKILL at the worst moment for a notification (tests/test_outbox.py).

``step URL REVIEW_ID``: takes the first step of a review with the outbox on, and is killed by a
listener, which runs after the commit and before anything could be sent.
``dispatch URL WEBHOOK``: dispatches the outbox to the webhook, and is killed right after the
first post was answered, before the message is marked delivered.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta

import reviewflow as rf
from reviewflow.testing import CLOCK


def die(*_args: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(mode: str, url: str, arg: str) -> None:
    store = rf.open_store(url)
    if mode == "step":
        service = rf.ReviewService(store, clock=lambda: CLOCK, outbox=True)
        service.subscribe(die)
        service.start("zhou", arg)
    else:
        post = rf.webhook(arg, body=lambda m: {"msgtype": "text", "text": {"content": m.kind}})

        def send(message: rf.OutboxMessage) -> None:
            post(message)
            die()

        rf.dispatch(store, send, clock=lambda: CLOCK + timedelta(minutes=1))
    raise SystemExit(f"{mode}: still alive")


if __name__ == "__main__":
    main(*sys.argv[1:4])
