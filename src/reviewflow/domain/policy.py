"""The deployment's policy: cadences, default methods, deadlines and per-class overrides.

:meth:`Policy.default` is what the source document says: liaison reviews once a quarter
(R-CAD-1), member reviews once a month (R-CAD-2), on-site liaison reviews and member reviews at the
branch general meeting (R-METH-DEFAULT), the yearly summary due by 12-30 (R-DEADLINE), and the
reviewer's closeout before a review closes (R-STEP-4). The cadences hold "in principle" (原则上,
R-CAD-3): a deployment overrides any of it, for everyone or per organization type and per post
category (R-CLASS), in a TOML file::

    [cadence]
    liaison = "quarter"                  # month | quarter | year
    member = "month"
    [methods]
    liaison = "on_site"                  # centralized | on_site | talk
    liaison_occasion = "field_visit"     # an Occasion of that method; "" for none
    member = "centralized"
    member_occasion = "branch_general_meeting"
    [deadlines]
    summary = "12-30"                    # anything Deadline.parse accepts
    reminder_days = 3
    [workflow]
    closeout_required = true
    [calendar]
    timezone = "Asia/Shanghai"
    holidays = "holidays.toml"           # later years' holidays and 调休 (R-DEADLINE), if any
    [org_types."离退休"]                  # liaison_cadence, member_cadence, method, occasion
    liaison_cadence = "year"
    [post_categories."流动"]              # member_cadence, method, occasion
    member_cadence = "quarter"

Whatever the file leaves out keeps its default. An occasion belongs to exactly one method, so an
occasion given without its method brings its method along; a method given without an occasion
keeps the default occasion only if that occasion belongs to it.

A file that cannot be used raises :class:`~reviewflow.errors.InvalidPolicy` naming the dotted key
(``cadence.member``, ``org_types.离退休.method``), what is wrong with it, and the file. No policy
is made from a bad file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import os
import pathlib
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from reviewflow.domain.holidays import HolidayCalendar
from reviewflow.domain.periods import ChineseWorkCalendar, Deadline, PeriodKind, WorkCalendar
from reviewflow.domain.vocabulary import Method, Occasion
from reviewflow.errors import InvalidDeadline, InvalidPolicy
from reviewflow.reasons import Reason, because

__all__ = ["ClassRule", "Policy"]

_E = TypeVar("_E", bound=enum.StrEnum)
_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


# --------------------------------------------------------------------------------------------------
# Words for messages
# --------------------------------------------------------------------------------------------------


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


def _enum_choices(enum_cls: type[enum.StrEnum]) -> str:
    return _choices(member.value for member in enum_cls)


def _did_you_mean(word: object, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``word`` is close to one of ``candidates``, else ``""``."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _did_you_mean_zh(word: object, candidates: Iterable[str]) -> str:
    """:func:`_did_you_mean` in Chinese."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f"（是否应为“{close[0]}”？）" if close else ""


