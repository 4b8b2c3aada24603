"""The library against its peers: the same step written with other state-machine libraries.

Two cases, each peer against the library in the same run (interleaved, medians): one step
(``scheduled`` → ``fact_finding``) per transaction on ``size.steps`` reviews, and one step on
``size.bulk`` reviews of one reviewer in one call and one transaction. The library takes them
through the public service: ``svc.start(reviewer, review_id)`` and
``svc.take_many(reviewer, "start", ids)``; it loads the review, checks the actor's scope, fires
the workflow (guards included), chains a history entry (SHA-256 over canonical JSON) and writes
the review and the entry with an optimistic version check.

Each peer, written as a careful user of that library would, per step: loads the review, checks
that the actor is its reviewer, lets its state machine check that the step is allowed and move
the state, writes the state back with that library's guard against a concurrent change, and
writes an audit row (review id, seq, at, actor, action, from, to), all in one transaction:

- **transitions + SQLAlchemy**: the state is a column of a SQLAlchemy 2 ORM model with a
  ``version_id_col`` (the ORM's optimistic lock: ``UPDATE … WHERE id = ? AND version = ?``, a
  ``StaleDataError`` when another writer got there first). One shared ``transitions.Machine``
  (``model=None``) for all rows, each loaded row registered with ``add_model(row,
  initial=row.state)`` and released with ``remove_model`` once triggered: the pattern the
  transitions README gives for many short-lived models (a machine per row is the other common
  idiom; it costs more, see ``case_overhead``). Per step: a session, ``session.get``, trigger,
  ``flush`` (the versioned UPDATE), add the audit row, commit. The engine follows SQLAlchemy's
  SQLite recipe for real transactions (driver ``isolation_level=None``, ``BEGIN IMMEDIATE`` on
  the ORM's begin event). Bulk: one ``SELECT … IN``, the triggers, one flush (the versioned
  UPDATEs), ``add_all`` of the audit rows, one commit.
- **django-fsm-2** on the Django ORM: a ``FSMField(protected=True)`` whose ``@transition``
  methods are the workflow, ``ConcurrentTransitionMixin`` (its save is ``UPDATE … WHERE id = ?
  AND state = <state as loaded>``, ``ConcurrentTransition`` when no row matched), each step in
  ``transaction.atomic()`` (``BEGIN IMMEDIATE`` through Django's ``transaction_mode``): ``get``,
  transition, ``save()``, ``AuditRow.objects.create``. Bulk: ``in_bulk``, a transition and a
  ``save()`` per review (``bulk_update`` would skip the mixin's check), one ``bulk_create`` of the
  audit rows. Django is configured in code (``benchmarks/peer_django``).
- **python-statemachine** with plain ``sqlite3``: a ``StateMachine`` per loaded review (the
  library binds one machine to one model; there is no shared-machine idiom), the model a small
  object whose ``state`` the machine sets; the row is read in ``BEGIN IMMEDIATE``, written back
  with ``UPDATE … WHERE id = ? AND version = ?`` (rowcount checked), the audit row inserted, and
  committed. Bulk: one ``SELECT … IN``, a machine per review, one ``executemany`` each for the
  updates (their summed rowcount checked) and the audit rows.

Fairness. Each side has its own fresh SQLite file in WAL mode with the ``synchronous`` level the
library's connection runs (read off it with ``PRAGMA synchronous``; FULL by default, or the
``synchronous`` argument for both) and foreign keys on. Each peer's table holds the same reviews
as the library's store (all of those scheduled for the case), with a unique key on (reviewer,
kind, subject, period) and an index on (reviewer, state), which a state change must update as the
library's does; the audit table has a unique (review, seq) key and references the review. The
peers' state machines carry the whole workflow (``benchmarks/peer_machines.py``). Both sides
take a few untimed steps first (statement caches, first connections). Differences that remain,
all of them work the library does and the peers do not: the library's scope check looks the
actor up in the roster (the peers compare one id), it chains a SHA-256 digest over the canonical
JSON of each history entry and stores it, its history rows carry the step's data and reason,
and it logs refused attempts. Its bulk call writes the reviews that pass and reports the
others, where a peer's bulk transaction stops at the first refusal (none is refused here).
``at`` is stored as each tool does it: an ISO string by the library and by sqlite3, a
``DateTime`` by SQLAlchemy and a ``DateTimeField`` (UTC text) by Django.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from transitions import Machine

import reviewflow as rf
from benchmarks import data, floor, peer_django, peer_machines
from benchmarks.harness import SIZES, Figure, Size, fresh_database, interleave, per_second, table

TRIGGER = "start"
WARM_UP = 5  # untimed steps each side takes first, single and bulk alike


def run(size: Size, synchronous: str | None = None) -> list[Figure]:
    """The one-step and bulk figures of every peer against the library, on SQLite.

    ``synchronous`` (``full``, ``normal`` or ``extra``) is passed to the library's store and
    from there to the peers; by default both run the library's default (``full``).
    """
    figures: list[Figure] = []
    for name, make in PEERS.items():
        figures.extend(_compare(size, name, make, synchronous))
    return figures


# -- one peer against the library -------------------------------------------------------------


class Peer(Protocol):
    """A peer set up on its own SQLite file holding the same reviews as the library's store."""

    version: str

    def step(self, actor: str, review_id: str) -> None:
        """Take the step on one review in one transaction."""

    def bulk(self, actor: str, review_ids: Sequence[str]) -> None:
        """Take the step on all of ``review_ids`` in one transaction."""

    def audit_rows(self) -> int:
        """How many audit rows have been written."""

    def close(self) -> None:
        """Release the connections."""


