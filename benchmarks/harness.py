"""The measuring kit: sizes, fresh databases, interleaved timing, and the printed table.

A case measures the library and its floor in the same run, alternating the two (library, floor,
library, floor ...) so that drift of the machine hits both alike; each side's figure is the
median of its runs. A *speed* is work per second (steps a second, or 1 / seconds for a one-off
job); the ratio is library speed / floor speed, so 1.0 means as fast as the raw driver.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PG_URL = os.environ.get("REVIEWFLOW_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("REVIEWFLOW_BENCH_MYSQL", "mysql://root@127.0.0.1:3306/test")
DATABASES = ("sqlite", "postgresql", "mysql")


@dataclass(frozen=True)
class Size:
    """How big each case runs."""

    name: str
    steps: int  # single steps timed per run
    bulk: int  # reviews in one bulk call
    schedule_members: int  # members in the scheduling case
    coverage_reviews: int  # reviews in the coverage case
    coverage_orgs: int  # organizations they spread over
    overhead_steps: int  # steps in the workflow-overhead case
    memory_counts: tuple[int, ...]  # review counts for bytes per review
    repeat: int  # runs per side


SIZES = {
    "tiny": Size("tiny", 20, 20, 200, 400, 4, 200, (100, 1_000), 1),
    "small": Size("small", 300, 1_000, 20_000, 50_000, 50, 20_000, (10_000, 50_000), 3),
    "full": Size(
        "full", 2_000, 1_000, 1_000_000, 1_000_000, 1_000, 100_000, (10_000, 1_000_000), 5
    ),
}


@dataclass
class Figure:
    """One measured line: the library's and the floor's speed, in the same unit."""

    case: str
    db: str
    unit: str
    library: float
    floor: float | None
    target: float | None = None  # the ratio the issue asks for
    note: str = ""
    at_most: float | None = None  # a bound on the library's figure itself (milliseconds, say)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if not self.floor else self.library / self.floor

    @property
    def met(self) -> bool | None:
        if self.at_most is not None:
            return self.library <= self.at_most
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target


def interleave(
    library: Callable[[], float], floor: Callable[[], float], repeat: int
) -> tuple[float, float]:
    """Median speeds of ``library`` and ``floor``, run alternately ``repeat`` times each.

    Each callable does its work once and returns its speed (work per second).
    """
    lib: list[float] = []
    flo: list[float] = []
    for _ in range(repeat):
        lib.append(library())
        flo.append(floor())
    return statistics.median(lib), statistics.median(flo)


def per_second(work: int, fn: Callable[[], object]) -> float:
    """Run ``fn`` once and return ``work`` divided by the seconds it took."""
    start = time.perf_counter()
    fn()
    return work / (time.perf_counter() - start)


# -- fresh databases -----------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(db: str) -> Iterator[str]:
    """A URL to a new, empty database of kind ``db``, dropped afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="rf-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"rf_bench_{uuid.uuid4().hex[:10]}"
    if db == "postgresql":
        import psycopg  # noqa: PLC0415

        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        try:
            yield urlsplit(PG_URL)._replace(path=f"/{name}").geturl()
        finally:
            with psycopg.connect(PG_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    if db == "mysql":
        with _mysql_admin() as conn:
            conn.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        try:
            yield urlsplit(MYSQL_URL)._replace(path=f"/{name}").geturl()
        finally:
            with _mysql_admin() as conn:
                conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
        return
    raise ValueError(f"unknown database {db!r}; expected one of {DATABASES}")


def _mysql_admin():  # type: ignore[no-untyped-def]
    import pymysql  # noqa: PLC0415

    base = urlsplit(MYSQL_URL)
    return pymysql.connect(
        host=base.hostname, port=base.port or 3306, user=base.username or "root",
        password=base.password or "", autocommit=True,
    )  # fmt: skip


def available(db: str) -> str | None:
    """None when ``db`` can be used here, else why not."""
    try:
        with fresh_database(db):
            return None
    except Exception as error:  # reported, and fatal under CI
        return f"{type(error).__name__}: {error}"


# -- the machine ---------------------------------------------------------------------------------


def machine_lines(dbs: tuple[str, ...]) -> list[str]:
    """What the figures were measured on: machine, Python, database versions and settings."""
    import reviewflow  # noqa: PLC0415

    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        f"python: {platform.python_implementation()} {platform.python_version()}",
        f"reviewflow: {reviewflow.__version__}",
    ]
    cpu = _cpu_model()
    if cpu:
        lines.insert(1, f"cpu: {cpu}")
    if "sqlite" in dbs:
        with fresh_database("sqlite") as url:
            store = reviewflow.open_store(url)
            conn = store._conn  # type: ignore[attr-defined]  # reading the settings in force
            pragmas = {
                p: conn.execute(f"PRAGMA {p}").fetchone()[0]
                for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
            store.close()
        sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(pragmas["synchronous"], "?")
        pragmas["synchronous"] = sync
        settings = ", ".join(f"{k}={v}" for k, v in pragmas.items())
        lines.append(f"sqlite: {sqlite3.sqlite_version} ({settings}; floors use the same)")
    if "postgresql" in dbs:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(PG_URL) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            settings = ", ".join(
                f"{s}={conn.execute(f'SHOW {s}').fetchone()[0]}"  # type: ignore[index]
                for s in ("synchronous_commit", "fsync", "wal_sync_method", "shared_buffers")
            )
        lines.append(f"postgresql: {version} ({settings}); psycopg {psycopg.__version__}")
    if "mysql" in dbs:
        import pymysql  # noqa: PLC0415

        with _mysql_admin() as conn:
            cur = conn.cursor()
            cur.execute("SELECT VERSION()")
            version = cur.fetchone()[0]
            cur.execute(
                "SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog, "
                "@@innodb_buffer_pool_size, @@tx_isolation"
            )
            flush, binlog, pool, iso = cur.fetchone()
        lines.append(
            f"mysql: {version} (innodb_flush_log_at_trx_commit={flush}, sync_binlog={binlog}, "
            f"innodb_buffer_pool_size={int(pool) // 2**20} MiB, {iso}); "
            f"PyMySQL {pymysql.__version__}"
        )
    return lines


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return ""


# -- printing ------------------------------------------------------------------------------------


def table(figures: list[Figure]) -> list[str]:
    """The figures as a Markdown table (what docs/performance.md quotes)."""
    out = [
        "| case | db | unit | library | floor | ratio | target | met |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for f in figures:
        floor = _num(f.floor) if f.floor is not None else "–"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "–"
        target = f"≥ {f.target:.3g}" if f.target is not None else "–"
        if f.at_most is not None:
            target = f"≤ {f.at_most:g} {f.unit}"
        met = {True: "yes", False: "**no**", None: "–"}[f.met]
        note = f" ({f.note})" if f.note else ""
        out.append(
            f"| {f.case}{note} | {f.db} | {f.unit} | {_num(f.library)} | {floor} | {ratio} "
            f"| {target} | {met} |"
        )
    return out


def _num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"
