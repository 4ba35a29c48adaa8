"""Resource limits for every command: processes, file size, address space, CPU time, core dumps.

The limits are set as both soft and hard limits (a command cannot raise them again), never above the
workbench's own hard limits. They are applied by the command's own bash before it reads the command: a
read-only script named by BASH_ENV runs `ulimit` (and exits 126, running nothing, when it cannot). When
the environment already has a BASH_ENV, `prlimit` (util-linux) in front of the command sets them (one
small exec), or else the forked child does before exec (a fork of the workbench process instead of a vfork:
several milliseconds more on a large process). Landlock's child sets them itself.

Defaults, and why they do not break everyday tools:
  * processes (RLIMIT_NPROC): 8192, or the user's current thread count + 4096 when that is higher. It counts
    every process and thread of the user, not just the command's; it only stops a fork bomb. The kernel does
    not enforce it for root (uid 0), so it does nothing in containers and CI jobs that run as root.
  * file size (RLIMIT_FSIZE): 4 GiB per file written. A bigger write stops with SIGXFSZ ("File size limit
    exceeded"); the result says which limit it was.
  * address space (RLIMIT_AS): 16 GiB per process. pytest, gcc/clang and node run far below it (node's
    WebAssembly reserves about 10 GiB of address space up front, which a lower limit breaks); Chromium and
    AddressSanitizer builds reserve more and need `max_address_space_mib = 0`.
  * CPU time: no limit (the Bash timeout bounds wall time). Core dumps: off.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from workbench.core.sandbox.settings import DEFAULT_MIN_PROCESSES, MIB, ResourceLimits

PROCESS_HEADROOM = 4096

# name -> (resource constant, prlimit option, what it is in words, bash ulimit option, bytes per ulimit unit)
_KINDS: dict[str, tuple[int, str, str, str, int]] = {
    "nproc": (resource.RLIMIT_NPROC, "--nproc", "processes", "-u", 1),
    "fsize": (resource.RLIMIT_FSIZE, "--fsize", "file size", "-f", 1024),
    "as": (resource.RLIMIT_AS, "--as", "address space", "-v", 1024),
    "cpu": (resource.RLIMIT_CPU, "--cpu", "CPU seconds", "-t", 1),
    "core": (resource.RLIMIT_CORE, "--core", "core dump size", "-c", 1024),
}


@dataclass(frozen=True)
class Rlimits:
    values: tuple[tuple[str, int], ...]  # (name, limit) pairs; absent = unlimited
    settings: ResourceLimits

    def get(self, name: str) -> int | None:
        return dict(self.values).get(name)

    def prefix(self) -> list[str] | None:
        """`prlimit --as=N … --` to put in front of a command, or None when prlimit is not installed."""
        tool = _prlimit()
        if tool is None or not self.values:
            return None if tool is None else []
        return [tool, *(f"{_KINDS[name][1]}={value}" for name, value in self.values), "--"]

    def script(self) -> str:
        """Shell lines that set the limits in bash (BASH_ENV), or refuse to run the command."""
        if not self.values:
            return "unset BASH_ENV\n"
        opts = " ".join(f"{_KINDS[name][3]} {value // _KINDS[name][4]}" for name, value in self.values)
        return (f"ulimit -H -S {opts} || {{ echo 'workbench: the resource limits could not be set' >&2; exit 126; }}\n"
                "unset BASH_ENV\n")  # fmt: skip

    def apply(self) -> None:
        """Set the limits on this process (called in the forked child, before exec)."""
        for name, value in self.values:
            resource.setrlimit(_KINDS[name][0], (value, value))

    def preexec(self) -> Callable[[], None] | None:
        return self.apply if self.values else None

    def lines(self) -> list[str]:
        """Human words for doctor: one line per limit, unlimited ones included."""
        out = []
        for name, (_, _, words, _, _) in _KINDS.items():
            value = self.get(name)
            if value is None:
                out.append(f"{words}: no limit")
            elif name in ("fsize", "as"):
                out.append(f"{words}: {value // MIB:,} MiB")
            else:
                out.append(f"{words}: {value:,}")
        return out


def resolve(settings: ResourceLimits) -> Rlimits:
    """The concrete limits for `settings`, capped at this process's hard limits."""
    wanted: dict[str, int] = {}
    processes = settings.max_processes if settings.max_processes is not None else _auto_processes()
    if processes:
        wanted["nproc"] = processes
    if settings.max_file_size_mib:
        wanted["fsize"] = settings.max_file_size_mib * MIB
    if settings.max_address_space_mib:
        wanted["as"] = settings.max_address_space_mib * MIB
    if settings.max_cpu_seconds:
        wanted["cpu"] = settings.max_cpu_seconds
    if not settings.core_dumps:
        wanted["core"] = 0
    values: list[tuple[str, int]] = []
    for name, value in wanted.items():
        hard = resource.getrlimit(_KINDS[name][0])[1]
        if hard != resource.RLIM_INFINITY and hard < value:
            value = hard
        values.append((name, value))
    return Rlimits(tuple(values), settings)


def _auto_processes() -> int:
    if os.geteuid() == 0:
        return DEFAULT_MIN_PROCESSES  # not enforced for root; kept for a uniform report
    return max(DEFAULT_MIN_PROCESSES, user_tasks(os.getuid()) + PROCESS_HEADROOM)


def user_tasks(uid: int) -> int:
    """Processes and threads of `uid` now (what RLIMIT_NPROC counts): a stat of /proc/PID/task each."""
    count = 0
    try:
        entries = os.scandir("/proc")
    except OSError:
        return 0
    with entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                count += max(os.stat(f"/proc/{entry.name}/task").st_nlink - 2, 1)
            except OSError:
                continue
    return count


@lru_cache(maxsize=1)
def _prlimit() -> str | None:
    return shutil.which("prlimit")


def stopped_by_limit(status: int | None, limits: Rlimits) -> str | None:
    """Plain words when an exit status means a resource limit killed the command, else None."""
    if status is None:
        return None
    sig = -status if status < 0 else status - 128 if 128 < status < 160 else 0
    if sig == signal.SIGXFSZ and limits.get("fsize") is not None:
        size = limits.get("fsize") or 0
        return (f"stopped by SIGXFSZ: a file grew past the {size // MIB:,} MiB file-size limit for commands "
                "([sandbox] max_file_size_mib)")  # fmt: skip
    if sig == signal.SIGXCPU and limits.get("cpu") is not None:
        return f"stopped by SIGXCPU: the command used its {limits.get('cpu')} s of CPU time ([sandbox] max_cpu_seconds)"
    return None
