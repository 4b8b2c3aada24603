"""reviewflow inside a SQLAlchemy host (issue #15): ``store_on`` over the host's Connection or
Session, ``after_commit``, the tables as ``MetaData`` and the Alembic revisions, on SQLite,
PostgreSQL and MariaDB.

The host writes a row of its own and takes a step in one transaction: a rollback undoes both
(the review, its history, the host's row), a commit keeps both and ``verify`` is clean, a step
the library refuses leaves the host's transaction usable, listeners hear only of what was
committed, and two hosts on one review get ``ConcurrencyConflict``, never a lost update.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import event
from sqlalchemy.orm import Session

import reviewflow as rf
from make_revisions import revision_id
from reviewflow.cli import main
from reviewflow.contrib.sqlalchemy import (
    VERSIONS,
    after_commit,
    metadata,
    store_on,
    upgrade_on,
)
from reviewflow.demo import OFFICE, QUARTER, scenario_service
from reviewflow.store.sql import MIGRATIONS, SCHEMA_VERSION, SqlStore
from reviewflow.testing import CountingStoreContract

MOMENT = datetime.combine(date(2023, 12, 28), time(9, 0), ZoneInfo("Asia/Shanghai"))
DATABASES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


def sa_url(url: str) -> str:
    """The SQLAlchemy URL of a reviewflow URL (psycopg 3, PyMySQL)."""
    drivers = (("postgresql://", "postgresql+psycopg://"), ("mysql://", "mysql+pymysql://"))
    for ours, theirs in drivers:
        if url.startswith(ours):
            return theirs + url.removeprefix(ours)
    return url


def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'host.db'}"
    found: str = request.getfixturevalue(f"{request.param}_url")
    return found


@pytest.fixture(params=DATABASES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each kind with the scenario's roster, 2023-Q4 scheduled, and a host table."""
    found = database(request, tmp_path)
    service = scenario_service(found)
    service.schedule(OFFICE, QUARTER)
    service.store.close()
    engine = sa.create_engine(sa_url(found))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE host_notes (id INTEGER PRIMARY KEY, note VARCHAR(200))")
    engine.dispose()
    return found


@pytest.fixture
def engine(url: str) -> Iterator[sa.Engine]:
    """The host's engine, as a host makes it: ``create_engine(url)``, nothing more."""
    made = sa.create_engine(sa_url(url))
    yield made
    made.dispose()


class Host:
    """The host's unit of work: a Connection, or a Session, with a service on it."""

    def __init__(self, engine: sa.Engine, kind: str) -> None:
        self.kind = kind
        self.unit: sa.Connection | Session = (
            engine.connect() if kind == "connection" else Session(engine)
        )
        self.pending: list[Callable[[], None]] = []
        store = store_on(self.unit)
        self.service = rf.ReviewService(
            store, clock=lambda: MOMENT, after_commit=after_commit(self.unit)
        )

    def note(self, note_id: int, note: str) -> None:
        self.unit.execute(
            sa.text("INSERT INTO host_notes VALUES (:id, :note)"), {"id": note_id, "note": note}
        )

    def close(self) -> None:
        self.unit.close()


@pytest.fixture(params=["connection", "session"])
def host(request: pytest.FixtureRequest, engine: sa.Engine) -> Iterator[Host]:
    made = Host(engine, request.param)
    yield made
    made.close()


def outside(url: str) -> tuple[rf.ReviewService, list[Any]]:
    """What another process sees: a service on a connection of its own, and the host's rows."""
    service = rf.ReviewService(rf.open_store(url), clock=lambda: MOMENT)
    engine = sa.create_engine(sa_url(url))
    with engine.connect() as conn:
        rows = [
            tuple(r) for r in conn.exec_driver_sql("SELECT id, note FROM host_notes ORDER BY id")
        ]
    engine.dispose()
    return service, rows


def hospital_review(service: rf.ReviewService) -> rf.Review:
    return next(r for r in service.reviews(OFFICE, within=QUARTER) if r.subject_id == "hospital")


# -- the host's transaction ----------------------------------------------------------------------


def test_a_rollback_of_the_host_undoes_the_step_its_history_and_the_host_row(
    url: str, host: Host
) -> None:
    # The step first: on SQLite, sqlite3 has begun no transaction yet (it begins one before
    # an INSERT only), and a savepoint alone would commit at its release.
    review = hospital_review(host.service)
    assert host.service.start(review.reviewer_id, review.id).state is rf.ReviewState.FACT_FINDING
    host.note(1, "走访后的记录")
    host.unit.rollback()

    seen, notes = outside(url)
    assert seen.review(OFFICE, review.id).state is rf.ReviewState.SCHEDULED
    assert len(seen.history(OFFICE, review.id)) == 1
    assert notes == []
    seen.store.close()


