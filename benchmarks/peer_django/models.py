"""The django-fsm-2 peer's models: reviews whose state is a protected ``FSMField``, guarded by
``ConcurrentTransitionMixin``, and one audit row per step.

The ``@transition`` methods are the library's workflow, read off ``reviewflow.WORKFLOW`` (every
trigger with its sources and destination; a step that stays in its state has ``target=None``),
so the peer's machine is the same size as the library's. Each step's method bumps ``version``,
the audit row's sequence number, as the library's history does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

import reviewflow as rf


def _step_method(step: rf.Step) -> Callable[[Any], None]:
    def method(self: Any) -> None:
        self.version += 1

    method.__name__ = method.__qualname__ = step.trigger
    return transition(
        field="state",
        source=[s.value for s in step.sources],
        target=step.dest.value if step.dest is not None else None,
    )(method)


class _ReviewMeta:
    db_table = "reviews"
    constraints = (
        models.UniqueConstraint(
            fields=["reviewer_id", "kind", "subject_id", "period"], name="reviews_one_per_slot"
        ),
    )
    indexes = (models.Index(fields=["reviewer_id", "state"], name="reviews_by_reviewer"),)


Review: Any = type(
    "Review",
    (ConcurrentTransitionMixin, models.Model),
    {
        "__module__": __name__,
        "__doc__": "A review row; its state moves only through the @transition methods.",
        "id": models.CharField(primary_key=True, max_length=64),
        "kind": models.CharField(max_length=16),
        "reviewer_id": models.CharField(max_length=64),
        "subject_id": models.CharField(max_length=64),
        "period": models.CharField(max_length=8),
        "org_id": models.CharField(max_length=64),
        "state": FSMField(default=rf.WORKFLOW.initial.value, max_length=16, protected=True),
        "version": models.IntegerField(default=0),
        "Meta": _ReviewMeta,
        **{t: _step_method(s) for t, s in rf.WORKFLOW.steps.items()},
    },
)


class AuditRow(models.Model):
    """One row per step taken: who moved which review from where to where, and when."""

    # The unique (review, seq) index serves every lookup by review: no second index on it.
    review = models.ForeignKey(Review, on_delete=models.DO_NOTHING, db_index=False)
    seq = models.IntegerField()
    at = models.DateTimeField()
    actor_id = models.CharField(max_length=64)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)

    class Meta:
        db_table = "audit"
        constraints = (models.UniqueConstraint(fields=["review", "seq"], name="audit_one_per_seq"),)
