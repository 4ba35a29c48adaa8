"""The config file's sections and their keys: one schema, checked once when the file is read.

Each section is a frozen dataclass whose fields are its keys; a key left out is None (or empty), and the code
that uses it applies its own default. A key the schema does not know, or a value of the wrong type, is reported
(`Config.errors`) and left out, so nothing downstream sees a string where it wants a number. The free-form
sections ([models] aliases, [keys] binding ids, [pricing] models, [mcp.servers] names) are checked per entry.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class UiSection:
    theme: str | None = None


@dataclass(frozen=True)
class AgentSection:
    max_tokens: int | None = None
    thinking: str | None = None
    read_timeout_s: float | None = None
    retry_max: int | None = None
    retry_base_s: float | None = None
    retry_max_delay_s: float | None = None
    retry_after_cap_s: float | None = None
    response_deadline_s: float | None = None  # the most one model response may take in total; 0: no limit
    delegation: bool | None = None
    max_subagent_depth: int | None = None
    compact_at: float | None = None  # share of the context window (0.8 or 80) at which the history is compacted


@dataclass(frozen=True)
class Limits:
    max_output_chars: int = 30_000  # per tool result sent to the model
    read_max_chars: int = 100_000  # Read pages stop here (about Claude Code's 25k-token Read limit)
    max_file_bytes: int = 10 * 1024 * 1024  # Read/Edit refuse bigger files
    read_default_lines: int = 2000
    max_line_chars: int = 2000  # longer lines are cut in Read output
    glob_max_results: int = 100
    ls_max_entries: int = 1000
    bash_default_timeout_ms: int = 120_000
    bash_max_timeout_ms: int = 600_000
    web_max_bytes: int = 5 * 1024 * 1024
    web_timeout_s: float = 30.0

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> Limits:
        """Read overrides from the config's [tools] section; unknown or non-positive values are ignored."""
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            raw = section.get(name)
            if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw > 0:
                values[name] = type(default)(raw)
        return cls(**values)


@dataclass(frozen=True)
class ToolsSection:
    network: bool | None = None
    read_secrets: bool | None = None
    limits: Mapping[str, float] = field(default_factory=dict)  # overrides of Limits, by field name


@dataclass(frozen=True)
class PersonasSection:
    default: str | None = None  # the persona a session starts with when none is named
    git_commands: tuple[str, ...] = ()
    production_ask: tuple[str, ...] = ()
    require_bash_description: bool | None = None


@dataclass(frozen=True)
class McpSection:
    trusted_projects: tuple[str, ...] = ()
    servers: Mapping[str, Any] = field(default_factory=dict)  # name -> its table, read by workbench.core.mcp.config


@dataclass(frozen=True)
class AuditSection:
    enabled: bool | None = None  # None: on (every session writes its audit log); false turns it off
    max_bytes: int | None = None  # a log this large is rotated (workbench.core.policy.audit.MAX_BYTES by default)
    keep: int | None = None  # rotated parts kept (audit.KEEP by default)
    always: bool | None = None  # from when the log was opt-in: it is on anyway


@dataclass(frozen=True)
class AcpSection:
    agents: Mapping[str, Any] = field(default_factory=dict)  # preset name -> command line, read by core.acp.presets


TABLES: dict[str, type] = {
    "ui": UiSection,
    "agent": AgentSection,
    "tools": ToolsSection,
    "personas": PersonasSection,
    "mcp": McpSection,
    "audit": AuditSection,
    "acp": AcpSection,
}
FREE_FORM = ("models", "keys", "pricing", "windows")  # their keys are the user's: aliases, binding ids, model ids
# Claude Code's `permissions` object: workbench.core.policy.settings reads it as it reads the settings files',
# entry by entry, with its own messages; here only its keys are checked.
PERMISSION_KEYS = ("allow", "ask", "deny", "defaultMode", "additionalDirectories", "disableBypassPermissionsMode")
# Sections whose own readers check their values and report what they drop (workbench.core.sandbox.settings,
# workbench.core.checkpoint.recorder); here only their keys are checked. `Config.section(name)` hands them over.
CHECKED_BY_READER: dict[str, tuple[str, ...]] = {
    "sandbox": (
        "mode",
        "writable",
        "readable",
        "max_processes",
        "max_file_size_mib",
        "max_address_space_mib",
        "max_cpu_seconds",
        "core_dumps",
    ),
    "checkpoints": ("enabled", "max_file_mb", "max_store_mb", "keep_days"),
}


