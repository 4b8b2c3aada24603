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

Every message says what went wrong and what to do about it, in plain words, in English
(``message_en``, ``str(error)``) and in Chinese (``message_zh``). A free-text reason is a keyed
:class:`~reviewflow.reasons.Reason` of the catalogue in :mod:`reviewflow.reasons`: ``reason`` is its
English sentence, ``reason_key`` its key (also in ``params``). Refused steps leave the data as it
was; only the attempt log (R-AUDIT) records them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar, NamedTuple

from reviewflow.reasons import Reason, field_zh, kind_zh, phrase_zh

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
    them; :attr:`message_en` and :attr:`message_zh` are the library's sentences.
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

    @property
    def message_zh(self) -> str:
        """The library's sentence in Chinese, for the people who use the host system: it names
        the object (the review, the member, the field ...) and says what to do."""
        return self._zh()

    def _zh(self) -> str:
        return "操作未能完成，未作任何更改。"

    def details(self) -> dict[str, Any]:
        """The data this error carries, as a plain mapping (for logs and the attempt log)."""
        return {}


class _Reasoned:
    """An error with a reason: ``reason`` is its English sentence, ``because`` the keyed
    :class:`~reviewflow.reasons.Reason` (None for a plain text, a host's own) and ``reason_key``
    its key."""

    reason: str
    because: Reason | None
    reason_key: str | None

    def _set_reason(self, reason: str | Reason) -> None:
        self.reason = str(reason)
        self.because = reason if isinstance(reason, Reason) else None
        self.reason_key = self.because.key if self.because else None

    @property
    def reason_zh(self) -> str:
        """``reason`` in Chinese (a plain-text reason, a host's own, as it is)."""
        return self.because.zh if self.because else self.reason

    def _reason_details(self) -> dict[str, Any]:
        if self.because is None:
            return {"reason_key": None, "reason_params": {}}
        return {"reason_key": self.because.key, "reason_params": self.because.plain_params()}


def _shown_zh(value: object) -> str:
    """A value the user gave, as a Chinese sentence quotes it."""
    if value is None or value == "":
        return "空白"
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def _ended(sentence: str) -> str:
    return sentence if sentence.endswith(("。", "！", "？")) else sentence + "。"


class InvalidInput(_Reasoned, ReviewflowError, ValueError):
    """A value that cannot be accepted where it enters the library."""

    def __init__(self, field: str, value: object, reason: str | Reason) -> None:
        self.field = field
        """What was refused: an argument's or a form field's name (``period``, ``reason``),
        dotted for a part of a record (``organization.name``); ``message_zh`` names it in
        Chinese."""
        self.value = value
        """The value as it was given, of whatever type (``params`` holds its ``repr``)."""
        self._set_reason(reason)
        super().__init__(f"{field}: {self.reason} (got {value!r})")

    def _zh(self) -> str:
        why = self.because.zh if self.because else "不能接受，请改正后重试"
        return _ended(f"“{field_zh(self.field)}”填写有误：{why}（填写的是{_shown_zh(self.value)}）")

    def details(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": repr(self.value),
            "reason": self.reason,
            **self._reason_details(),
        }


class InvalidPeriod(InvalidInput):
    """A period that does not parse. Periods read ``2023-11``, ``2023-Q4`` or ``2023``."""

    def __init__(self, text: object, reason: str | Reason | None = None) -> None:
        self.text = text
        """What was given for the period, as it was (a string, or whatever else came)."""
        super().__init__("period", text, reason or Reason("period_forms"))


class InvalidDeadline(InvalidInput):
    """A deadline that does not parse."""

    def __init__(self, text: object, reason: str | Reason | None = None) -> None:
        self.text = text
        """What was given for the deadline, as it was: neither a date nor a duration in
        calendar or working days."""
        super().__init__("deadline", text, reason or Reason("deadline_forms"))


