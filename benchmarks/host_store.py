"""What a store per unit of work costs a SQLAlchemy host: ``store_on`` (its schema check) and
the first roster read, against a connection checked out alone and a long-lived store's read.

``python -m benchmarks.host_store [URL ...]`` (default: a SQLite file in a temporary
directory); the URLs are SQLAlchemy's (``postgresql+psycopg://...``, ``mysql+pymysql://...``)
of an empty database, which gets the scenario's roster. Prints the median of each, in ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from reviewflow.contrib.sqlalchemy import store_on
from reviewflow.demo import scenario_service

ROUNDS = 200


def median_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(url: str) -> dict[str, float]:
    """The medians for the database at the SQLAlchemy ``url``."""
    ours = url.replace("+psycopg", "").replace("+pymysql", "")
    scenario_service(ours).store.close()
    engine = sa.create_engine(url)

    def checkout() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar()

    def store_only() -> None:
        with engine.connect() as conn:
            store_on(conn)

    def store_and_roster() -> None:
        with engine.connect() as conn:
            store_on(conn).roster()

    def unchecked_and_roster() -> None:
        with engine.connect() as conn:
            store_on(conn, check=False).roster()

    with engine.connect() as kept:
        long_lived = store_on(kept)
        long_lived.roster()
        figures = {
            "checkout + SELECT 1": median_ms(checkout),
            "checkout + store_on": median_ms(store_only),
            "checkout + store_on + roster()": median_ms(store_and_roster),
            "checkout + store_on(check=False) + roster()": median_ms(unchecked_and_roster),
            "long-lived store: roster()": median_ms(long_lived.roster),
        }
        kept.rollback()
    engine.dispose()
    return figures


def main() -> None:
    urls = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        for url in urls or [f"sqlite:///{Path(tmp) / 'host.db'}"]:
            print(url.split("://")[0])
            for name, ms in measure(url).items():
                print(f"  {name:44} {ms:8.3f} ms")


if __name__ == "__main__":
    main()