def test_a_commit_of_the_host_keeps_both_and_the_records_verify(url: str, host: Host) -> None:
    review = hospital_review(host.service)
    host.note(1, "走访前的准备")
    host.service.start(review.reviewer_id, review.id)
    host.unit.commit()

    seen, notes = outside(url)
    assert seen.review(OFFICE, review.id).state is rf.ReviewState.FACT_FINDING
    assert [e.action for e in seen.history(OFFICE, review.id)] == ["schedule", "start"]
    assert notes == [(1, "走访前的准备")]
    assert seen.verify(OFFICE) == ()
    seen.store.close()


def test_nothing_is_seen_outside_before_the_host_commits(url: str, host: Host) -> None:
    review = hospital_review(host.service)
    host.note(1, "未提交")
    host.service.start(review.reviewer_id, review.id)
    host.service.reviews(OFFICE, within=QUARTER)  # reads, too, end nothing of the host's
    seen, notes = outside(url)
    assert notes == []
    assert seen.review(OFFICE, review.id).state is rf.ReviewState.SCHEDULED
    seen.store.close()


def test_a_refused_step_leaves_the_host_transaction_usable(url: str, host: Host) -> None:
    review = hospital_review(host.service)
    host.note(1, "先记下")
    with pytest.raises(rf.StepRefused):
        host.service.close(review.reviewer_id, review.id)  # not open while scheduled
    host.service.start(review.reviewer_id, review.id)
    host.note(2, "再记下")
    host.unit.commit()

    seen, notes = outside(url)
    assert seen.review(OFFICE, review.id).state is rf.ReviewState.FACT_FINDING
    assert notes == [(1, "先记下"), (2, "再记下")]
    assert [a.action for a in seen.store.attempts(review.id)] == ["close"]
    seen.store.close()


def test_listeners_hear_only_of_what_the_host_committed(url: str, host: Host) -> None:
    """A step rolled back is never announced, not even at the next commit; a refused step
    (a savepoint rolled back) drops nothing of the steps before it."""
    heard: list[str] = []
    host.service.subscribe(lambda e: heard.append(type(e).__name__))
    review = hospital_review(host.service)
    host.service.start(review.reviewer_id, review.id)
    host.unit.rollback()
    assert heard == []

    host.service.start(review.reviewer_id, review.id)
    with pytest.raises(rf.StepRefused):
        host.service.close(review.reviewer_id, review.id)
    assert heard == []  # not yet: the host has not committed
    host.unit.commit()
    assert heard == ["StepTaken"]
    host.unit.commit()  # an empty transaction announces nothing again
    assert heard == ["StepTaken"]


def test_two_hosts_on_one_review_never_lose_an_update(engine: sa.Engine, url: str) -> None:
    """Host B reads the review while host A's step is not committed, then writes: its write
    waits for A's lock (the row's; SQLite's write lock) and, once A commits, is refused with
    ConcurrencyConflict."""
    a, b = Host(engine, "connection"), Host(engine, "session")
    review = hospital_review(a.service)
    a.service.start(review.reviewer_id, review.id)  # A holds the row, not committed
    assert b.service.review(OFFICE, review.id).version == review.version
    outcome: list[BaseException | rf.Review] = []

    def take_b() -> None:
        try:
            outcome.append(b.service.start(review.reviewer_id, review.id))
        except BaseException as error:  # reported below
            outcome.append(error)
        finally:
            b.unit.rollback()

    worker = threading.Thread(target=take_b)
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive()  # B waits on A's lock
    a.unit.commit()
    worker.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], rf.ConcurrencyConflict), outcome
    seen, _ = outside(url)
    assert len(seen.history(OFFICE, review.id)) == 2  # A's step, once
    seen.store.close()
    a.close()
    b.close()


def test_sqlite_with_the_documented_begin_hooks_works_as_well(tmp_path: Path) -> None:
    """SQLAlchemy's documented pysqlite set-up (sqlite3 begins nothing, SQLAlchemy emits BEGIN)
    is a host's choice: the store works under it too."""
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    scenario_service(url).schedule(OFFICE, QUARTER)
    engine = sa.create_engine(url)

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE host_notes (id INTEGER PRIMARY KEY, note TEXT)")
    host = Host(engine, "connection")
    review = hospital_review(host.service)
    host.note(1, "回滚")
    host.service.start(review.reviewer_id, review.id)
    host.unit.rollback()
    host.note(2, "提交")
    host.service.start(review.reviewer_id, review.id)
    host.unit.commit()
    host.close()
    seen, notes = outside(url)
    assert notes == [(2, "提交")]
    assert [e.action for e in seen.history(OFFICE, review.id)] == ["schedule", "start"]
    seen.store.close()
    engine.dispose()