def parse_table(name: str, raw: Any, where: str, problems: list[str]) -> Any:
    """The section `name` as its dataclass; `problems` gets one line per key it had to leave out."""
    cls = TABLES[name]
    if not isinstance(raw, dict):
        if raw is not None:
            problems.append(f"{where} [{name}]: should be a table; ignored")
        return cls()
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    limits: dict[str, float] = {}
    for key, value in raw.items():
        if name == "tools" and key in _limit_names():
            if _is_number(value) and value > 0:
                limits[key] = float(value)
            else:
                problems.append(f"{where} [tools] {key}: should be a positive number, not {value!r}; ignored")
            continue
        if key not in known or key == "limits":
            choices = ", ".join(sorted(known + list(_limit_names()) if name == "tools" else known))
            problems.append(f"{where} [{name}]: unknown key {key!r}; ignored (known: {choices})")
            continue
        ok, typed, wanted = _check(value, hints[key])
        if ok:
            values[key] = typed
        elif isinstance(value, list) and typing.get_origin(_wanted(hints[key])) is tuple:
            values[key] = tuple(v for v in value if isinstance(v, str))  # the good entries stay
            bad = ", ".join(repr(v) for v in value if not isinstance(v, str))
            problems.append(f"{where} [{name}] {key}: {bad} skipped (not a string)")
        else:
            problems.append(f"{where} [{name}] {key}: should be {wanted}, not {value!r}; ignored")
    if name == "tools":
        values["limits"] = MappingProxyType(limits)
    return cls(**values)


def parse_strings(name: str, raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    """[models] and [keys]: every value a string."""
    if not isinstance(raw, dict):
        if raw is not None:
            problems.append(f"{where} [{name}]: should be a table; ignored")
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value.strip():
            out[str(key)] = value.strip()
        else:
            problems.append(f"{where} [{name}] {key}: should be a string, not {value!r}; ignored")
    return out


def parse_windows(raw: Any, where: str, problems: list[str]) -> dict[str, int]:
    """[windows]: model id prefix -> context window in tokens (a positive integer)."""
    if not isinstance(raw, dict):
        if raw is not None:
            problems.append(f"{where} [windows]: should be a table; ignored")
        return {}
    out: dict[str, int] = {}
    for prefix, value in raw.items():
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            out[str(prefix)] = value
        else:
            problems.append(f"{where} [windows] {prefix}: should be a positive token count, not {value!r}; ignored")
    return out


def parse_pricing(raw: Any, where: str, problems: list[str]) -> dict[str, dict[str, float]]:
    """[pricing."model-or-family"]: `input` and `output`, dollars per million tokens."""
    if not isinstance(raw, dict):
        if raw is not None:
            problems.append(f"{where} [pricing]: should be a table; ignored")
        return {}
    out: dict[str, dict[str, float]] = {}
    for model, table in raw.items():
        if not isinstance(table, dict):
            problems.append(f"{where} [pricing.{model}]: should be a table with input and output; ignored")
            continue
        prices = {k: float(v) for k, v in table.items() if k in ("input", "output") and _is_number(v) and v >= 0}
        extra = sorted(set(table) - set(prices))
        if extra:
            problems.append(f"{where} [pricing.{model}]: {', '.join(extra)} ignored (known: input, output)")
        if prices:
            out[str(model)] = prices
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _wanted(hint: Any) -> Any:
    """`X | None` -> X."""
    args = set(typing.get_args(hint)) - {type(None)}
    return args.pop() if len(args) == 1 else hint


def _check(value: Any, hint: Any) -> tuple[bool, Any, str]:
    """(fits, the value as the field holds it, what the field wants)."""
    wanted = _wanted(hint)
    if wanted is bool:
        return isinstance(value, bool), value, "true or false"
    if wanted is int:
        return isinstance(value, int) and not isinstance(value, bool), value, "a whole number"
    if wanted is float:
        return _is_number(value), float(value) if _is_number(value) else None, "a number"
    if wanted is str:
        return isinstance(value, str), value, "a string"
    if typing.get_origin(wanted) is tuple:
        fits = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return fits, tuple(value) if fits else (), "a list of strings"
    fits = isinstance(value, dict)
    return fits, MappingProxyType(dict(value)) if fits else _EMPTY, "a table"


def _limit_names() -> frozenset[str]:
    """The [tools] size limits a user may set: the fields of Limits."""
    return frozenset(f.name for f in dataclasses.fields(Limits))


def parse_keys_only(name: str, keys: tuple[str, ...], raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
    """A section another reader checks value by value: only its keys are checked here."""
    if not isinstance(raw, dict):
        if raw is not None:
            problems.append(f"{where} [{name}]: should be a table; ignored")
        return {}
    known = ", ".join(keys)
    for key in raw:
        if key not in keys:
            problems.append(f"{where} [{name}]: unknown key {key!r}; ignored (known: {known})")
    return {k: v for k, v in raw.items() if k in keys}
