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

__all__ = ["canonical_json", "converter", "register_unrolled", "structure", "unstructure"]

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
    fields = [(name, *_field(hints[name], done)) for name in names]
    # Plain code, as cattrs generates it, without its per-field checks: a field that needs no
    # conversion is read and written as it is.
    namespace: dict[str, Any] = {
        "cls": cls,
        "keys": frozenset(names),
        "general_in": cattrs.gen.make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True
        ),
    }
    reads, writes = [], []
    for n, (name, reader, writer) in enumerate(fields):
        namespace[f"r{n}"], namespace[f"w{n}"] = reader, writer
        reads.append(f"d[{name!r}]" if reader is _same else f"r{n}(d[{name!r}])")
        writes.append(f"{name!r}: v.{name}" if writer is _same else f"{name!r}: w{n}(v.{name})")
    source = (
        "def read(d, _cls=cls):\n"
        "    if d.__class__ is not dict or d.keys() != keys:\n"
        "        return general_in(d, _cls)\n"
        f"    return cls({', '.join(reads)})\n"
        "def write(v):\n"
        f"    return {{{', '.join(writes)}}}\n"
    )
    exec(compile(source, f"<reviewflow unrolled {cls.__qualname__}>", "exec"), namespace)  # noqa: S102 - our own code, built from the class's fields
    read, write = namespace["read"], namespace["write"]
    done[cls] = (read, write)
    converter.register_structure_hook(cls, read)
    converter.register_unstructure_hook(cls, write)
    return read, write


def _cycle(_value: Any) -> Any:  # pragma: no cover - no domain class holds itself
    raise TypeError("a class that holds itself is not unrolled")


def _field(
    kind: Any, done: dict[type[Any], tuple[_Convert, _Convert]]
) -> tuple[_Convert, _Convert]:
    if kind in (str, int, bool):
        return _same, _same
    if kind is Period:
        return Period.parse, str
    if kind is date:
        return date.fromisoformat, date.isoformat
    if kind is datetime:
        return datetime.fromisoformat, datetime.isoformat
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _enum_reader(kind), _value
    if attrs.has(kind):
        return _unrolled(kind, done)
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_in, item_out = _field(args[0], done)
        return (
            lambda v: tuple(item_in(x) for x in v) if v else (),
            lambda v: [item_out(x) for x in v],
        )
    if len(args) == 2 and type(None) in args:  # X | None
        inner_in, inner_out = _field(args[0] if args[1] is type(None) else args[1], done)
        return (
            lambda v: None if v is None else inner_in(v),
            lambda v: None if v is None else inner_out(v),
        )
    # Anything else: cattrs' own way.
    return (lambda v: converter.structure(v, kind)), converter.unstructure


def _enum_reader(kind: type[enum.Enum]) -> _Convert:
    members = {m.value: m for m in kind}

    def read(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            return kind(value)  # the enum's own error for a value it does not have

    return read


def _same(value: Any) -> Any:
    return value


def _value(member: enum.Enum) -> Any:
    return member.value