def _kind_of(value: object) -> str:
    """What ``value`` is, in the words of a TOML file."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    if value is None:
        return "nothing (None)"
    return f"a {type(value).__name__}"


def _occasions_of(method: Method) -> str:
    return _choices(occasion.value for occasion in Occasion if occasion.method is method)


def _occasion_mismatch(occasion: Occasion, method: Method) -> Reason:
    return because(
        "policy_occasion_mismatch",
        occasion=occasion.value,
        occasion_zh=occasion.label_zh,
        occasion_method=occasion.method.value,
        occasion_method_zh=occasion.method.label_zh,
        method=method.value,
        method_zh=method.label_zh,
        occasions=_occasions_of(method) or "none",
    )


# --------------------------------------------------------------------------------------------------
# Checks shared by the constructors (the refusals of a policy built in code)
# --------------------------------------------------------------------------------------------------


def _member_of(
    enum_cls: type[enum.StrEnum], key: Callable[[str], str], *, optional: bool
) -> _Validator:
    """A validator refusing anything but a member of ``enum_cls`` (or None if ``optional``)."""

    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if optional and value is None:
            return
        if not isinstance(value, enum_cls):
            raise InvalidPolicy(
                key(attribute.name),
                because(
                    "policy_expected_enum", enum=enum_cls.__name__, choices=_enum_choices(enum_cls)
                ),
                value=value,
            )

    return check


def _same_key(name: str) -> str:
    return name


# --------------------------------------------------------------------------------------------------
# ClassRule
# --------------------------------------------------------------------------------------------------


@attrs.frozen
class ClassRule:
    """The overrides for one organization type or one post category (R-CLASS, R-CAD-3).

    A field left at None is not overridden: the next rule, or the policy's default, applies.
    ``method`` and ``occasion`` are the default method of review and the occasion it is combined
    with; an occasion given without a method stands for its own method. A rule under
    ``post_categories`` applies to member reviews only, so it has no ``liaison_cadence``.

    Refusals raise :class:`~reviewflow.errors.InvalidPolicy` keyed by the field's name.
    """

    liaison_cadence: PeriodKind | None = attrs.field(
        default=None, validator=_member_of(PeriodKind, _same_key, optional=True)
    )
    """How often a liaison reviews an organization of this type and its leadership team
    (R-CAD-1)."""
    member_cadence: PeriodKind | None = attrs.field(
        default=None, validator=_member_of(PeriodKind, _same_key, optional=True)
    )
    """How often a head reviews a member of this type or category (R-CAD-2)."""
    method: Method | None = attrs.field(
        default=None, validator=_member_of(Method, _same_key, optional=True)
    )
    """The default method of review (R-METH)."""
    occasion: Occasion | None = attrs.field(
        default=None, validator=_member_of(Occasion, _same_key, optional=True)
    )
    """The occasion the review is combined with; it must belong to the method."""

    def __attrs_post_init__(self) -> None:
        if (
            self.method is not None
            and self.occasion is not None
            and self.occasion.method is not self.method
        ):
            raise InvalidPolicy(
                "occasion", _occasion_mismatch(self.occasion, self.method), value=self.occasion
            )


def _rule_method(
    rule: ClassRule, default_occasion: Occasion | None
) -> tuple[Method, Occasion | None] | None:
    """The method and occasion ``rule`` sets, or None if it sets neither.

    A rule that sets only a method keeps ``default_occasion`` if that occasion belongs to the
    method, and otherwise names no occasion.
    """
    if rule.occasion is not None:
        return rule.occasion.method, rule.occasion
    if rule.method is None:
        return None
    if default_occasion is not None and default_occasion.method is rule.method:
        return rule.method, default_occasion
    return rule.method, None


class _RuleMap(Mapping[str, ClassRule]):
    """An immutable, hashable mapping of class names to their rules."""

    __slots__ = ("_rules",)

    def __init__(self, rules: Mapping[str, ClassRule] | None = None) -> None:
        self._rules: dict[str, ClassRule] = dict(rules or {})

    def __getitem__(self, name: str) -> ClassRule:
        return self._rules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __hash__(self) -> int:
        return hash(frozenset(self._rules.items()))

    def __repr__(self) -> str:
        return repr(self._rules)


def _freeze_rules(rules: Mapping[str, ClassRule]) -> Mapping[str, ClassRule]:
    return rules if isinstance(rules, _RuleMap) else _RuleMap(rules)


def _check_rules(section: str) -> _Validator:
    """A validator for the rules under ``section`` (``org_types`` or ``post_categories``)."""

    def check(
        _instance: object, _attribute: attrs.Attribute[Any], rules: Mapping[str, Any]
    ) -> None:
        for name, rule in rules.items():
            if not isinstance(name, str) or not name.strip():
                raise InvalidPolicy(section, because("policy_blank_name"), value=name)
            where = f"{section}.{name}"
            if not isinstance(rule, ClassRule):
                raise InvalidPolicy(where, because("policy_expected_rule"), value=rule)
            if section == "post_categories" and rule.liaison_cadence is not None:
                raise InvalidPolicy(
                    f"{where}.liaison_cadence",
                    because("policy_post_category_liaison"),
                    value=rule.liaison_cadence,
                )

    return check


# --------------------------------------------------------------------------------------------------
# Policy
# --------------------------------------------------------------------------------------------------

# Each section of the policy file, its keys, and the Policy field each key sets.
_SECTIONS: Final[Mapping[str, Mapping[str, str]]] = {
    "cadence": {"liaison": "liaison_cadence", "member": "member_cadence"},
    "methods": {
        "liaison": "liaison_method",
        "liaison_occasion": "liaison_occasion",
        "member": "member_method",
        "member_occasion": "member_occasion",
    },
    "deadlines": {"summary": "summary_deadline", "reminder_days": "reminder_days"},
    "workflow": {"closeout_required": "closeout_required"},
    "calendar": {"timezone": "timezone", "holidays": "holidays"},
}
_RULE_SECTIONS: Final[Mapping[str, tuple[str, ...]]] = {
    "org_types": ("liaison_cadence", "member_cadence", "method", "occasion"),
    "post_categories": ("member_cadence", "method", "occasion"),
}
_KEY_OF_FIELD: Final[Mapping[str, str]] = {
    field: f"{section}.{key}" for section, keys in _SECTIONS.items() for key, field in keys.items()
}


def _policy_key(field: str) -> str:
    return _KEY_OF_FIELD[field]


def _check_occasion(method_field: str) -> _Validator:
    """A validator refusing an occasion that does not belong to the method in ``method_field``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, Occasion):
            raise InvalidPolicy(
                _policy_key(attribute.name),
                because("policy_expected_occasion", choices=_enum_choices(Occasion)),
                value=value,
            )
        method = getattr(instance, method_field)
        if isinstance(method, Method) and value.method is not method:
            raise InvalidPolicy(
                _policy_key(attribute.name), _occasion_mismatch(value, method), value=value
            )

    return check