def test_a_host_connection_that_autocommits_is_refused(engine: sa.Engine, url: str) -> None:
    """Each write would be committed at once, outside the host's transaction: refused, on a
    connection set to AUTOCOMMIT and on an engine made so (not for SQLite's documented setup,
    which the test above runs)."""
    autocommit = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with autocommit as conn, pytest.raises(rf.InvalidInput) as refused:
        store_on(conn)
    assert refused.value.params["reason_key"] == "host_autocommits"
    assert "自动提交" in refused.value.message_zh
    if not url.startswith("sqlite"):
        autocommitting = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT")
        with autocommitting.connect() as conn, pytest.raises(rf.InvalidInput):
            store_on(conn)
        autocommitting.dispose()


def test_a_driver_the_dialects_do_not_speak_is_refused_by_name(tmp_path: Path) -> None:
    # pysqlcipher's SQLAlchemy dialect over the standard sqlite3 module: a real connection
    # whose URL names a driver reviewflow does not speak to.
    engine = sa.create_engine(f"sqlite+pysqlcipher:///{tmp_path / 'x.db'}", module=sqlite3)
    with engine.connect() as conn, pytest.raises(rf.StoreUnavailable) as caught:
        store_on(conn)
    assert "pysqlcipher" in str(caught.value)
    assert "postgresql+psycopg" in str(caught.value)
    engine.dispose()


def test_a_missing_sqlalchemy_names_the_extra(tmp_path: Path) -> None:
    script = "import sys; sys.modules['sqlalchemy'] = None\nimport reviewflow.contrib.sqlalchemy\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "pip install 'reviewflow[sqlalchemy]'" in done.stderr


# -- the tables as MetaData ----------------------------------------------------------------------


def shape(engine: sa.Engine) -> dict[str, Any]:
    """Every table's columns (name, type, nullable), primary key, unique constraints, indexes
    and foreign keys, as the database reports them."""
    inspector = sa.inspect(engine)
    found: dict[str, Any] = {}
    with warnings.catch_warnings():  # SQLAlchemy has no type for PostgreSQL's xid8: NullType
        warnings.filterwarnings("ignore", "Did not recognize type 'xid8'", sa.exc.SAWarning)
        for table in sorted(inspector.get_table_names()):
            found[table] = _table_shape(inspector, table)
    return found


