"""macOS Seatbelt (`sandbox-exec`): a profile equivalent to the Linux rules.

Seatbelt matches paths and patterns, so unlike Landlock it can keep paths inside the workspace read-only or
unreadable, including ones that do not exist yet. In SBPL the last matching rule wins: the denials come
after the grants they narrow.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import lru_cache

from workbench.core.sandbox.plan import Plan

DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/dtracehelper")


@lru_cache(maxsize=1)
def probe() -> tuple[str | None, str]:
    if sys.platform != "darwin":
        return None, "sandbox-exec is macOS only"
    tool = shutil.which("sandbox-exec") or "/usr/bin/sandbox-exec"
    if not os.path.exists(tool):
        return None, "sandbox-exec is not available on this Mac"
    return tool, ""


def quote(text: str) -> str:
    """An SBPL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def regex_quote(text: str) -> str:
    """`text` as literal characters inside an SBPL #"…" regular expression."""
    out = "".join("\\" + c if c in r".^$*+?()[]{}|\/" else c for c in text)
    return out.replace('"', '\\"')


def _paths(kind: str, items: list[str] | tuple[str, ...]) -> str:
    return " ".join(f"({kind} {quote(p)})" for p in items)


def profile(plan: Plan) -> str:
    """The profile for one command."""
    ws = plan.workspace
    lines = [
        "(version 1)",
        "(deny default)",
        "(allow process-fork)",
        "(allow process-exec)",
        "(allow signal (target same-sandbox))",
        "(allow process-info* (target same-sandbox))",
        "(allow sysctl-read)",
        "(allow mach-lookup)",
        "(allow ipc-posix-shm)",
        "(allow ipc-posix-sem)",
        "(allow file-read*)",
        f"(allow file-write* {_paths('subpath', (*plan.writable, plan.tmp))} {_paths('literal', DEVICES)}"
        ' (regex #"^/dev/fd/") (regex #"^/dev/tty"))',
        "(allow file-ioctl)",
    ]
    # A workspace .env created after this profile was written is covered too, by pattern; templates are not secret.
    root = regex_quote(ws)
    lines.append(f'(deny file-read* (regex #"^{root}/(.*/)?\\.env(\\.[^/]*)?$"))')
    lines.append(f'(allow file-read* (regex #"^{root}/(.*/)?\\.env\\.(example|sample|template|dist|defaults)$"))')
    guarded = [*plan.protected, *plan.placeholders, *plan.absent]
    if guarded:
        lines.append(f"(deny file-write* {_paths('literal', guarded)} {_paths('subpath', guarded)})")
    hidden = [*plan.hidden, *plan.sockets]
    if hidden:
        lines.append(f"(deny file-read* file-write* {_paths('literal', hidden)} {_paths('subpath', hidden)})")
    if plan.network:
        lines.append("(allow network*)")
        lines.append("(allow system-socket)")
        sockets = " ".join(f"(remote unix-socket (path-literal {quote(p)}))" for p in plan.sockets)
        if sockets:
            lines.append(f"(deny network-outbound {sockets})")
    return "\n".join(lines) + "\n"


def argv(tool: str, plan: Plan, command: list[str]) -> list[str]:
    return [tool, "-p", profile(plan), *command]