def _check_deadline(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Deadline):
        raise InvalidPolicy(
            _policy_key(attribute.name), because("policy_expected_deadline"), value=value
        )


def _check_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidPolicy(
            _policy_key(attribute.name),
            because("policy_expected_bool", kind=_kind_of(value)),
            value=value,
        )


def _check_holidays(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidPolicy(
            _policy_key(attribute.name),
            because("policy_expected_path", kind=_kind_of(value)),
            value=value,
        )


def _check_reminder_days(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    key = _policy_key(attribute.name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPolicy(key, because("policy_expected_days", kind=_kind_of(value)), value=value)
    if value < 0:
        raise InvalidPolicy(key, because("policy_negative_days", value=value), value=value)


def _check_timezone(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    key = _policy_key(attribute.name)
    if not isinstance(value, str):
        raise InvalidPolicy(
            key,
            because("policy_expected_timezone", kind=_kind_of(value)),
            value=value,
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidPolicy(
            key,
            because("policy_unknown_timezone", value=value),
            value=value,
        ) from None


_SUMMARY_DUE: Final = Deadline.day_of_year(12, 30)


@attrs.frozen
class Policy:
    """What a deployment decides: cadences, default methods, deadlines and per-class overrides.

    The defaults are the source document's (see :meth:`default`). ``org_types`` and
    ``post_categories`` map an organization type or a post category to its :class:`ClassRule`
    (R-CLASS); the ``*_for`` methods answer for one organization or member, most specific first.
    ``reminder_days`` is how many days before a due date listeners are told the deadline is near.

    A policy is immutable, compares by value and is hashable. Refusals raise
    :class:`~reviewflow.errors.InvalidPolicy` keyed as in the policy file (``cadence.member``).
    """

    liaison_cadence: PeriodKind = attrs.field(
        default=PeriodKind.QUARTER, validator=_member_of(PeriodKind, _policy_key, optional=False)
    )
    """How often a liaison reviews each liaison point and its leadership team (R-CAD-1): a quarter
    by default."""
    member_cadence: PeriodKind = attrs.field(
        default=PeriodKind.MONTH, validator=_member_of(PeriodKind, _policy_key, optional=False)
    )
    """How often a head reviews each member (R-CAD-2): a month by default."""
    liaison_method: Method = attrs.field(
        default=Method.ON_SITE, validator=_member_of(Method, _policy_key, optional=False)
    )
    """The method planned for liaison reviews (R-METH): on-site by default."""
    liaison_occasion: Occasion | None = attrs.field(
        default=None, validator=_check_occasion("liaison_method")
    )
    """The occasion planned for them, of that method; None: none planned."""
    member_method: Method = attrs.field(
        default=Method.CENTRALIZED, validator=_member_of(Method, _policy_key, optional=False)
    )
    """The method planned for member reviews: centralized by default."""
    member_occasion: Occasion | None = attrs.field(
        default=Occasion.BRANCH_GENERAL_MEETING, validator=_check_occasion("member_method")
    )
    """The occasion planned for them: the branch general meeting by default."""
    summary_deadline: Deadline = attrs.field(default=_SUMMARY_DUE, validator=_check_deadline)
    """When the yearly summary is due at the office (R-SUMMARY): 12-30 by default."""
    closeout_required: bool = attrs.field(default=True, validator=_check_bool)
    """Whether closing a review needs the reviewer's closeout (销号) besides the written reply
    (R-STEP-4)."""
    timezone: str = attrs.field(default="Asia/Shanghai", validator=_check_timezone)
    """The deployment's time zone (an IANA name), as the policy file states it; it is checked, and
    the service's clock supplies the time."""
    reminder_days: int = attrs.field(default=3, validator=_check_reminder_days)
    """How many days before a due date ``check_deadlines`` reports it as near."""
    holidays: str = attrs.field(default="", validator=_check_holidays)
    """The holiday calendar file for the years the packaged data lacks ("": none); a relative
    path in a policy file is read from the policy file's folder."""
    org_types: Mapping[str, ClassRule] = attrs.field(
        factory=_RuleMap, converter=_freeze_rules, validator=_check_rules("org_types")
    )
    """Overrides by organization type (``Organization.org_type``, R-CLASS)."""
    post_categories: Mapping[str, ClassRule] = attrs.field(
        factory=_RuleMap, converter=_freeze_rules, validator=_check_rules("post_categories")
    )
    """Overrides by member post category (``Member.post_category``, R-CAD-3)."""

    # ---- constructors ----------------------------------------------------------------------------

    @classmethod
    def default(cls) -> Policy:
        """The source document's policy (R-CAD-1, R-CAD-2, R-METH-DEFAULT, R-DEADLINE, R-STEP-4)."""
        return cls()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """The policy in the UTF-8 TOML file at ``path``; what it leaves out keeps its default.

        A missing or unreadable file raises :class:`~reviewflow.errors.InvalidPolicy` with the key
        ``"<file>"``; a bad file, as :meth:`from_toml` does.
        """
        source = os.fspath(path)
        try:
            # utf-8-sig: editors on Windows often save UTF-8 with a byte-order mark.
            text = pathlib.Path(source).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InvalidPolicy(
                "<file>",
                because("policy_missing"),
                value=source,
                source=source,
            ) from None
        except UnicodeDecodeError as exc:
            raise InvalidPolicy(
                "<file>",
                because("policy_not_utf8", byte=exc.start),
                value=source,
                source=source,
            ) from None
        except OSError as exc:
            raise InvalidPolicy(
                "<file>",
                because("policy_unreadable", detail=str(exc.strerror or exc)),
                value=source,
                source=source,
            ) from None
        policy = cls.from_toml(text, source=source)
        if policy.holidays and not pathlib.Path(policy.holidays).is_absolute():
            beside = pathlib.Path(source).parent / policy.holidays
            policy = attrs.evolve(policy, holidays=str(beside))
        if policy.holidays:
            policy.work_calendar()  # a bad calendar file is refused now, not at the first deadline
        return policy

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> Policy:
        """The policy written in ``text`` (TOML); what it leaves out keeps its default.

        Invalid TOML raises :class:`~reviewflow.errors.InvalidPolicy` with the key ``"<toml>"`` and
        the line and column; anything else wrong, as :meth:`from_mapping` does.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidPolicy(
                "<toml>", because("not_toml", detail=str(exc)), source=source
            ) from None
        return cls.from_mapping(data, source=source)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, source: str = "<mapping>") -> Policy:
        """The policy in ``data``, laid out as the policy file's tables (see :meth:`to_mapping`).

        What ``data`` leaves out keeps its default. An unknown section or key, a value of the wrong
        type, an unknown name, an occasion of another method, a bad deadline or time zone, or a
        negative ``reminder_days`` raises :class:`~reviewflow.errors.InvalidPolicy` naming the
        dotted key and ``source``.
        """
        try:
            return cls(**_read_policy(data))
        except InvalidPolicy as exc:
            if exc.source:
                raise
            raise InvalidPolicy(
                exc.key, exc.because or exc.reason, value=exc.value, source=source
            ) from None

    def to_mapping(self) -> dict[str, object]:
        """This policy as plain data in the policy file's layout, every setting spelled out.

        ``Policy.from_mapping(policy.to_mapping()) == policy``. A missing occasion is ``""`` (TOML
        has no null); a class rule lists only what it overrides.
        """
        data: dict[str, object] = {
            section: {key: _plain(getattr(self, field)) for key, field in keys.items()}
            for section, keys in _SECTIONS.items()
        }
        data["org_types"] = {name: _rule_to_mapping(rule) for name, rule in self.org_types.items()}
        data["post_categories"] = {
            name: _rule_to_mapping(rule) for name, rule in self.post_categories.items()
        }
        return data

    # ---- answers ---------------------------------------------------------------------------------

    def work_calendar(self) -> WorkCalendar:
        """The working-day calendar deadlines are counted in: the packaged Chinese data, under
        the :attr:`holidays` file's years when there is one (R-DEADLINE)."""
        if not self.holidays:
            return ChineseWorkCalendar()
        return HolidayCalendar.load(self.holidays)

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the deployment's dates and deadlines are read in."""
        return ZoneInfo(self.timezone)

    def liaison_cadence_for(self, org_type: str) -> PeriodKind:
        """How often a liaison organization of ``org_type`` is reviewed (R-CAD-1, R-CLASS)."""
        rule = self.org_types.get(org_type)
        if rule is not None and rule.liaison_cadence is not None:
            return rule.liaison_cadence
        return self.liaison_cadence

    def member_cadence_for(self, post_category: str, org_type: str) -> PeriodKind:
        """How often a member of ``post_category`` in an organization of ``org_type`` is reviewed.

        The post category's rule wins over the organization type's, which wins over the default
        (R-CAD-2, R-CAD-3, R-CLASS).
        """
        for rule in (self.post_categories.get(post_category), self.org_types.get(org_type)):
            if rule is not None and rule.member_cadence is not None:
                return rule.member_cadence
        return self.member_cadence

    def liaison_method_for(self, org_type: str) -> tuple[Method, Occasion | None]:
        """The default method and occasion of a liaison review of ``org_type`` (R-METH-DEFAULT)."""
        return _method_for(
            (self.org_types.get(org_type),), self.liaison_method, self.liaison_occasion
        )

    def member_method_for(
        self, post_category: str, org_type: str
    ) -> tuple[Method, Occasion | None]:
        """The default method and occasion of a member review, most specific rule first.

        The post category's rule wins over the organization type's, which wins over the default
        (R-METH-DEFAULT, R-CLASS).
        """
        return _method_for(
            (self.post_categories.get(post_category), self.org_types.get(org_type)),
            self.member_method,
            self.member_occasion,
        )


def _method_for(
    rules: Iterable[ClassRule | None], method: Method, occasion: Occasion | None
) -> tuple[Method, Occasion | None]:
    """The first rule's method override, else ``(method, occasion)``."""
    for rule in rules:
        if rule is not None and (found := _rule_method(rule, occasion)) is not None:
            return found
    return method, occasion


# --------------------------------------------------------------------------------------------------
# Reading and writing plain data
# --------------------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    """``value`` as TOML-ready plain data."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Deadline):
        return str(value)
    return value


def _rule_to_mapping(rule: ClassRule) -> dict[str, object]:
    return {
        field.name: _plain(value)
        for field in attrs.fields(ClassRule)
        if (value := getattr(rule, field.name)) is not None
    }


def _table(key: str, value: object, what: str = "a table") -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise InvalidPolicy(
            key, because("policy_expected_table", what=what, kind=_kind_of(value)), value=value
        )
    return value


def _unknown(key: str, word: object, what: str, known: Iterable[str]) -> InvalidPolicy:
    known = sorted(known)
    return InvalidPolicy(
        key,
        because(
            "policy_unknown_name",
            what=what,
            word=word,
            suggest=_did_you_mean(word, known),
            suggest_zh=_did_you_mean_zh(word, known),
            choices=_choices(known),
        ),
        value=word,
    )


def _read_enum(key: str, raw: object, enum_cls: type[_E]) -> _E:
    choices = _enum_choices(enum_cls)
    if not isinstance(raw, str):
        raise InvalidPolicy(
            key, because("policy_expected_string", choices=choices, kind=_kind_of(raw)), value=raw
        )
    try:
        return enum_cls(raw)
    except ValueError:
        values = [member.value for member in enum_cls]
        raise InvalidPolicy(
            key,
            because(
                "policy_unknown_value",
                value=raw,
                suggest=_did_you_mean(raw, values),
                suggest_zh=_did_you_mean_zh(raw, values),
                choices=choices,
            ),
            value=raw,
        ) from None


def _read_occasion(key: str, raw: object) -> Occasion | None:
    if raw is None or raw == "":
        return None
    try:
        return _read_enum(key, raw, Occasion)
    except InvalidPolicy as exc:
        raise InvalidPolicy(
            key, because("policy_or_none", inner=exc.because or exc.reason), value=raw
        ) from None


def _read_deadline(key: str, raw: object) -> Deadline:
    # An unquoted TOML date (summary = 2024-12-30) arrives as a date: read it as that date.
    text = raw.isoformat() if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime) else raw
    if not isinstance(text, str):
        raise InvalidPolicy(
            key, because("policy_expected_deadline_text", kind=_kind_of(raw)), value=raw
        )
    try:
        return Deadline.parse(text)
    except InvalidDeadline as exc:
        raise InvalidPolicy(key, exc.because or exc.reason, value=raw) from None


def _as_is(_key: str, raw: object) -> object:
    # Checked by the Policy's own validators, which name the key as the file does.
    return raw


_READERS: Final[Mapping[str, Callable[[str, object], object]]] = {
    "liaison_cadence": lambda key, raw: _read_enum(key, raw, PeriodKind),
    "member_cadence": lambda key, raw: _read_enum(key, raw, PeriodKind),
    "liaison_method": lambda key, raw: _read_enum(key, raw, Method),
    "member_method": lambda key, raw: _read_enum(key, raw, Method),
    "method": lambda key, raw: _read_enum(key, raw, Method),
    "liaison_occasion": _read_occasion,
    "member_occasion": _read_occasion,
    "occasion": _read_occasion,
    "summary_deadline": _read_deadline,
    "closeout_required": _as_is,
    "timezone": _as_is,
    "reminder_days": _as_is,
    "holidays": _as_is,
}


def _read_policy(data: object) -> dict[str, Any]:
    """The keyword arguments of the Policy that ``data`` describes."""
    sections = _table("", data, "a mapping of sections")
    fields: dict[str, Any] = {}
    for section, body in sections.items():
        if section in _RULE_SECTIONS:
            fields[section] = _read_rules(section, body)
            continue
        keys = _SECTIONS.get(section) if isinstance(section, str) else None
        if keys is None:
            raise _unknown(str(section), section, "section", [*_SECTIONS, *_RULE_SECTIONS])
        for key, raw in _table(section, body).items():
            field = keys.get(key) if isinstance(key, str) else None
            if field is None:
                raise _unknown(f"{section}.{key}", key, f"key in [{section}]", keys)
            fields[field] = _READERS[field](f"{section}.{key}", raw)
    _settle_method(fields, "liaison_method", "liaison_occasion")
    _settle_method(fields, "member_method", "member_occasion")
    return fields


def _settle_method(fields: dict[str, Any], method_field: str, occasion_field: str) -> None:
    """Fill in the method or the occasion when the file gives only the other."""
    occasion = fields.get(occasion_field)
    if method_field not in fields and isinstance(occasion, Occasion):
        fields[method_field] = occasion.method
    elif method_field in fields and occasion_field not in fields:
        default = attrs.fields_dict(Policy)[occasion_field].default
        keep = isinstance(default, Occasion) and default.method is fields[method_field]
        fields[occasion_field] = default if keep else None


def _read_rules(section: str, body: object) -> dict[str, ClassRule]:
    allowed = _RULE_SECTIONS[section]
    rules: dict[str, ClassRule] = {}
    for name, table in _table(section, body).items():
        where = f"{section}.{name}"
        overrides = _table(where, table, f"a table of overrides ({_choices(allowed)})")
        given: dict[str, Any] = {}
        for key, raw in overrides.items():
            if key == "liaison_cadence" and section == "post_categories":
                raise InvalidPolicy(
                    f"{where}.{key}",
                    because("policy_post_category_liaison_in", choices=_choices(allowed)),
                    value=raw,
                )
            if key not in allowed:
                raise _unknown(f"{where}.{key}", key, f"key in [{where}]", allowed)
            given[key] = _READERS[key](f"{where}.{key}", raw)
        try:
            rules[name] = ClassRule(**given)
        except InvalidPolicy as exc:
            raise InvalidPolicy(
                f"{where}.{exc.key}", exc.because or exc.reason, value=exc.value
            ) from None
    return rules
