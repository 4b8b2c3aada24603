"""Copying a store: moving from SQLite to PostgreSQL, or a backup. Batched, resumable, verified."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from reviewflow.domain.review import Review
from reviewflow.store.base import ChangeSet, ReviewQuery, Store

__all__ = ["CopyReport", "copy_store"]


@attrs.frozen
class CopyReport:
    """What :func:`copy_store` copied and what it found when it compared both stores."""

    reviews_copied: int
    """Reviews written to the target by this run; those it held already (a resumed copy) are
    not counted."""
    reviews_total: int
    """Reviews in the source, copied now or before."""
    history_entries: int
    """History entries copied with this run's reviews (each review goes with its whole
    history)."""
    attempts_copied: int
    """Entries of the attempt log (refused actions) copied by this run."""
    orders_copied: int
    """Supervision orders (责令限期整改) copied by this run."""
    exemplars_copied: int
    """Exemplars (典型) copied by this run."""
    verified: bool
    """True when the comparison after the copy found both stores alike: the roster, every
    review and its history digests, every count; ``differences`` is then empty."""
    differences: tuple[str, ...] = ()
    """What the comparison found different, one English sentence each (``review review-7: the
    history digests differ``); empty when ``verified``."""
    office_records_copied: int = 0
    """Inspections, exemplars' publicity and yearly summaries submitted."""


def copy_store(
    source: Store | str,
    target: Store | str,
    *,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> CopyReport:
    """Copy everything from ``source`` to ``target``, then verify the copy.

    Stores or URLs (``open_store`` opens a URL, and the copy closes what it opened). The roster
    goes first, then the reviews with their whole history in batches of ``batch_size``, each
    batch in one transaction, then the attempt log, the orders, the exemplars and the office's
    other records (inspections, publicity, summaries submitted). What the
    target has already (an interrupted copy) is skipped, so running it again resumes.
    Afterwards every count and every history digest is compared; ``verified`` says they matched
    and ``differences`` names what did not. ``progress(done, total)`` hears of each batch.
    """
    from reviewflow.store import open_store  # noqa: PLC0415 - the package imports this module

    src = open_store(source) if isinstance(source, str) else source
    dst = open_store(target) if isinstance(target, str) else target
    try:
        return _copy(src, dst, batch_size=batch_size, progress=progress)
    finally:
        if isinstance(target, str):
            dst.close()
        if isinstance(source, str):
            src.close()


def _copy(
    src: Store, dst: Store, *, batch_size: int, progress: Callable[[int, int], None] | None
) -> CopyReport:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    roster = src.roster()
    dst.apply(ChangeSet(roster=tuple(roster.records())))
    reviews = src.reviews(ReviewQuery())
    present = {r.id for r in dst.reviews(ReviewQuery())}
    todo: list[Review] = [r for r in reviews if r.id not in present]
    copied = entries = 0
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        imported = tuple((r, tuple(src.history(r.id))) for r in batch)
        applied = dst.apply(ChangeSet(imported=imported))
        copied += len(applied.inserted)
        entries += sum(len(h) for _, h in imported)
        if progress is not None:
            progress(len(present) + start + len(batch), len(reviews))
    known_attempts = {a.id for a in dst.attempts()}
    attempts = tuple(a for a in src.attempts() if a.id not in known_attempts)
    known_orders = {o.id for o in dst.orders()}
    orders = tuple(o for o in src.orders() if o.id not in known_orders)
    known_exemplars = {e.id for e in dst.exemplars()}
    exemplars = tuple(e for e in src.exemplars() if e.id not in known_exemplars)
    held, have = src.office_records(), dst.office_records()
    known_inspections = {i.id for i in have.inspections}
    inspections = tuple(i for i in held.inspections if i.id not in known_inspections)
    known_publicity = {p.id for p in have.exemplar_publicity}
    publicity = tuple(p for p in held.exemplar_publicity if p.id not in known_publicity)
    known_submissions = {(s.org_id, s.year) for s in have.submissions}
    submissions = tuple(s for s in held.submissions if (s.org_id, s.year) not in known_submissions)
    dst.apply(
        ChangeSet(
            attempts=attempts,
            imported_orders=orders,
            exemplars=exemplars,
            inspections=inspections,
            exemplar_publicity=publicity,
            submissions=submissions,
        )
    )
    differences = _compare(src, dst)
    return CopyReport(
        reviews_copied=copied,
        reviews_total=len(reviews),
        history_entries=entries,
        attempts_copied=len(attempts),
        orders_copied=len(orders),
        exemplars_copied=len(exemplars),
        verified=not differences,
        differences=tuple(differences),
        office_records_copied=len(inspections) + len(publicity) + len(submissions),
    )


def _compare(src: Store, dst: Store) -> list[str]:
    out: list[str] = []
    if dict(src.roster().members) != dict(dst.roster().members) or dict(
        src.roster().organizations
    ) != dict(dst.roster().organizations):
        out.append("the rosters differ")
    left = {r.id: r for r in src.reviews(ReviewQuery())}
    right = {r.id: r for r in dst.reviews(ReviewQuery())}
    if len(left) != len(right):
        out.append(f"reviews: {len(left)} in the source, {len(right)} in the copy")
    for review_id, review in left.items():
        copy = right.get(review_id)
        if copy != review:
            out.append(f"review {review_id}: missing or different in the copy")
            continue
        mine = [e.digest for e in src.history(review_id)]
        theirs = [e.digest for e in dst.history(review_id)]
        if mine != theirs:
            out.append(f"review {review_id}: the history digests differ")
    held, have = src.office_records(), dst.office_records()
    for name, a, b in (
        ("attempts", len(src.attempts()), len(dst.attempts())),
        ("orders", len(src.orders()), len(dst.orders())),
        ("exemplars", len(src.exemplars()), len(dst.exemplars())),
        *(
            (name, len(getattr(held, name)), len(getattr(have, name)))
            for name in ("inspections", "exemplar_publicity", "submissions")
        ),
    ):
        if a != b:
            out.append(f"{name}: {a} in the source, {b} in the copy")
    return out
