"""Events back from their JSON form (`Event.to_json`), for transcripts and stream-json consumers.

Each type gets one decoder, built once from its type hints: a long session's transcript holds tens of
thousands of events, and resuming it decodes them all.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable
from typing import Any

from workbench.core.events import EVENT_TYPES, Event

Decoder = Callable[[Any], Any]


class DecodeError(ValueError):
    pass


def _same(value: Any) -> Any:
    return value


def _union(options: list[Decoder]) -> Decoder:
    def decode(value: Any) -> Any:
        for option in options:
            try:
                return option(value)
            except (DecodeError, TypeError, ValueError):
                continue
        return value

    return decode


def _sequence(inner: Decoder, kind: type) -> Decoder:
    if inner is _same:
        return lambda value: kind(value)
    return lambda value: kind(inner(v) for v in value)


@functools.cache
def _decoder(hint: Any) -> Decoder:
    """value -> the decoded value for `hint`; None passes through every decoder."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_decoder(arg) for arg in typing.get_args(hint) if arg is not type(None)]
        if all(option is _same for option in options):
            return _same
        return _union(options)
    if origin in (tuple, list):
        args = typing.get_args(hint)
        return _sequence(_decoder(args[0]) if args else _same, origin)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    return _same


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Decoder], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _decoder(hints.get(f.name, Any))) for f in dataclasses.fields(cls))


def _record(cls: type) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, dict):
            raise DecodeError(f"expected an object for {cls.__name__}")
        return _build(cls, value)

    return decode


def _build(cls: type, data: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, decode in _fields(cls):
        if name in data:
            value = data[name]
            kwargs[name] = value if value is None or decode is _same else decode(value)
    return cls(**kwargs)


def event_from_json(data: dict[str, Any]) -> Event:
    """The Event a `to_json()` dict came from; DecodeError for an unknown type or a malformed record."""
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise DecodeError(f"unknown event type {data.get('type')!r}")
    try:
        event: Event = _build(cls, data)
    except (TypeError, ValueError) as exc:
        raise DecodeError(f"malformed {cls.type} event: {exc}") from exc
    return event