Pragmas = dict[str, object]
PeerFactory = Callable[[Path, Sequence[rf.Review], Pragmas], Peer]


def _compare(size: Size, name: str, make: PeerFactory, synchronous: str | None) -> list[Figure]:
    runs = size.repeat
    # One branch of ``bulk`` members per bulk call (each side its own), one for the warm-up; the
    # single steps take the rest. Every review is its branch secretary's.
    per_branch = size.bulk + 1
    branches = 2 * runs + 1 + math.ceil(2 * size.steps * runs / size.bulk)
    warm = min(WARM_UP, size.bulk // 4)
    with fresh_database("sqlite") as lib_url, fresh_database("sqlite") as peer_url:
        url = lib_url if synchronous is None else f"{lib_url}?synchronous={synchronous}"
        svc = data.service(url, branches * per_branch, branches)
        created = svc.schedule(data.OFFICE, data.MONTH).created
        pragmas = floor.sqlite_pragmas(svc.store)
        peer = make(_path(peer_url), created, pragmas)
        groups = _by_reviewer(created)
        warm_up, bulks = groups[0], iter(groups[1 : 2 * runs + 1])
        singles = iter([r for g in groups[2 * runs + 1 :] for r in g])

        def lib_single() -> float:
            batch = [next(singles) for _ in range(size.steps)]
            return per_second(len(batch), lambda: [svc.start(r.reviewer_id, r.id) for r in batch])

        def peer_single() -> float:
            batch = [next(singles) for _ in range(size.steps)]
            return per_second(len(batch), lambda: [peer.step(r.reviewer_id, r.id) for r in batch])

        def lib_bulk() -> float:
            return _lib_bulk(svc, next(bulks))

        def peer_bulk() -> float:
            batch = next(bulks)
            ids = [r.id for r in batch]
            return per_second(len(ids), lambda: peer.bulk(batch[0].reviewer_id, ids))

        for r in warm_up[:warm]:
            svc.start(r.reviewer_id, r.id)
        for r in warm_up[warm : 2 * warm]:
            peer.step(r.reviewer_id, r.id)
        _lib_bulk(svc, warm_up[2 * warm : 3 * warm])
        peer.bulk(warm_up[0].reviewer_id, [r.id for r in warm_up[3 * warm : 4 * warm]])

        one = interleave(lib_single, peer_single, runs)
        many = interleave(lib_bulk, peer_bulk, runs)
        written = peer.audit_rows()
        assert written == 2 * warm + runs * (size.steps + size.bulk), written
        peer.close()
        svc.store.close()
    return [
        Figure(f"peer: {name}, one step", "sqlite", "steps/s", *one, target=1.0,
               note=peer.version),
        Figure(f"peer: {name}, bulk", "sqlite", "steps/s", *many, target=1.0,
               note=f"{size.bulk:,} reviews; {peer.version}"),
    ]  # fmt: skip


def _lib_bulk(svc: rf.ReviewService, batch: Sequence[rf.Review]) -> float:
    ids = [r.id for r in batch]
    results: list[rf.StepResult] = []
    speed = per_second(
        len(ids), lambda: results.extend(svc.take_many(batch[0].reviewer_id, TRIGGER, ids))
    )
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:1]
    return speed


