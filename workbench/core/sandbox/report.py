"""What the sandbox confines here, and what it does not, in plain words (for `workbench doctor`)."""

from __future__ import annotations

from typing import Any

from workbench.core.sandbox.protect import HOOK_CONFIGS, ROOT_CONTROLS
from workbench.core.sandbox.runtime import Sandbox
from workbench.core.sandbox.scan import SKIP_DIRS

_CONTROLS = ", ".join(
    [".git/config", ".git/hooks", ".git/info", "the core.hooksPath folder", *ROOT_CONTROLS, *HOOK_CONFIGS[:2]]
)
_SKIPPED = ", ".join(sorted(SKIP_DIRS - {".git"}))

COMMON_GAPS = [
    "reading the rest of the file system: everything that is not a known secret stays readable",
    "what a command does with the network once it was granted it",
    "a hard link or copy of a secret under another name, and secrets inside " + _SKIPPED,
    "repositories nested in the workspace (sub/.git), and ones a command creates: their config and hooks, which "
    "your own git status runs once one is staged as a submodule",
    "CPU, memory and disk use beyond the resource limits",
]

_KIND_CONFINES: dict[str, list[str]] = {
    "bwrap": [
        "writes: only the workspace, the session's private /tmp and [sandbox] writable folders (/ is read-only)",
        "secret files are unreadable: home credentials (~/.ssh, ~/.aws, ~/.gnupg, ~/.netrc, ~/.kube, "
        "~/.docker/config.json, ~/.config/gcloud, ...), workspace .env and key files, the workbench's folders",
        f"control files stay read-only, and missing ones cannot be created: {_CONTROLS}",
        "network: off (a network namespace with its own loopback) unless the command was granted it",
        "processes: a pid namespace with its own /proc; the workbench's environment is not visible; every "
        "process the command started ends with it, even one that left its process group",
        "privileges: every capability dropped, no new privileges; container sockets and the user's runtime "
        "folder (D-Bus, systemd, agent sockets) are hidden",
    ],
    "landlock": [
        "writes: only the workspace, the session's private tmp (TMPDIR) and [sandbox] writable folders",
        "home credentials and the workbench's own folders are unreadable; the host's /tmp is closed",
        "TCP connect and bind: off unless the command was granted the network (Landlock ABI 4 and later)",
        "signals and abstract Unix sockets outside the sandbox (Landlock ABI 6 and later)",
        "other processes' memory and environment (/proc/PID/environ) cannot be read",
        "privileges: the capability bounding set is emptied, no new privileges",
    ],
    "seatbelt": [
        "writes: only the workspace, the private tmp (TMPDIR) and [sandbox] writable folders",
        "secret files are unreadable: home credentials, workspace .env files (also ones created later) and key "
        "files, the workbench's folders",
        f"control files stay read-only and cannot be created: {_CONTROLS}",
        "network: off unless the command was granted it",
        "signals and process information: only the sandbox's own processes",
    ],
}

_KIND_GAPS: dict[str, list[str]] = {
    "bwrap": [
        "secret files created in the workspace while the command runs",
        "Unix sockets on the file system outside the runtime folder (for example the system D-Bus socket)",
        "the kernel's own attack surface (no seccomp filter)",
    ],
    "landlock": [
        "workspace secret files (.env, keys) stay readable: Landlock cannot take a file back out of the "
        "workspace it grants",
        f"control files inside the workspace stay writable: {_CONTROLS}",
        "UDP and other non-TCP traffic; Unix sockets on the file system (docker.sock, D-Bus, systemd)",
        "processes are visible in /proc (command lines, not environments); a child that leaves its process group "
        "(setsid) outlives a timeout",
        "commands that write to /tmp directly instead of $TMPDIR fail",
    ],
    "seatbelt": [
        "process information through sysctl (another process's arguments and environment)",
        "Mach services (the profile allows mach-lookup)",
        "a child that leaves its process group (setsid) outlives a timeout",
    ],
}


def describe(sandbox: Sandbox, *, scan: bool = True) -> dict[str, Any]:
    """Everything doctor prints about the sandbox, as JSON-ready data."""
    choice = sandbox.choice
    settings = sandbox.settings
    info: dict[str, Any] = {
        "kind": choice.kind,
        "mode": settings.mode,
        "mode_from": settings.source,
        "available": not choice.refused and choice.kind != "none",
        "commands_refused": choice.refused,
        "why_none": choice.why,
        "tool": choice.tool,
        "landlock_abi": choice.abi,
        "network_confined": sandbox.confines_network,
        "confines": _KIND_CONFINES.get(choice.kind, []),
        "does_not_confine": [*_KIND_GAPS.get(choice.kind, []), *COMMON_GAPS] if choice.kind in _KIND_GAPS else
        ["anything: commands run with the workbench's own permissions (resource limits still apply)"],
        "limits": sandbox.limits.lines(),
        "problems": list(settings.problems),
    }
    if choice.kind == "landlock" and choice.abi < 4:
        info["does_not_confine"].insert(0, f"the network (Landlock ABI {choice.abi}; TCP rules need ABI 4)")
    if scan and info["available"]:
        plan = sandbox.plan(network=False)
        info["writable"] = list(plan.writable)
        info["read_only"] = list(plan.protected)
        info["kept_from_being_created"] = list(plan.placeholders)
        info["hidden"] = list(plan.hidden)
        info["sockets_hidden"] = list(plan.sockets)
        info["workspace_folders_scanned"] = plan.scan.folders
        info["problems"] += list(plan.problems)
        if plan.scan.truncated:
            info["problems"].append(f"the workspace has more than {plan.scan.folders:,} folders: the rest was "
                                    "not scanned for secret files")  # fmt: skip
    return info
