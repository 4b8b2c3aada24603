"""What the library accepts as an id or a text, the same on every store (R-INPUT).

- An id (a person, an organization, a review, a supervision order …) is a text of 1 to
  :data:`ID_MAX` characters.
- A name (a person's or an organization's, an organization type, a post category) is at most
  :data:`NAME_MAX` characters; any other text (a report, a comment, a measure, a reason …) at
  most :data:`TEXT_MAX`.
- No text holds a control character other than line feed and tab (a carriage return is one:
  hosts turn a browser's CRLF into LF before they pass a text on), nor half of a surrogate pair
  (which no database can store as UTF-8).

What breaks these is refused with :class:`~reviewflow.errors.InvalidInput` naming the field,
before anything is written, and logged in the attempt log with the value cut to
:data:`LOGGED_MAX` characters (:func:`cut`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, cast

import attrs

from reviewflow.errors import InvalidInput
from reviewflow.reasons import Reason, because, kind_zh

__all__ = [
    "ID_MAX",
    "LOGGED_MAX",
    "NAME_MAX",
    "TEXT_MAX",
    "check_id",
    "check_record",
    "check_roster_record",
    "check_text",
    "check_texts",
    "cut",
    "cut_text",
]

ID_MAX = 128
"""The longest id, in characters: the SQL stores' id columns hold 128."""
NAME_MAX = 200
"""The longest name, in characters."""
TEXT_MAX = 20_000
"""The longest text, in characters (about ten pages of Chinese)."""
LOGGED_MAX = 200
"""How much of a refused value the attempt log keeps, in characters."""

_ALLOWED_CONTROLS = frozenset("\n\t")


def _problem(value: str) -> Reason | None:
    """What is wrong with the characters of ``value``, or None."""
    for position, char in enumerate(value):
        if char.isprintable() or char in _ALLOWED_CONTROLS or char == " ":
            continue
        category = unicodedata.category(char)
        if category == "Cs":
            return because("surrogate", position=position + 1)
        if category == "Cc":
            return because("control_character", code=ord(char), position=position + 1)
    return None


def check_text(field: str, value: object, limit: int = TEXT_MAX) -> str:
    """``value``, a text of at most ``limit`` characters without control characters."""
    if not isinstance(value, str):
        raise InvalidInput(field, cut(value), because("not_a_text"))
    if len(value) > limit:
        raise InvalidInput(field, cut(value), because("too_long", length=len(value), limit=limit))
    if not value.isprintable():
        problem = _problem(value)
        if problem is not None:
            raise InvalidInput(field, cut(value), problem)
    return value


def check_id(field: str, value: object) -> str:
    """``value``, an id: a text of 1 to :data:`ID_MAX` characters, no control characters."""
    if not isinstance(value, str):
        raise InvalidInput(field, cut(value), because("not_an_id"))
    if not value:
        raise InvalidInput(field, value, because("empty"))
    return check_text(field, value, ID_MAX)


def check_texts(field: str, value: object) -> None:
    """Every text in ``value`` (a text, or texts within lists, mappings and attrs records,
    as a step's arguments hold them) checked by :func:`check_text`."""
    if isinstance(value, str):
        check_text(field, value)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_texts(field, item)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_texts(field, key)
            check_texts(field, item)
    elif attrs.has(type(value)):
        for attribute in attrs.fields(cast("type[attrs.AttrsInstance]", type(value))):
            check_texts(f"{field}.{attribute.name}", getattr(value, attribute.name))


_NAMES = frozenset({"name", "org_type", "post_category"})


def check_record(kind: str, record: object) -> None:
    """A roster record's texts: its ids (``id``, ``*_id``) as ids, its names (``name``,
    ``org_type``, ``post_category``) up to :data:`NAME_MAX`, any other text up to
    :data:`TEXT_MAX`. The field is named ``kind.field`` (``member.id``)."""
    if not attrs.has(type(record)):
        raise InvalidInput(
            kind, cut(repr(record)), because("not_a_record", kind=kind, kind_zh=kind_zh(kind))
        )
    for attribute in attrs.fields(cast("type[attrs.AttrsInstance]", type(record))):
        value = getattr(record, attribute.name)
        field = f"{kind}.{attribute.name}"
        if attribute.name == "id" or attribute.name.endswith("_id"):
            if value is not None:
                check_id(field, value)
        elif isinstance(value, str):
            check_text(field, value, NAME_MAX if attribute.name in _NAMES else TEXT_MAX)


_KINDS = {
    "Organization": "organization", "Member": "member", "OfficeStaff": "office_staff",
    "LiaisonAssignment": "liaison",
}  # fmt: skip


def check_roster_record(record: object) -> None:
    """R-INPUT for one roster record before it is imported: every id, name and text within
    its limit (:data:`ID_MAX`, :data:`NAME_MAX`, :data:`TEXT_MAX`) and free of control
    characters but line feed and tab, as ``import_roster`` checks it. Raises
    :class:`~reviewflow.errors.InvalidInput` naming ``kind.field`` (``member.name``)."""
    check_record(_KINDS.get(type(record).__name__, "record"), record)


def cut(value: Any, limit: int = LOGGED_MAX) -> Any:
    """``value`` as the attempt log keeps it: a text as :func:`cut_text` cuts it, other values
    as they are."""
    return cut_text(value, limit) if isinstance(value, str) else value


def cut_text(value: str, limit: int = LOGGED_MAX) -> str:
    """``value`` cut to ``limit`` characters followed by how many more there were
    (``…(+4,872)``), any control character but line feed and tab and any half of a surrogate
    pair written as its escape."""
    if len(value) > limit:
        value = f"{value[:limit]}…(+{len(value) - limit:,})"
    if not value.isprintable():
        value = "".join(_escaped(char) for char in value)
    return value


def _escaped(char: str) -> str:
    """A control character (but line feed and tab) or half a surrogate pair as its escape
    (``\\x00``, ``\\ud800``): no store takes a NUL, and none takes half a pair."""
    if char in _ALLOWED_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs"):
        return char
    return char.encode("unicode_escape").decode("ascii")