def _by_reviewer(reviews: Sequence[rf.Review]) -> list[list[rf.Review]]:
    groups: dict[str, list[rf.Review]] = {}
    for review in reviews:
        groups.setdefault(review.reviewer_id, []).append(review)
    return [groups[k] for k in sorted(groups)]


def _path(url: str) -> Path:
    return Path(url.split("://", 1)[1][1:])


def _clock() -> datetime:
    return data.MOMENT  # the library's service runs on the same fixed clock


def _review_rows(reviews: Sequence[rf.Review]) -> list[tuple[object, ...]]:
    return [
        (r.id, r.kind.value, r.reviewer_id, r.subject_id, str(r.period), r.org_id,
         r.state.value, r.version)
        for r in reviews
    ]  # fmt: skip


def _fill(path: Path, reviews: Sequence[rf.Review]) -> None:
    """Load the reviews into the peer's (already created) table: set-up, not timed."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO reviews (id, kind, reviewer_id, subject_id, period, org_id, state, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        _review_rows(reviews),
    )
    conn.execute("COMMIT")
    conn.close()


class Refused(Exception):
    """A peer's own refusal: the actor is not the review's reviewer, or the row is missing."""


# -- transitions + SQLAlchemy -----------------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class SaReview(_Base):
    """A review row; ``version`` is the ORM's optimistic lock."""

    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    reviewer_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(8))
    org_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column()
    __table_args__ = (
        UniqueConstraint("reviewer_id", "kind", "subject_id", "period"),
        Index("reviews_by_reviewer", "reviewer_id", "state"),
    )
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class SaAudit(_Base):
    """One row per step taken."""

    __tablename__ = "audit"
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))


