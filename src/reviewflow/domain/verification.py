"""Tamper checks (R-AUDIT): a review's history is an untouched hash chain that replays to it."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from reviewflow.domain.review import HistoryEntry, Review
from reviewflow.domain.workflow import WORKFLOW, WorkflowDefinition
from reviewflow.errors import ReviewflowError

__all__ = ["Tampering", "verify_history"]


@attrs.frozen
class Tampering:
    """A place where a review's record is not what the library wrote (R-AUDIT).

    ``seq`` names the history entry (None when the review as a whole is concerned).
    """

    review_id: str
    """The review whose record is concerned ("" for a history with no entries and no review)."""
    seq: int | None
    """The history entry's sequence number (1 for the first), or None when the review as a
    whole is concerned: no history, a history that does not replay, a review that differs
    from it."""
    problem: str
    """What is wrong, in English: ``the entry was edited``, ``entries 3-4 are missing``, ``the
    entry does not follow the one before it``, ``the review differs from what its history
    says``..."""


def verify_history(
    review: Review | None,
    history: Sequence[HistoryEntry],
    workflow: WorkflowDefinition = WORKFLOW,
) -> list[Tampering]:
    """Where ``history`` is not an untouched chain that replays (by ``workflow``) to ``review``."""
    review_id = review.id if review is not None else (history[0].review_id if history else "")
    if not history:
        return [Tampering(review_id, None, "the review has no history")]
    found: list[Tampering] = []
    previous = ""
    expected_seq = 1
    for entry in history:
        if entry.seq != expected_seq:
            missing = (
                f"{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"{expected_seq}-{entry.seq - 1}"
            )
            found.append(Tampering(review_id, entry.seq, f"entries {missing} are missing"))
        expected_seq = entry.seq + 1
        if entry.compute_digest() != entry.digest:
            found.append(Tampering(review_id, entry.seq, "the entry was edited"))
        if entry.prev_digest != previous:
            found.append(
                Tampering(review_id, entry.seq, "the entry does not follow the one before it")
            )
        previous = entry.digest
    try:
        replayed = workflow.replay(history)
    except (ReviewflowError, KeyError, ValueError, TypeError) as error:
        found.append(Tampering(review_id, None, f"the history does not replay: {error}"))
        return found
    if review is not None and replayed != review:
        found.append(Tampering(review_id, None, "the review differs from what its history says"))
    return found
