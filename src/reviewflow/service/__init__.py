"""The application service: :class:`ReviewService` and what its operations return."""

from reviewflow.domain.verification import Tampering, verify_history
from reviewflow.service._async import AsyncReviewService
from reviewflow.service._core import sequential_ids
from reviewflow.service._facade import ReviewService
from reviewflow.service._kernel import StepResult
from reviewflow.service._reads import WorkItem
from reviewflow.service._roster import Handover
from reviewflow.service._scheduling import ScheduleResult

__all__ = [
    "AsyncReviewService",
    "Handover",
    "ReviewService",
    "ScheduleResult",
    "StepResult",
    "Tampering",
    "WorkItem",
    "sequential_ids",
    "verify_history",
]
