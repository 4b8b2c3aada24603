"""The errors reviewflow raises: one tree, each carrying the data a caller needs.

::

    ReviewflowError
    ├── InvalidInput (ValueError)            bad data where it enters: .field, .value, .reason
    │   ├── InvalidPeriod                    a period that does not parse: .text
    │   ├── InvalidDeadline                  a deadline that does not parse: .text
    │   ├── InvalidPolicy                    a bad policy file: .key, .reason, .source
    │   └── InvalidCalendar                  a bad holiday calendar file: .key, .reason, .source
    ├── CalendarDataMissing (LookupError)    working days in a year no holiday data covers: .year
    ├── NotFound (LookupError)               no such record: .kind, .key
    ├── RosterConflict                       a roster change the roster refuses: .reason, .blocking
    ├── OutOfScope (PermissionError)         R-SCOPE-4: .actor, .subject, .action
    ├── WorkflowError
    │   ├── InvalidDefinition (ValueError)   a workflow definition refused when built: .problem,
    │   │                                    .names
    │   └── StepRefused                      a step out of order or missing a prerequisite:
    │       │                                .review_id, .trigger, .next_steps (R-LIVE)
    │       ├── TransitionNotAllowed         the step is not open in this state: .state
    │       └── GuardFailed                  a guard of R-STEP-1..4 holds the step: .guard,
    │                                        .reason, .missing
    └── StoreError
        ├── ConcurrencyConflict              a stale write: .review_id, .expected, .actual
        ├── IntegrityError                   a write the store's constraints refuse: .reason
        └── StoreUnavailable                 the store cannot be opened: .url (no password)

Every message says what went wrong and what to do about it, in plain words. Refused steps leave the
data as it was; only the attempt log (R-AUDIT) records them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

__all__ = [
    "CalendarDataMissing",
    "ConcurrencyConflict",
    "GuardFailed",
    "IntegrityError",
    "InvalidCalendar",
    "InvalidDeadline",
    "InvalidDefinition",
    "InvalidInput",
    "InvalidPeriod",
    "InvalidPolicy",
    "NextStep",
    "NotFound",
    "OutOfScope",
    "ReviewflowError",
    "RosterConflict",
    "StepRefused",
    "StoreError",
    "StoreUnavailable",
    "TransitionNotAllowed",
    "WorkflowError",
]


class ReviewflowError(Exception):
    """The root of every error reviewflow raises on purpose.

    Each kind of refusal has a stable :attr:`code` (``out_of_scope``, ``guard_failed`` ...) and
    carries its data as :attr:`params`, so that a host can key its own texts and handling on
    them; :attr:`message_en` is the library's sentence.
    """

    code: ClassVar[str] = "reviewflow_error"
    """The kind of refusal, stable across versions: the class's name in snake case."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__.lstrip("_")).lower()

    @property
    def params(self) -> dict[str, Any]:
        """The data this error carries (:meth:`details`)."""
        return self.details()

    @property
    def message_en(self) -> str:
        """The library's sentence in English: what is wrong and what to do."""
        return str(self)

    def details(self) -> dict[str, Any]:
        """The data this error carries, as a plain mapping (for logs and the attempt log)."""
        return {}