class TransitionsSqlAlchemy:
    """transitions with the state kept in a SQLAlchemy 2 ORM model."""

    def __init__(self, path: Path, reviews: Sequence[rf.Review], pragmas: Pragmas) -> None:
        self.version = f"transitions {version('transitions')}, SQLAlchemy {version('SQLAlchemy')}"
        self.engine = create_engine(f"sqlite:///{path}")

        @event.listens_for(self.engine, "connect")
        def connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            for pragma, value in pragmas.items():
                dbapi_connection.execute(f"PRAGMA {pragma} = {value}")

        @event.listens_for(self.engine, "begin")
        def begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        _Base.metadata.create_all(self.engine)
        _fill(path, reviews)
        self.sessions = sessionmaker(self.engine)
        self.machine = Machine(**peer_machines.transitions_config())

    def step(self, actor: str, review_id: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(SaReview, review_id)
            if row is None or row.reviewer_id != actor:
                raise Refused(review_id)
            before = row.state
            self.machine.add_model(row, initial=before)
            try:
                row.trigger(TRIGGER)  # MachineError when the state does not allow it
            finally:
                self.machine.remove_model(row)
            session.flush()  # UPDATE … WHERE version = ?: StaleDataError if it moved meanwhile
            session.add(
                SaAudit(review_id=row.id, seq=row.version, at=_clock(), actor_id=actor,
                        action=TRIGGER, from_state=before, to_state=row.state)
            )  # fmt: skip

    def bulk(self, actor: str, review_ids: Sequence[str]) -> None:
        with self.sessions.begin() as session:
            rows = session.scalars(select(SaReview).where(SaReview.id.in_(review_ids))).all()
            if len(rows) != len(review_ids):
                raise Refused("a review is missing")
            moved: list[tuple[SaReview, str]] = []
            for row in rows:
                if row.reviewer_id != actor:
                    raise Refused(row.id)
                before = row.state
                self.machine.add_model(row, initial=before)
                try:
                    row.trigger(TRIGGER)
                finally:
                    self.machine.remove_model(row)
                moved.append((row, before))
            session.flush()
            session.add_all(
                SaAudit(review_id=row.id, seq=row.version, at=_clock(), actor_id=actor,
                        action=TRIGGER, from_state=before, to_state=row.state)
                for row, before in moved
            )  # fmt: skip

    def audit_rows(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(SaAudit)) or 0

    def close(self) -> None:
        self.engine.dispose()


# -- django-fsm-2 -----------------------------------------------------------------------------


class DjangoFsm:
    """django-fsm-2 on the Django ORM."""

    def __init__(self, path: Path, reviews: Sequence[rf.Review], pragmas: Pragmas) -> None:
        self.version = f"django-fsm-2 {version('django-fsm-2')}, Django {version('Django')}"
        peer_django.use_database(
            path, journal_mode=str(pragmas["journal_mode"]), synchronous=int(pragmas["synchronous"])
        )
        from django.db import connection, transaction  # noqa: PLC0415 - once Django is set up

        from benchmarks.peer_django.models import AuditRow, Review  # noqa: PLC0415

        self.atomic = transaction.atomic
        self.review = Review
        self.audit = AuditRow
        with connection.schema_editor() as editor:
            editor.create_model(Review)
            editor.create_model(AuditRow)
        _fill(path, reviews)

    def step(self, actor: str, review_id: str) -> None:
        with self.atomic():
            review = self.review.objects.get(pk=review_id)
            if review.reviewer_id != actor:
                raise Refused(review_id)
            before = review.state
            getattr(review, TRIGGER)()  # TransitionNotAllowed when the state does not allow it
            review.save()  # UPDATE … WHERE state = <as loaded>: ConcurrentTransition if it moved
            self.audit.objects.create(
                review=review, seq=review.version, at=_clock(), actor_id=actor, action=TRIGGER,
                from_state=before, to_state=review.state,
            )  # fmt: skip

    def bulk(self, actor: str, review_ids: Sequence[str]) -> None:
        with self.atomic():
            reviews = self.review.objects.in_bulk(review_ids)
            if len(reviews) != len(review_ids):
                raise Refused("a review is missing")
            rows = []
            for review_id in review_ids:
                review = reviews[review_id]
                if review.reviewer_id != actor:
                    raise Refused(review_id)
                before = review.state
                getattr(review, TRIGGER)()
                review.save()
                rows.append(
                    self.audit(
                        review=review, seq=review.version, at=_clock(), actor_id=actor,
                        action=TRIGGER, from_state=before, to_state=review.state,
                    )
                )  # fmt: skip
            self.audit.objects.bulk_create(rows)

    def audit_rows(self) -> int:
        count: int = self.audit.objects.count()
        return count

    def close(self) -> None:
        from django.db import connections  # noqa: PLC0415

        connections.close_all()


# -- python-statemachine + sqlite3 ------------------------------------------------------------


class StateMachineReview:
    """The model a python-statemachine machine moves: the row's fields, ``state`` among them."""

    __slots__ = ("id", "reviewer_id", "state", "version")

    def __init__(self, id_: str, reviewer_id: str, state: str, version_: int) -> None:
        self.id = id_
        self.reviewer_id = reviewer_id
        self.state = state
        self.version = version_


class Conflict(Exception):
    """Another writer changed a review between its read and its write."""


class StateMachineSqlite:
    """python-statemachine with the state saved by plain sqlite3."""

    _UPDATE = "UPDATE reviews SET state = ?, version = ? WHERE id = ? AND version = ?"
    _INSERT = "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)"

    def __init__(self, path: Path, reviews: Sequence[rf.Review], pragmas: Pragmas) -> None:
        self.version = f"python-statemachine {version('python-statemachine')}"
        self.machine = peer_machines.statemachine_class()
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma, value in pragmas.items():
            self.conn.execute(f"PRAGMA {pragma} = {value}")
        self.conn.executescript(
            """
            CREATE TABLE reviews (
                id VARCHAR(64) PRIMARY KEY, kind VARCHAR(16) NOT NULL,
                reviewer_id VARCHAR(64) NOT NULL, subject_id VARCHAR(64) NOT NULL,
                period VARCHAR(8) NOT NULL, org_id VARCHAR(64) NOT NULL,
                state VARCHAR(16) NOT NULL, version INTEGER NOT NULL,
                UNIQUE (reviewer_id, kind, subject_id, period));
            CREATE INDEX reviews_by_reviewer ON reviews (reviewer_id, state);
            CREATE TABLE audit (
                review_id VARCHAR(64) NOT NULL REFERENCES reviews (id), seq INTEGER NOT NULL,
                at VARCHAR(40) NOT NULL, actor_id VARCHAR(64) NOT NULL,
                action VARCHAR(40) NOT NULL, from_state VARCHAR(16) NOT NULL,
                to_state VARCHAR(16) NOT NULL, PRIMARY KEY (review_id, seq));
            """
        )
        _fill(path, reviews)

    def _move(self, model: StateMachineReview, actor: str) -> tuple[object, ...]:
        if model.reviewer_id != actor:
            raise Refused(model.id)
        before = model.state
        self.machine(model).send(TRIGGER)  # TransitionNotAllowed when the state does not allow
        return (model.id, model.version + 1, _clock().isoformat(), actor, TRIGGER, before,
                model.state)  # fmt: skip

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def step(self, actor: str, review_id: str) -> None:
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT id, reviewer_id, state, version FROM reviews WHERE id = ?", (review_id,)
            ).fetchone()
            if row is None:
                raise Refused(review_id)
            model = StateMachineReview(*row)
            audit = self._move(model, actor)
            moved = conn.execute(self._UPDATE, (model.state, audit[1], model.id, model.version))
            if moved.rowcount != 1:
                raise Conflict(review_id)
            conn.execute(self._INSERT, audit)

    def bulk(self, actor: str, review_ids: Sequence[str]) -> None:
        with self._transaction() as conn:
            rows = conn.execute(
                f"SELECT id, reviewer_id, state, version FROM reviews "
                f"WHERE id IN ({', '.join('?' * len(review_ids))})",
                list(review_ids),
            ).fetchall()
            if len(rows) != len(review_ids):
                raise Refused("a review is missing")
            models = [StateMachineReview(*row) for row in rows]
            audits = [self._move(model, actor) for model in models]
            moved = conn.executemany(
                self._UPDATE,
                [(m.state, a[1], m.id, m.version) for m, a in zip(models, audits, strict=True)],
            )
            if moved.rowcount != len(models):
                raise Conflict("a review moved meanwhile")
            conn.executemany(self._INSERT, audits)

    def audit_rows(self) -> int:
        count: int = self.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        return count

    def close(self) -> None:
        self.conn.close()


PEERS: dict[str, PeerFactory] = {
    "transitions + SQLAlchemy": TransitionsSqlAlchemy,
    "django-fsm-2": DjangoFsm,
    "python-statemachine + sqlite3": StateMachineSqlite,
}


if __name__ == "__main__":
    chosen = SIZES[sys.argv[1] if len(sys.argv) > 1 else "tiny"]
    print("\n".join(table(run(chosen))))
