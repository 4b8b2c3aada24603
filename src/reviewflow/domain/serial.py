"""Plain-data (JSON-ready) forms of the domain's values, for history entries and stores."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any, TypeVar

import cattrs
import orjson

from reviewflow.domain.periods import Period

__all__ = [
    "canonical_json",
    "converter",
    "structure",
    "unstructure",
]

_T = TypeVar("_T")

converter = cattrs.Converter(forbid_extra_keys=True)
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(date, lambda v, _t: date.fromisoformat(v))
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_structure_hook(datetime, lambda v, _t: datetime.fromisoformat(v))
converter.register_unstructure_hook(Period, str)
converter.register_unstructure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda v: v.value
)
converter.register_structure_hook(Period, lambda v, _t: Period.parse(v))


def unstructure(value: object) -> Any:
    """``value`` as plain data: dicts, lists, strings, numbers, booleans and None."""
    return converter.unstructure(value)


def structure(data: Any, cls: type[_T]) -> _T:
    """Rebuild a value of ``cls`` from the plain data :func:`unstructure` made."""
    return converter.structure(data, cls)


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON, UTF-8: keys sorted, no spaces, non-ASCII kept as it is.

    Byte for byte what ``json.dumps(value, sort_keys=True, ensure_ascii=False,
    separators=(",", ":")).encode()`` gives for the plain data :func:`unstructure` makes
    (strings, integers, booleans, None, lists and string-keyed dicts; the domain holds no
    floats), ten times faster: it is
    what history digests and stored records are made of. Anything orjson does not take the same
    way (an integer beyond 64 bits, a non-string key) goes through the standard library.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
