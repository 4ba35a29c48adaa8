"""Events back from their JSON form (`Event.to_json`), for transcripts and stream-json consumers."""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import Any

from workbench.core.events import EVENT_TYPES, Event


class DecodeError(ValueError):
    pass


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is type(None):
                continue
            try:
                return _decode(arg, value)
            except (DecodeError, TypeError, ValueError):
                continue
        return value
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return tuple(_decode(inner, v) for v in value)
    if origin is list:
        args = typing.get_args(hint)
        return [_decode(args[0] if args else Any, v) for v in value]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise DecodeError(f"expected an object for {hint.__name__}")
        return _build(hint, value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints.get(f.name, Any), data[f.name])
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