def _table_shape(inspector: Any, table: str) -> dict[str, Any]:
    """One table's shape (see :func:`shape`)."""
    key = inspector.get_pk_constraint(table)["constrained_columns"]
    return {
        # SQLite lets a TEXT primary key hold NULL unless it says NOT NULL (the library's
        # DDL does not say it, SQLAlchemy's does): a key column counts as NOT NULL.
        "columns": [
            (c["name"], str(c["type"]).split(" COLLATE")[0], c["nullable"] and c["name"] not in key)
            for c in inspector.get_columns(table)
        ],
        "primary key": key,
        "unique": sorted(
            (u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
        ),
        "indexes": sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
        ),
        "foreign keys": sorted(
            (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
            for f in inspector.get_foreign_keys(table)
        ),
    }


@pytest.fixture(params=DATABASES)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database(request, tmp_path)


def test_the_metadata_makes_the_tables_the_library_makes(
    empty: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The library's DDL on one database, the MetaData's on another of the same kind:
    reflected, they agree, and a store opens the MetaData's and takes a step there."""
    if empty.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'metadata.db'}"
    else:
        other = request.getfixturevalue(
            "postgres_url_again" if empty.startswith("postgres") else "mysql_url_again"
        )
    rf.open_store(empty).close()
    engines = [sa.create_engine(sa_url(u)) for u in (empty, other)]
    metadata.create_all(engines[1])
    assert shape(engines[1]) == shape(engines[0])
    service = scenario_service(other)
    service.schedule(OFFICE, QUARTER)
    review = hospital_review(service)
    service.start(review.reviewer_id, review.id)
    assert service.verify(OFFICE) == ()
    service.store.close()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def postgres_url_again(postgres_url: str) -> Iterator[str]:
    """A second fresh PostgreSQL schema."""
    import servers  # noqa: PLC0415

    url, drop = servers.fresh_postgres()
    yield url
    drop()


@pytest.fixture
def mysql_url_again(mysql_url: str) -> Iterator[str]:
    """A second fresh MariaDB database."""
    import servers  # noqa: PLC0415

    url, drop = servers.fresh_mysql()
    yield url
    drop()


@pytest.fixture(params=DATABASES)
def metadata_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each kind whose tables the MetaData made."""
    url = database(request, tmp_path)
    engine = sa.create_engine(sa_url(url))
    metadata.create_all(engine)
    engine.dispose()
    return url


class TestTablesFromMetadata(CountingStoreContract):
    """The conformance kit on tables made by the MetaData (one database of each kind)."""

    @pytest.fixture
    def store(self, metadata_url: str) -> Iterator[rf.Store]:
        store = rf.open_store(metadata_url)
        assert isinstance(store, SqlStore)
        assert store.schema_version() == SCHEMA_VERSION
        yield store
        store.close()


# -- Alembic and reviewflow db upgrade -----------------------------------------------------------


def test_every_schema_version_has_its_alembic_revision() -> None:
    """Adding a schema version without its revision fails here: run tests/make_revisions.py."""
    found = {}
    for path in sorted(Path(VERSIONS).glob("reviewflow_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[module.revision] = module.down_revision
    expected = {
        revision_id(v): (revision_id(v - 1) if v > 1 else None)
        for v in range(1, SCHEMA_VERSION + 1)
    }
    assert found == expected
    assert set(MIGRATIONS) == set(range(1, SCHEMA_VERSION + 1))


ENV_PY = """
from alembic import context
from sqlalchemy import create_engine, MetaData

import reviewflow.contrib.sqlalchemy as reviewflow_sa

host_metadata = MetaData()
url = context.config.get_main_option("sqlalchemy.url")
with create_engine(url).connect() as connection:
    context.configure(
        connection=connection, target_metadata=[host_metadata, reviewflow_sa.metadata]
    )
    with context.begin_transaction():
        context.run_migrations()
"""

HOST_REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "host_0001"
down_revision = None
branch_labels = ("host",)
depends_on = None


def upgrade():
    op.create_table(
        "host_notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("note", sa.Text)
    )


def downgrade():
    op.drop_table("host_notes")
"""


def alembic_project(root: Path, url: str) -> Path:
    """A host's Alembic project: its own revision, and reviewflow's version location."""
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (root / "migrations" / "versions" / "host_0001.py").write_text(HOST_REVISION, encoding="utf-8")
    ini = root / "alembic.ini"
    ini.write_text(
        "[alembic]\n"
        "script_location = %(here)s/migrations\n"
        "path_separator = space\n"
        "version_locations = %(here)s/migrations/versions reviewflow.contrib:migrations\n"
        f"sqlalchemy.url = {sa_url(url).replace('%', '%%')}\n",
        encoding="utf-8",
    )
    return ini


def alembic(ini: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_alembic_upgrade_heads_makes_a_database_the_store_opens(empty: str, tmp_path: Path) -> None:
    ini = alembic_project(tmp_path / "host", empty)
    done = alembic(ini, "upgrade", "heads")
    assert done.returncode == 0, done.stderr
    service = scenario_service(empty)
    assert isinstance(service.store, SqlStore)
    assert service.store.schema_version() == SCHEMA_VERSION
    service.schedule(OFFICE, QUARTER)
    review = hospital_review(service)
    assert service.start(review.reviewer_id, review.id).state is rf.ReviewState.FACT_FINDING
    service.store.close()
    again = alembic(ini, "current")
    assert f"{revision_id(SCHEMA_VERSION)} (head)" in again.stdout
    assert "host_0001 (head)" in again.stdout


def test_alembic_adopts_a_database_the_library_made_already(empty: str, tmp_path: Path) -> None:
    """A host that opened the store before it had Alembic: the revisions find each schema
    version there already and change nothing."""
    service = scenario_service(empty)
    service.schedule(OFFICE, QUARTER)
    before = service.store.reviews(rf.ReviewQuery())
    service.store.close()
    done = alembic(alembic_project(tmp_path / "host", empty), "upgrade", "heads")
    assert done.returncode == 0, done.stderr
    store = rf.open_store(empty)
    assert store.reviews(rf.ReviewQuery()) == before
    store.close()


def test_reviewflow_db_upgrade_brings_an_older_database_to_the_current_schema(
    empty: str,
) -> None:
    engine = sa.create_engine(sa_url(empty))
    with engine.begin() as conn:
        assert upgrade_on(conn, SCHEMA_VERSION - 2) == SCHEMA_VERSION - 2
    engine.dispose()
    with pytest.raises(rf.SchemaMismatch):
        rf.open_store(empty)
    result = CliRunner().invoke(main, ["--store", empty, "db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"结构版本 {SCHEMA_VERSION}" in result.stdout
    service = scenario_service(empty)
    service.schedule(OFFICE, QUARTER)
    assert service.verify(OFFICE) == ()
    service.store.close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_upgrade_on_rolls_back_with_the_host_where_ddl_is_transactional(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'rb.db'}"
        if kind == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = sa.create_engine(sa_url(url))
    with engine.connect() as conn:
        assert upgrade_on(conn) == SCHEMA_VERSION
        conn.rollback()
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