class _InvalidFile(InvalidInput):
    """A file (or mapping) of settings that cannot be used: ``key`` is the dotted place in it,
    ``source`` the file. Nothing of it is applied. Each kind says what it is and what to do."""

    place = "key"
    remedy = "fix the file and load it again"
    place_zh = "设置文件"
    remedy_zh = "请改正该文件后重新加载"

    def __init__(
        self, key: str, reason: str | Reason, *, value: object = None, source: str = ""
    ) -> None:
        self.key = key
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(key, value, reason)
        self.args = (f"{self.place} {key!r}{where}: {self.reason}; {self.remedy}",)

    def __str__(self) -> str:
        return str(self.args[0])

    def _zh(self) -> str:
        where = f"（{self.source}）" if self.source and not self.source.startswith("<") else ""
        why = self.because.zh if self.because else "不能使用，文件中的设置均未采用"
        place = "文件本身" if self.key in _WHOLE_FILE else f"“{self.key}”一项"
        return _ended(f"{self.place_zh}{where}的{place}有误：{why}；{self.remedy_zh}")

    def details(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "reason": self.reason,
            "source": self.source,
            **self._reason_details(),
        }


_WHOLE_FILE = frozenset({"(file)", "<file>", "<toml>"})
"""The keys that name a file as a whole, not a place in it."""


class InvalidPolicy(_InvalidFile):
    """A policy file or mapping that cannot be used. Nothing of it is applied."""

    place = "policy key"
    """How the English message names the place refused: ``policy key 'cadence.member'``."""
    remedy = "fix the policy file and load it again"
    """What the English message tells the caller to do."""
    place_zh = "政策文件"
    """How ``message_zh`` names the file: 政策文件."""
    remedy_zh = "请改正政策文件后重新加载"
    """What ``message_zh`` tells the user to do: correct the policy file and load it again."""


class InvalidCalendar(_InvalidFile):
    """A holiday calendar file (later years' holidays and 调休 workdays) that cannot be used:
    ``key`` is the dotted place in it (``2027.workdays``). Nothing of it is applied."""

    place = "holiday calendar"
    """How the English message names the file refused: ``holiday calendar '2027.workdays'``."""
    place_zh = "节假日文件"
    """How ``message_zh`` names the file: 节假日文件."""


