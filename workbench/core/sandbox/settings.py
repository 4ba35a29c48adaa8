"""The `[sandbox]` config section, the `WORKBENCH_SANDBOX` override and the resource limits for commands.

    [sandbox]
    mode = "auto"                 # auto | off | bwrap | landlock | seatbelt (a named kind that is missing: refused)
    writable = ["~/.cargo"]       # extra folders commands may write (besides the workspace and a private tmp)
    readable = ["~/.kube"]        # paths the sandbox would hide that commands may read after all
    max_processes = 8192          # RLIMIT_NPROC; 0 = no limit (see rlimits.py for the automatic default)
    max_file_size_mib = 4096      # RLIMIT_FSIZE
    max_address_space_mib = 16384 # RLIMIT_AS
    max_cpu_seconds = 0           # RLIMIT_CPU; 0 = no limit (the Bash timeout already bounds wall time)
    core_dumps = false            # RLIMIT_CORE = 0 unless true

`WORKBENCH_SANDBOX=off|auto|bwrap|landlock|seatbelt` overrides `mode` (`--no-sandbox` sets it to off).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MODES = ("auto", "off", "bwrap", "landlock", "seatbelt")
ENV = "WORKBENCH_SANDBOX"

MIB = 1024 * 1024
DEFAULT_FILE_SIZE_MIB = 4096
DEFAULT_ADDRESS_SPACE_MIB = 16384  # node's WebAssembly reserves about 10 GiB of address space
DEFAULT_MIN_PROCESSES = 8192


@dataclass(frozen=True)
class ResourceLimits:
    """Per-command limits. None for `max_processes` means automatic; 0 anywhere means no limit."""

    max_processes: int | None = None
    max_file_size_mib: int = DEFAULT_FILE_SIZE_MIB
    max_address_space_mib: int = DEFAULT_ADDRESS_SPACE_MIB
    max_cpu_seconds: int = 0
    core_dumps: bool = False


@dataclass(frozen=True)
class SandboxSettings:
    mode: str = "auto"
    writable: tuple[str, ...] = ()
    readable: tuple[str, ...] = ()
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    source: str = "default"  # where `mode` came from: default, config, WORKBENCH_SANDBOX
    problems: tuple[str, ...] = ()  # config values that were ignored, and why

    @classmethod
    def from_config(cls, section: Mapping[str, Any], env: Mapping[str, str] | None = None) -> SandboxSettings:
        """Read `[sandbox]`; bad values are reported in `problems` and the defaults apply."""
        problems: list[str] = []
        mode, source = "auto", "default"
        raw = section.get("mode")
        if raw is not None:
            if isinstance(raw, str) and raw in MODES:
                mode, source = raw, "config"
            else:
                problems.append(f"[sandbox] mode = {raw!r} is not one of {', '.join(MODES)}; using auto")
        override = (os.environ if env is None else env).get(ENV, "").strip()
        if override:
            if override in MODES:
                mode, source = override, ENV
            else:
                problems.append(f"{ENV}={override!r} is not one of {', '.join(MODES)}; ignored")
        return cls(
            mode=mode,
            writable=_paths(section, "writable", problems),
            readable=_paths(section, "readable", problems),
            limits=_limits(section, problems),
            source=source,
            problems=tuple(problems),
        )


def _paths(section: Mapping[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    raw = section.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(p, str) and p.strip() for p in raw):
        problems.append(f"[sandbox] {key} must be a list of paths; ignored")
        return ()
    return tuple(p.strip() for p in raw)


def _limits(section: Mapping[str, Any], problems: list[str]) -> ResourceLimits:
    values: dict[str, Any] = {}
    for key in ("max_processes", "max_file_size_mib", "max_address_space_mib", "max_cpu_seconds"):
        raw = section.get(key)
        if raw is None:
            continue
        if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
            values[key] = raw
        else:
            problems.append(f"[sandbox] {key} must be a whole number ≥ 0 (0 = no limit); using the default")
    core = section.get("core_dumps")
    if core is not None:
        if isinstance(core, bool):
            values["core_dumps"] = core
        else:
            problems.append("[sandbox] core_dumps must be true or false; using false")
    return ResourceLimits(**values)
