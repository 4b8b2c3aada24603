"""Plain-data (JSON-ready) forms of the domain's values, for history entries and stores."""

from __future__ import annotations

import enum
import json
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import attrs
import cattrs
import orjson

from reviewflow.domain.periods import Period

__all__ = [
    "canonical_json",
    "converter",
    "reader",
    "register_unrolled",
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


# -- unrolled hooks for the records stored on every step --------------------------------------

_Convert = Callable[[Any], Any]


_READERS: dict[type[Any], _Convert] = {}


def reader(cls: type[_T]) -> Callable[[Any], _T]:
    """The unrolled structure hook of ``cls`` (registered by :func:`register_unrolled`), to
    call without the converter's dispatch: ``reader(Review)(data)`` is
    ``structure(data, Review)``."""
    return _READERS[cls]


def register_unrolled(cls: type[Any]) -> None:
    """Register plain-code structure and unstructure hooks for the attrs class ``cls`` and the
    attrs classes in its fields, with the same results as cattrs' generated ones (tests hold
    them to it) at a third of the cost: a review is read and written on every step.

    Only the common case is unrolled: a dict with exactly the class's keys. Anything else goes
    to cattrs' generated function, which reports what is wrong.
    """
    _unrolled(cls, {})


def _unrolled(
    cls: type[Any], done: dict[type[Any], tuple[_Convert, _Convert]]
) -> tuple[_Convert, _Convert]:
    if cls in done:
        return done[cls]
    hints = typing.get_type_hints(cls)
    names = [a.name for a in attrs.fields(cls)]
    done[cls] = (_cycle, _cycle)  # a class that holds itself is not unrolled
    # Plain code, as cattrs generates it, without its per-field checks and calls: a field that
    # needs no conversion is read and written as it is, tuples and optional values inline.
    code = _Code(
        {
            "cls": cls,
            "keys": frozenset(names),
            "general_in": cattrs.gen.make_dict_structure_fn(
                cls, converter, _cattrs_forbid_extra_keys=True
            ),
        }
    )
    reads, writes = [], []
    for name in names:
        read_expr, write_expr = _field(hints[name], done, code)
        reads.append(read_expr(f"d[{name!r}]"))
        writes.append(f"{name!r}: {write_expr(f'v.{name}')}")
    # A small frozen value of text fields (a method record, say) is read once per distinct
    # content and shared: it cannot change, and equal text builds an equal value (or fails the
    # same way, and a failure is not kept). Anything but text or null is read as usual.
    leaf = getattr(cls.__setattr__, "__name__", "") == "_frozen_setattrs" and all(
        _text_leaf(hints[name]) for name in names
    )
    key = f"({''.join(f'd[{name!r}], ' for name in names)})"
    memo = (
        f"    key = {key}\n"
        "    found = memo.get(key)\n"
        "    if found is not None:\n"
        "        return found\n"
        f"    value = cls({', '.join(reads)})\n"
        "    if all(v is None or v.__class__ is str for v in key):\n"
        "        if len(memo) >= 4096:\n"
        "            memo.clear()\n"
        "        memo[key] = value\n"
        "    return value\n"
        if leaf
        else f"    return cls({', '.join(reads)})\n"
    )
    code.names["memo"] = {}
    source = (
        "def read(d, _cls=cls):\n"
        "    if d.__class__ is not dict or d.keys() != keys:\n"
        "        return general_in(d, _cls)\n"
        f"{memo}"
        "def write(v):\n"
        f"    return {{{', '.join(writes)}}}\n"
    )
    # Our own code, built from the class's fields and type hints, never from data.
    exec(compile(source, f"<reviewflow unrolled {cls.__qualname__}>", "exec"), code.names)  # noqa: S102
    read, write = code.names["read"], code.names["write"]
    done[cls] = (read, write)
    _READERS[cls] = read
    converter.register_structure_hook(cls, read)
    converter.register_unstructure_hook(cls, write)
    return read, write


def _text_leaf(kind: Any) -> bool:
    """Whether a field of ``kind`` is text in its plain form (or null)."""
    if kind in (str, date, datetime, Period):
        return True
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return all(isinstance(m.value, str) for m in kind)
    args = typing.get_args(kind)
    return (
        len(args) == 2
        and type(None) in args
        and all(_text_leaf(a) for a in args if a is not type(None))
    )


class _Code:
    """The names a generated function refers to, and fresh local names for it."""

    def __init__(self, names: dict[str, Any]) -> None:
        self.names = names

    def name(self, value: Any) -> str:
        key = f"c{len(self.names)}"
        self.names[key] = value
        return key

    def local(self) -> str:
        key = f"t{len(self.names)}"
        self.names[key] = None  # reserved
        return key


_Expr = Callable[[str], str]


def _cycle(_value: Any) -> Any:  # pragma: no cover - no domain class holds itself
    raise TypeError("a class that holds itself is not unrolled")


def _field(
    kind: Any, done: dict[type[Any], tuple[_Convert, _Convert]], code: _Code
) -> tuple[_Expr, _Expr]:
    """How to read and write a value of ``kind``: expressions over a value's expression."""
    if kind in (str, int, bool):
        return (lambda e: e), (lambda e: e)
    if kind is Period:
        parse, show = code.name(Period.parse), code.name(str)
        return (lambda e: f"{parse}({e})"), (lambda e: f"{show}({e})")
    if kind is date or kind is datetime:
        parse, show = code.name(kind.fromisoformat), code.name(kind.isoformat)
        return (lambda e: f"{parse}({e})"), (lambda e: f"{show}({e})")
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        members = code.name({m.value: m for m in kind})
        fallback = code.name(kind)
        return (lambda e: f"({members}.get({e}) or {fallback}({e}))"), (lambda e: f"{e}.value")
    if attrs.has(kind):
        read, write = (code.name(f) for f in _unrolled(kind, done))
        return (lambda e: f"{read}({e})"), (lambda e: f"{write}({e})")
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_in, item_out = _field(args[0], done, code)
        t, x = code.local(), code.local()
        return (
            lambda e: f"(tuple([{item_in(x)} for {x} in {t}]) if ({t} := {e}) else ())",
            lambda e: f"[{item_out(x)} for {x} in {e}]",
        )
    if len(args) == 2 and type(None) in args:  # X | None
        inner_in, inner_out = _field(args[0] if args[1] is type(None) else args[1], done, code)
        t = code.local()
        return (
            lambda e: f"(None if ({t} := {e}) is None else {inner_in(t)})",
            lambda e: f"(None if ({t} := {e}) is None else {inner_out(t)})",
        )
    # Anything else: cattrs' own way.
    kind_name = code.name(kind)
    structure_name, unstructure_name = (
        code.name(converter.structure),
        code.name(converter.unstructure),
    )
    return (lambda e: f"{structure_name}({e}, {kind_name})"), (lambda e: f"{unstructure_name}({e})")