class InvalidInput(ReviewflowError, ValueError):
    """A value that cannot be accepted where it enters the library."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason} (got {value!r})")

    def details(self) -> dict[str, Any]:
        return {"field": self.field, "value": repr(self.value), "reason": self.reason}


class InvalidPeriod(InvalidInput):
    """A period that does not parse. Periods read ``2023-11``, ``2023-Q4`` or ``2023``."""

    def __init__(self, text: object, reason: str | None = None) -> None:
        self.text = text
        super().__init__(
            "period",
            text,
            reason
            or "a period is written as a month '2023-11', a quarter '2023-Q4' or a year '2023'",
        )


class InvalidDeadline(InvalidInput):
    """A deadline that does not parse."""

    def __init__(self, text: object, reason: str | None = None) -> None:
        self.text = text
        super().__init__(
            "deadline",
            text,
            reason
            or "a deadline is written as a date '2023-12-30', a day of the year '12-30', "
            "'10 working days' or '15 calendar days'",
        )


class _InvalidFile(InvalidInput):
    """A file (or mapping) of settings that cannot be used: ``key`` is the dotted place in it,
    ``source`` the file. Nothing of it is applied. Each kind says what it is and what to do."""

    place = "key"
    remedy = "fix the file and load it again"

    def __init__(self, key: str, reason: str, *, value: object = None, source: str = "") -> None:
        self.key = key
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(key, value, reason)
        self.args = (f"{self.place} {key!r}{where}: {reason}; {self.remedy}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def details(self) -> dict[str, Any]:
        return {"key": self.key, "reason": self.reason, "source": self.source}


class InvalidPolicy(_InvalidFile):
    """A policy file or mapping that cannot be used. Nothing of it is applied."""

    place = "policy key"
    remedy = "fix the policy file and load it again"


class InvalidCalendar(_InvalidFile):
    """A holiday calendar file (later years' holidays and 调休 workdays) that cannot be used:
    ``key`` is the dotted place in it (``2027.workdays``). Nothing of it is applied."""

    place = "holiday calendar"


class CalendarDataMissing(ReviewflowError, LookupError):
    """Working days were asked for a year no holiday data covers (R-DEADLINE): ``year``, the
    packaged data's ``first`` and ``last`` year, and the ``supplied`` years of a calendar file."""

    def __init__(self, year: int, first: int, last: int, supplied: Sequence[int] = ()) -> None:
        self.year = year
        self.first = first
        self.last = last
        self.supplied = tuple(sorted(supplied))
        more = f", a calendar file {', '.join(map(str, self.supplied))}" if self.supplied else ""
        super().__init__(
            f"no holiday data for {year} (the packaged data covers {first}-{last}{more}): "
            f"supply {year}'s holidays and 调休 workdays in a calendar file (docs/concepts.md, "
            "'Holidays of later years'), named by the policy's [calendar] holidays, the command "
            "line's --calendar or ReviewService(calendar=rf.HolidayCalendar.load(path)); "
            "or give the deadline as a date"
        )

    def details(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "first": self.first,
            "last": self.last,
            "supplied": list(self.supplied),
        }


class NotFound(ReviewflowError, LookupError):
    """No record of this kind with this key."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r}; check the id, or list what exists first")

    def details(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": repr(self.key)}


class RosterConflict(ReviewflowError):
    """A roster change that would leave the roster inconsistent."""

    def __init__(self, reason: str, blocking: Sequence[str] = ()) -> None:
        self.reason = reason
        self.blocking = tuple(blocking)
        names = f" ({', '.join(self.blocking)})" if self.blocking else ""
        super().__init__(f"{reason}{names}")

    def details(self) -> dict[str, Any]:
        return {"reason": self.reason, "blocking": list(self.blocking)}


class OutOfScope(ReviewflowError, PermissionError):
    """R-SCOPE-4: the actor may not do this to this subject. Nothing was written."""

    def __init__(self, actor: str, subject: str, action: str, reason: str = "") -> None:
        self.actor = actor
        self.subject = subject
        self.action = action
        self.reason = reason
        why = f": {reason}" if reason else ""
        super().__init__(
            f"{actor!r} may not {action} for {subject!r}{why}; "
            "ask the reviewer, the subject or the office whose part this is"
        )

    def details(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "subject": self.subject,
            "action": self.action,
            "reason": self.reason,
        }


class WorkflowError(ReviewflowError):
    """A step of the four-step workflow that cannot be taken now."""


class InvalidDefinition(WorkflowError, ValueError):
    """A workflow definition that cannot be used, refused when it is built: ``problem`` says
    what is wrong, ``names`` which states, steps, guards, effects or payload rules."""

    def __init__(self, problem: str, names: Sequence[object] = ()) -> None:
        self.problem = problem
        self.names = tuple(str(getattr(n, "value", n)) for n in names)
        named = f": {', '.join(self.names)}" if self.names else ""
        super().__init__(f"the workflow definition is refused: {problem}{named}")

    def details(self) -> dict[str, Any]:
        return {"problem": self.problem, "names": list(self.names)}


class NextStep(NamedTuple):
    """A step that would unblock a refused one, and who takes it (R-LIVE)."""

    trigger: str
    by: tuple[str, ...]
    """The parties who take it: ``reviewer``, ``subject``, ``form_filler``, ``office``."""
    label_zh: str
    label_en: str

    def describe(self) -> str:
        """The step and its parties, as a message names them: ``conclude_review (reviewer)``."""
        return f"{self.trigger} ({' or '.join(self.by)})"

    def details(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "by": list(self.by),
            "label_zh": self.label_zh,
            "label_en": self.label_en,
        }


class StepRefused(WorkflowError):
    """A step out of order or missing a prerequisite (R-STEP-1..4, R-LIVE), refused the same
    way wherever it happens: ``next_steps`` names the steps that would unblock it and who takes
    them (empty only when the review has ended)."""

    review_id: str
    trigger: str
    next_steps: tuple[NextStep, ...]

    @staticmethod
    def _then(next_steps: Sequence[NextStep]) -> str:
        if not next_steps:
            return ""
        return "; next: " + ", ".join(step.describe() for step in next_steps)


class TransitionNotAllowed(StepRefused):
    """The step (trigger) is not open in the review's current state."""

    def __init__(
        self,
        review_id: str,
        state: str,
        trigger: str,
        allowed: Sequence[str] = (),
        *,
        next_steps: Sequence[NextStep] = (),
    ) -> None:
        self.review_id = review_id
        self.state = state
        self.trigger = trigger
        self.allowed = tuple(allowed)
        self.next_steps = tuple(next_steps)
        open_now = ", ".join(self.allowed) or "none: the review has ended"
        super().__init__(
            f"review {review_id!r} is {state!r}: {trigger!r} is not open there "
            f"(open now: {open_now}){self._then(self.next_steps)}"
        )

    def details(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "state": self.state,
            "trigger": self.trigger,
            "allowed": list(self.allowed),
            "next_steps": [step.details() for step in self.next_steps],
        }


class GuardFailed(StepRefused):
    """A guard of R-STEP-1..4 holds the step; ``missing`` names what to record first, and
    ``next_steps`` the steps that record it and who takes them.

    ``missing_zh`` says the same in Chinese, for the people who use the host system.
    """

    def __init__(
        self,
        review_id: str,
        trigger: str,
        guard: str,
        reason: str,
        missing: Sequence[str] = (),
        *,
        missing_zh: Sequence[str] = (),
        next_steps: Sequence[NextStep] = (),
    ) -> None:
        self.review_id = review_id
        self.trigger = trigger
        self.guard = guard
        self.reason = reason
        self.missing = tuple(missing)
        self.missing_zh = tuple(missing_zh) or self.missing
        self.next_steps = tuple(next_steps)
        todo = f"; record first: {', '.join(self.missing)}" if self.missing else ""
        super().__init__(
            f"review {review_id!r}: {trigger!r} refused by guard {guard!r}: {reason}{todo}"
            f"{self._then(self.next_steps)}"
        )

    def details(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "trigger": self.trigger,
            "guard": self.guard,
            "reason": self.reason,
            "missing": list(self.missing),
            "missing_zh": list(self.missing_zh),
            "next_steps": [step.details() for step in self.next_steps],
        }


class StoreError(ReviewflowError):
    """The store could not do what was asked."""


class ConcurrencyConflict(StoreError):
    """Someone else changed the record since it was read. Nothing was written: read it again."""

    def __init__(self, review_id: str, expected: int, actual: int | None) -> None:
        self.review_id = review_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"review {review_id!r} is at version {actual}, not {expected}: someone changed it "
            "since you read it; nothing was written, read it again and retry"
        )

    def details(self) -> dict[str, Any]:
        return {"review_id": self.review_id, "expected": self.expected, "actual": self.actual}


class IntegrityError(StoreError):
    """A write the store's constraints refuse (a duplicate key, a missing reference)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}; nothing was written")

    def details(self) -> dict[str, Any]:
        return {"reason": self.reason}


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached. ``url`` never carries a password."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"store {url} is unavailable: {reason}")

    def details(self) -> dict[str, Any]:
        return {"url": self.url, "reason": self.reason}
