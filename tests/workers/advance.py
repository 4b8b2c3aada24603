"""A worker process for the concurrency and crash tests: schedules and advances reviews.

    python advance.py URL SEED ROUNDS OUT.json [--bulk]

It races other workers on the same database: scheduling the same quarter, starting the same
reviews and adding reports to them, each write with the version it read. It writes what it saw
(successes per review, conflicts) to OUT.json. With --bulk it loops over bulk steps forever,
for the crash test to kill it.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import reviewflow as rf

OFFICE = "office-chen"
CLOCK = datetime(2023, 12, 28, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def main(url: str, seed: int, rounds: int, out: str, *, bulk: bool) -> None:
    store = rf.open_store(url)
    service = rf.ReviewService(store, clock=lambda: CLOCK)
    created = len(service.schedule(OFFICE, "2023-Q4").created)
    members = [r for r in store.reviews(rf.ReviewQuery()) if r.kind is rf.ReviewKind.MEMBER]
    rnd = random.Random(seed)
    successes: Counter[str] = Counter()
    reports: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    if bulk:
        # Every reviewer's member reviews to step 2, then one participant added to all of them
        # per transaction, forever: a kill lands in the middle of some bulk write.
        by_reviewer: dict[str, list[rf.Review]] = {}
        for review in members:
            by_reviewer.setdefault(review.reviewer_id, []).append(review)
        for reviewer, reviews in by_reviewer.items():
            ids = [r.id for r in reviews]
            service.take_many(reviewer, "start", ids)
            for review in reviews:
                service.report(review.subject_id, review.id, summary="汇报")
            service.take_many(reviewer, "conclude_fact_finding", ids)
        print("ready", flush=True)  # noqa: T201 - the test waits for this line
        n = 0
        while True:  # until killed
            n += 1
            for reviewer, reviews in by_reviewer.items():
                service.take_many(
                    reviewer, "add_participant", [r.id for r in reviews], name=f"代表{n}",
                    capacity="member",
                )  # fmt: skip
    for _ in range(rounds):
        review = store.review(rnd.choice(members).id)
        assert review is not None
        try:
            if review.state is rf.ReviewState.SCHEDULED:
                service.start(review.reviewer_id, review.id, expected_version=review.version)
            elif review.state is rf.ReviewState.FACT_FINDING:
                service.report(
                    review.subject_id, review.id, summary=f"汇报{seed}",
                    expected_version=review.version,
                )  # fmt: skip
                reports[review.id] += 1
            else:
                continue
            successes[review.id] += 1
        except rf.ReviewflowError as error:
            errors[type(error).__name__] += 1
    with open(out, "w", encoding="utf-8") as f:  # noqa: PTH123
        json.dump(
            {"created": created, "successes": successes, "reports": reports, "errors": errors}, f
        )
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], bulk="--bulk" in sys.argv)
