"""Argument checks and small helpers every tool shares."""

from __future__ import annotations

from typing import Any

from workbench.core.secrets import is_secret_path
from workbench.core.tools.base import ToolError
from workbench.core.tools.context import ToolContext


def ctx_of(ctx: Any) -> ToolContext:
    if not isinstance(ctx, ToolContext):
        raise ToolError("internal error: the tool was called without a ToolContext")
    return ctx


def req_str(args: dict[str, Any], key: str, *, allow_empty: bool = False) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise ToolError(f"'{key}' is required and must be a string")
    if not allow_empty and not value:
        raise ToolError(f"'{key}' must not be empty")
    return value


def opt_str(args: dict[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ToolError(f"'{key}' must be a string")
    return value


def opt_int(args: dict[str, Any], key: str, *, minimum: int = 0) -> int | None:
    value = args.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ToolError(f"'{key}' must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ToolError(f"'{key}' must be an integer")
    if value < minimum:
        raise ToolError(f"'{key}' must be at least {minimum}")
    return value


def opt_bool(args: dict[str, Any], key: str, default: bool = False) -> bool:
    value = args.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ToolError(f"'{key}' must be true or false")


def opt_str_list(args: dict[str, Any], key: str) -> list[str]:
    value = args.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ToolError(f"'{key}' must be a list of strings")
    return list(value)


def refuse_secret(ctx: ToolContext, rel: str) -> None:
    if not ctx.settings.read_secrets and is_secret_path(rel):
        raise ToolError(
            f"reading {rel} is denied: it looks like a secret or credential file (.env, keys, tokens); "
            "ask the user to share what you need from it"
        )