class CalendarDataMissing(ReviewflowError, LookupError):
    """Working days were asked for a year no holiday data covers (R-DEADLINE): ``year``, the
    packaged data's ``first`` and ``last`` year, and the ``supplied`` years of a calendar file."""

    def __init__(self, year: int, first: int, last: int, supplied: Sequence[int] = ()) -> None:
        self.year = year
        """The year asked for, which neither the packaged data nor a calendar file covers."""
        self.first = first
        """The first year of the holiday data packaged with reviewflow."""
        self.last = last
        """The last year of the packaged holiday data: later years need a calendar file."""
        self.supplied = tuple(sorted(supplied))
        """The years a calendar file supplies, in order; empty when none was loaded."""
        more = f", a calendar file {', '.join(map(str, self.supplied))}" if self.supplied else ""
        super().__init__(
            f"no holiday data for {year} (the packaged data covers {first}-{last}{more}): "
            f"supply {year}'s holidays and 调休 workdays in a calendar file (docs/concepts.md, "
            "'Holidays of later years'), named by the policy's [calendar] holidays, the command "
            "line's --calendar or ReviewService(calendar=rf.HolidayCalendar.load(path)); "
            "or give the deadline as a date"
        )

    def _zh(self) -> str:
        more = f"，节假日文件提供了{'、'.join(map(str, self.supplied))}年" if self.supplied else ""
        return (
            f"尚无{self.year}年的节假日安排（包内数据覆盖{self.first}—{self.last}年{more}），"
            f"无法按工作日计算期限：请直接填写具体日期（如 {self.year}-01-15），或请系统管理员"
            f"在节假日文件中补充{self.year}年的节假日和调休安排。"
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

    def __init__(self, kind: str, key: object, *, key_zh: str = "") -> None:
        self.kind = kind
        """What kind of record was looked for, in English: ``review``, ``member``,
        ``organization``, ``supervision order``, ``outbox message`` ..."""
        self.key = key
        """The id looked for, as given; a tuple for a record keyed by two ids (a liaison
        assignment: the committee member's and the organization's)."""
        self.key_zh = key_zh
        """How ``message_zh`` names the missing record when its id alone would not say it
        (a planned review: period, reviewer and subject); empty: by kind and id."""
        super().__init__(f"no {kind} with id {key!r}; check the id, or list what exists first")

    def _zh(self) -> str:
        key = "、".join(map(str, self.key)) if isinstance(self.key, tuple) else str(self.key)
        kind = kind_zh(self.kind)
        what = self.key_zh or f"编号为“{key}”的{kind}"
        return f"未找到{what}：请核对编号，或先查看现有的{kind}。"

    def details(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": repr(self.key)}


class RosterConflict(_Reasoned, ReviewflowError):
    """A roster change that would leave the roster inconsistent."""

    def __init__(self, reason: str | Reason, blocking: Sequence[str] = ()) -> None:
        self._set_reason(reason)
        self.blocking = tuple(blocking)
        """The ids of the records that stand in the way (the liaison assignment that exists,
        the dissolved organization, the member who left); empty when none is named."""
        names = f" ({', '.join(self.blocking)})" if self.blocking else ""
        super().__init__(f"{self.reason}{names}")

    def _zh(self) -> str:
        why = self.because.zh if self.because else "这项调整会使名册前后不一致"
        names = f"（涉及：{'、'.join(self.blocking)}）" if self.blocking else ""
        return _ended(f"名册冲突，未作调整：{why}{names}")

    def details(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "blocking": list(self.blocking),
            **self._reason_details(),
        }


class OutOfScope(_Reasoned, ReviewflowError, PermissionError):
    """R-SCOPE-4: the actor may not do this to this subject. Nothing was written."""

    def __init__(self, actor: str, subject: str, action: str, reason: str | Reason = "") -> None:
        self.actor = actor
        """The id of the person refused, as given (a member's or office staff's id, or an
        unknown one)."""
        self.subject = subject
        """Whom or what it concerned: the review's subject id, an organization id, or a phrase
        such as ``the roster`` or ``the whole roster``."""
        self.action = action
        """What was tried, in English: a step with its Chinese label
        (``conclude_review (完成点评)``) or an operation (``read this review``)."""
        self._set_reason(reason)
        why = f": {self.reason}" if self.reason else ""
        super().__init__(
            f"{actor!r} may not {action} for {subject!r}{why}; "
            "ask the reviewer, the subject or the office whose part this is"
        )

    def _zh(self) -> str:
        why = f"：{self.because.zh}" if self.because else ""
        return (
            f"超出权限：“{self.actor}”不能{phrase_zh(self.action)}（对象：{phrase_zh(self.subject)}）"
            f"{why}。请由负责这一步的点评领导、点评对象或办公室办理。"
        )

    def details(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "subject": self.subject,
            "action": self.action,
            "reason": self.reason,
            **self._reason_details(),
        }


class WorkflowError(ReviewflowError):
    """A step of the four-step workflow that cannot be taken now."""

    def _zh(self) -> str:
        return "这一步骤现在不能办理，未作任何更改。"


class InvalidDefinition(WorkflowError, ValueError):
    """A workflow definition that cannot be used, refused when it is built: ``problem`` says
    what is wrong, ``names`` which states, steps, guards, effects or payload rules."""

    def __init__(self, problem: str, names: Sequence[object] = ()) -> None:
        self.problem = problem
        """What is wrong with the definition, in English (``states that no step reaches``)."""
        self.names = tuple(str(getattr(n, "value", n)) for n in names)
        """The states, steps, guards, effects or payload rules concerned, by name (a state by
        its value); empty when the problem names none."""
        named = f": {', '.join(self.names)}" if self.names else ""
        super().__init__(f"the workflow definition is refused: {problem}{named}")

    def _zh(self) -> str:
        named = f"（涉及：{'、'.join(self.names)}）" if self.names else ""
        return f"点评流程的定义有误，未能建立{named}：请按英文说明改正定义后重新建立。"

    def details(self) -> dict[str, Any]:
        return {"problem": self.problem, "names": list(self.names)}


class NextStep(NamedTuple):
    """A step that would unblock a refused one, and who takes it (R-LIVE)."""

    trigger: str
    """The step's trigger, the name a caller takes it by: ``report``."""
    by: tuple[str, ...]
    """The parties who take it: ``reviewer``, ``subject``, ``form_filler``, ``office``."""
    label_zh: str
    """The step's Chinese label, as the people who use the host system know it: 汇报情况."""
    label_en: str
    """The step's English label."""
    by_zh: tuple[str, ...] = ()
    """The parties' Chinese labels (点评领导, 点评对象 ...), in the order of ``by``."""

    def describe(self) -> str:
        """The step and its parties, as a message names them: ``conclude_review (reviewer)``."""
        return f"{self.trigger} ({' or '.join(self.by)})"

    def details(self) -> dict[str, Any]:
        """The step as plain data, as a refusal's ``params`` carry it in ``next_steps``."""
        return {
            "trigger": self.trigger,
            "by": list(self.by),
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "by_zh": list(self.by_zh),
        }

    def describe_zh(self) -> str:
        """The step and its parties in Chinese: ``汇报情况（由点评对象办理）``."""
        return f"{self.label_zh}（由{'或'.join(self.by_zh or self.by)}办理）"


class StepRefused(WorkflowError):
    """A step out of order or missing a prerequisite (R-STEP-1..4, R-LIVE), refused the same
    way wherever it happens: ``next_steps`` names the steps that would unblock it and who takes
    them (empty only when the review has ended)."""

    review_id: str
    """The id of the review whose step was refused."""
    trigger: str
    """What was refused: a step's trigger, or the office's operation on a slot (``reopen``,
    ``mark_slot_not_applicable``)."""
    next_steps: tuple[NextStep, ...]
    """The steps that would unblock it, each with who takes it (R-LIVE); empty only when the
    review has ended."""

    @staticmethod
    def _then(next_steps: Sequence[NextStep]) -> str:
        if not next_steps:
            return ""
        return "; next: " + ", ".join(step.describe() for step in next_steps)

    @staticmethod
    def _then_zh(next_steps: Sequence[NextStep]) -> str:
        if not next_steps:
            return ""
        return "下一步：" + "；".join(step.describe_zh() for step in next_steps) + "。"


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
        state_zh: str = "",
        step_zh: str = "",
    ) -> None:
        self.review_id = review_id
        """The id of the review whose state does not open the step."""
        self.state = state
        """The review's current state, by value (``fact_finding``, ``closed`` ...)."""
        self.trigger = trigger
        """The step asked for (or ``reopen`` of a review that is not cancelled)."""
        self.allowed = tuple(allowed)
        """The triggers open in ``state`` now; empty when the review has ended."""
        self.next_steps = tuple(next_steps)
        """The first steps on the way to where ``trigger`` is open (or, its time past, to
        closing), with who takes them; empty when the review has ended."""
        self.state_zh = state_zh or state
        """``state`` in Chinese (了解情况, 已销号 ...), as ``message_zh`` names it; ``state`` when
        no label was given."""
        self.step_zh = step_zh or trigger
        """``trigger`` in Chinese (汇报情况 ...), as ``message_zh`` names it; ``trigger`` when no
        label was given."""
        open_now = ", ".join(self.allowed) or "none: the review has ended"
        super().__init__(
            f"review {review_id!r} is {state!r}: {trigger!r} is not open there "
            f"(open now: {open_now}){self._then(self.next_steps)}"
        )

    def _zh(self) -> str:
        if not self.next_steps:
            return f"领导点评 {self.review_id} 已{self.state_zh}，不能再{self.step_zh}。"
        return (
            f"领导点评 {self.review_id} 当前处于“{self.state_zh}”环节，不能{self.step_zh}。"
            + self._then_zh(self.next_steps)
        )

    def details(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "state": self.state,
            "state_zh": self.state_zh,
            "trigger": self.trigger,
            "step_zh": self.step_zh,
            "allowed": list(self.allowed),
            "next_steps": [step.details() for step in self.next_steps],
        }


class GuardFailed(_Reasoned, StepRefused):
    """A guard of R-STEP-1..4 holds the step; ``missing`` names what to record first, and
    ``next_steps`` the steps that record it and who takes them.

    ``missing_zh`` says the same in Chinese, for the people who use the host system.
    """

    def __init__(
        self,
        review_id: str,
        trigger: str,
        guard: str,
        reason: str | Reason,
        missing: Sequence[str] = (),
        *,
        missing_zh: Sequence[str] = (),
        next_steps: Sequence[NextStep] = (),
        step_zh: str = "",
        guard_zh: str = "",
    ) -> None:
        self.review_id = review_id
        """The id of the review whose step the guard holds (for a slot taken, the review the
        office acted on)."""
        self.trigger = trigger
        """The step held: a trigger, or the office's ``reopen`` or ``mark_slot_not_applicable``
        of a slot another review holds."""
        self.guard = guard
        """The guard's name (``has_situation_report``, ``ledger_done`` ..., or ``slot_free``
        for a slot taken, R-CAD-4): :data:`~reviewflow.domain.guards.GUARDS` lists them."""
        self._set_reason(reason)
        self.step_zh = step_zh or trigger
        """The held step's Chinese label, as ``message_zh`` names it; ``trigger`` when no label
        was given."""
        self.guard_zh = guard_zh or guard
        """What the guard requires, in Chinese (已听取汇报 ...); ``guard`` when no label was
        given."""
        self.missing = tuple(missing)
        """What to record first, in English (``achievements``, an aspect's label ...); empty
        when the reason says it all."""
        self.missing_zh = tuple(missing_zh) or self.missing
        """``missing`` in Chinese (肯定成绩 ...), item by item; ``missing`` when no Chinese was
        given."""
        self.next_steps = tuple(next_steps)
        """The steps that record what is missing, with who takes them (the guard's
        ``unblocked_by``)."""
        todo = f"; record first: {', '.join(self.missing)}" if self.missing else ""
        super().__init__(
            f"review {review_id!r}: {trigger!r} refused by guard {guard!r}: {self.reason}{todo}"
            f"{self._then(self.next_steps)}"
        )

    def _zh(self) -> str:
        why = f"（{self.because.zh}）" if self.because else ""
        todo = f"，请先完成：{'、'.join(self.missing_zh)}" if self.missing_zh else ""
        held = f"领导点评 {self.review_id} 暂不能{self.step_zh}：尚未满足“{self.guard_zh}”"
        return f"{held}{why}{todo}。" + self._then_zh(self.next_steps)

    def details(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "trigger": self.trigger,
            "step_zh": self.step_zh,
            "guard": self.guard,
            "guard_zh": self.guard_zh,
            "reason": self.reason,
            "missing": list(self.missing),
            "missing_zh": list(self.missing_zh),
            "next_steps": [step.details() for step in self.next_steps],
            **self._reason_details(),
        }


class StoreError(ReviewflowError):
    """The store could not do what was asked."""

    def _zh(self) -> str:
        return "数据库未能完成这项操作，未作任何更改：请稍后重试，或联系系统管理员。"


class ConcurrencyConflict(StoreError):
    """Someone else changed the record since it was read. Nothing was written: read it again."""

    def __init__(self, review_id: str, expected: int, actual: int | None) -> None:
        self.review_id = review_id
        """The id of the record written: a review's, or a supervision order's (orders are
        versioned the same way)."""
        self.expected = expected
        """The version the writer read the record at (the one it expected in the store); 0 for
        a new order."""
        self.actual = actual
        """The version in the store now; None when the record is not there."""
        super().__init__(
            f"review {review_id!r} is at version {actual}, not {expected}: someone changed it "
            "since you read it; nothing was written, read it again and retry"
        )

    def _zh(self) -> str:
        return (
            f"领导点评 {self.review_id} 在您查看之后已被他人更新（版本 {self.expected} → "
            f"{self.actual}），本次未作任何更改：请刷新查看最新内容后重试。"
        )

    def details(self) -> dict[str, Any]:
        return {"review_id": self.review_id, "expected": self.expected, "actual": self.actual}


class IntegrityError(StoreError):
    """A write the store's constraints refuse (a duplicate key, a missing reference)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        """What the store refused, in English: the record and what is wrong with it
        (``review 'r-1' does not exist``), or the database driver's message."""
        super().__init__(f"{reason}; nothing was written")

    def _zh(self) -> str:
        return (
            "数据库的约束拒绝了这次写入（如编号重复或引用的记录不存在），未作任何更改："
            "请不要直接重试，把这条消息报告给系统管理员。"
        )

    def details(self) -> dict[str, Any]:
        return {"reason": self.reason}


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached. ``url`` never carries a password."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        """The store's URL as it was asked for, its password masked."""
        self.reason = reason
        """Why, in English: the driver's message, the extra to install when the driver is
        missing, the schemes this version knows when the URL's is none of them, or a
        transaction that kept losing races with other writers."""
        super().__init__(f"store {url} is unavailable: {reason}")

    def _zh(self) -> str:
        return (
            f"数据库无法打开（{self.url}）：请检查数据库地址，确认数据库已启动、所需的驱动已安装，"
            "或联系系统管理员。"
        )

    def details(self) -> dict[str, Any]:
        return {"url": self.url, "reason": self.reason}
