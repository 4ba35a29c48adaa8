"""bubblewrap: the command runs in new mount, pid and IPC namespaces (and a network namespace with only
its own loopback unless the network was granted) with every capability dropped.

Mounts, in order (a later mount covers an earlier one):
  --ro-bind / /             everything read-only
  --dev /dev, --proc /proc  a minimal /dev; a /proc that shows only the sandbox's processes
  --bind TMP /tmp           the session's private tmp
  --bind W W                the workspace, extra writable folders, git dirs outside the workspace
  --bind F F                folders holding control files (`.git`): pinned, so they cannot be renamed away
  --ro-bind P P             control files and folders inside those, read-only again
  --ro-bind EMPTY P         missing control paths (an empty read-only folder keeps them from being created),
                            secret files and folders (an unreadable empty file or folder), daemon sockets
  --tmpfs RUNTIME           the user's runtime folder (D-Bus, systemd, agent sockets)
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache

from workbench.core.sandbox.plan import Plan, inside

NAMESPACES = ("--unshare-pid", "--unshare-ipc", "--die-with-parent")


def _caps() -> list[str]:
    # As root, bwrap keeps every capability unless told otherwise: with them a command could remount / rw.
    return ["--cap-drop", "ALL"] if os.geteuid() == 0 else []


@lru_cache(maxsize=1)
def probe() -> tuple[str | None, str]:
    """(path to a working bwrap, "") or (None, why not). Runs bwrap once with the flags commands use."""
    tool = shutil.which("bwrap")
    if tool is None:
        return None, "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    true = shutil.which("true") or "/bin/true"
    argv = [tool, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *NAMESPACES, "--unshare-net", *_caps(),
            "--", true]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bwrap could not start: {exc}"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, f"bwrap does not work here: {why[-1] if why else f'exit {done.returncode}'}"
    return tool, ""


def _shown(path: str, plan: Plan) -> bool:
    """False when the sandbox cannot see `path` anyway: it is under the host's /tmp (the sandbox has its own)."""
    if not inside(path, "/tmp"):
        return True
    return any(inside(path, w) for w in plan.writable)


def argv(tool: str, plan: Plan, command: list[str], *, cwd: str, empty_file: str, empty_dir: str,
         placeholder_dir: str, files: tuple[tuple[str, str], ...] = ()) -> list[str]:  # fmt: skip
    """`files`: (host file, path inside) pairs to show read-only in the sandbox's /tmp."""
    out = [tool, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", plan.tmp, "/tmp"]
    for source, target in files:
        out += ["--ro-bind", source, target]
    for folder in plan.writable:
        out += ["--bind", folder, folder]
    for folder in plan.pinned:  # a mount point cannot be renamed or removed
        out += ["--bind", folder, folder]
    for path in plan.protected:
        if os.path.exists(path):  # a dangling link cannot be mounted on
            out += ["--ro-bind", path, path]
    for path in plan.placeholders:
        out += ["--ro-bind", placeholder_dir, path]
    for path in plan.hidden:
        if _shown(path, plan) and os.path.exists(path):
            out += ["--ro-bind", empty_dir if os.path.isdir(path) else empty_file, path]
    for path in plan.sockets:
        if not _shown(path, plan):
            continue
        if os.path.isdir(path):
            out += ["--tmpfs", path]
        else:
            out += ["--ro-bind", empty_file, path]
    if plan.network and plan.agent_socket and (not _shown(plan.agent_socket, plan) or
                                                any(inside(plan.agent_socket, s) for s in plan.sockets)):  # fmt: skip
        out += ["--bind", plan.agent_socket, plan.agent_socket]
    out += [*NAMESPACES, *_caps()]
    if not plan.network:
        out.append("--unshare-net")
    out += ["--chdir", cwd, "--", *command]
    return out
