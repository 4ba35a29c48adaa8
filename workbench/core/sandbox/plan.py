"""One command's confinement, whatever enforces it: what is writable, what stays read-only inside the
writable places, what is hidden, and whether the network is reachable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workbench.core.sandbox import protect
from workbench.core.sandbox.scan import ScanResult, WorkspaceScan
from workbench.core.sandbox.settings import SandboxSettings


@dataclass(frozen=True)
class Plan:
    workspace: str  # real path
    tmp: str  # the host folder that is the command's private /tmp
    writable: tuple[str, ...]  # the workspace, extra writable folders, git dirs outside the workspace
    protected: tuple[str, ...]  # existing control files and folders inside writable places: read-only
    placeholders: tuple[str, ...]  # missing control paths in the workspace: kept from being created
    hidden: tuple[str, ...]  # secret files and folders: unreadable
    sockets: tuple[str, ...]  # daemon sockets and the user's runtime folder: unreachable
    agent_socket: str | None  # the SSH agent, reachable again when the network is
    network: bool
    scan: ScanResult
    problems: tuple[str, ...]
    # Folders between a writable place and a protected or placeholder path (`.git` for `.git/config`): mounted on
    # themselves, so that they cannot be renamed away and replaced by a folder holding other control files.
    pinned: tuple[str, ...] = ()
    # Control paths that must not appear (`.git/commondir`): what a command left there is removed after it.
    absent: tuple[str, ...] = ()


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _vacant(path: str) -> bool:
    """Missing, or an empty folder (not a link)."""
    if not os.path.lexists(path):
        return True
    if os.path.islink(path) or not os.path.isdir(path):
        return False
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def _pins(paths: list[str], writable: list[str]) -> list[str]:
    """The folders strictly between each path and the writable place holding it, outermost first."""
    out: list[str] = []
    for path in paths:
        root = max((w for w in writable if inside(path, w)), key=len, default=None)
        if root is None or path == root:
            continue
        folder = os.path.dirname(path)
        while folder != root and inside(folder, root):
            out.append(folder)
            folder = os.path.dirname(folder)
    ordered = sorted(dict.fromkeys(out), key=lambda p: p.count("/"))
    return [p for p in ordered if os.path.isdir(p) and not os.path.islink(p)]


def _real(raw: str) -> str:
    return os.path.realpath(os.path.expanduser(raw))


def build(
    workspace: str,
    tmp: str,
    settings: SandboxSettings,
    scanner: WorkspaceScan,
    home: Path,
    *,
    network: bool,
    scan: bool = True,
) -> Plan:
    """`scan=False` leaves the workspace's own secret and control files out (Landlock cannot use them)."""
    ws = os.path.realpath(workspace)
    problems: list[str] = []
    readable = [_real(p) for p in settings.readable]
    writable = [ws]
    for raw in settings.writable:
        real = _real(raw)
        if os.path.isdir(real):
            writable.append(real)
        else:
            problems.append(f"[sandbox] writable {raw}: not a folder; left read-only")
    git = protect.find_git(ws)
    protected: list[str] = []
    placeholders: list[str] = []
    absent: list[str] = []
    if git is not None:
        outside = [f for f in dict.fromkeys((git.gitdir, git.common)) if not any(inside(f, w) for w in writable)]
        if outside and protect.linked_back(git):
            writable.extend(outside)  # git must write its index, objects and refs
        elif outside:
            problems.append(f"{os.path.join(git.root, '.git')} names git dirs ({', '.join(outside)}) that do not "
                            "name this work tree back: commands may not write them")  # fmt: skip
        protected.extend(protect.git_controls(git))
        absent.extend(protect.git_absent(git))
        hooks = protect.hooks_path(git)
        for missing in (os.path.join(git.common, "hooks"), hooks):
            if missing and _vacant(missing) and any(inside(missing, w) for w in writable):
                placeholders.append(missing)
    scanned = scanner.scan() if scan else ScanResult((), (), 0, False)
    protected.extend(os.path.join(ws, rel) for rel in scanned.controls)
    for rel in protect.ROOT_CONTROLS:
        first = os.path.join(ws, rel.split("/", 1)[0])
        path = os.path.join(ws, rel)
        if _vacant(first):  # an empty folder may be another command's placeholder: treat it as one
            placeholders.append(first)
        elif os.path.lexists(path):
            protected.append(path)
        else:
            placeholders.append(path)
    protected.extend(p for p in (os.path.join(ws, rel) for rel in protect.RUN_CONFIGS) if os.path.lexists(p))
    secrets = [*protect.home_secrets(home), *(str(p) for p in protect.workbench_dirs() if os.path.lexists(p))]
    secrets.extend(os.path.join(ws, rel) for rel in scanned.secrets)
    hidden = [
        p
        for p in dict.fromkeys(secrets)
        if not any(inside(p, r) for r in readable) and not inside(ws, p)  # never hide the workspace itself
    ]
    sockets = [s for s in protect.DAEMON_SOCKETS if os.path.exists(s)]
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime) and not inside(ws, runtime):
        sockets.append(os.path.realpath(runtime))
    agent = os.environ.get("SSH_AUTH_SOCK", "")
    writable = list(dict.fromkeys(writable))
    kept = [p for p in dict.fromkeys(protected) if p not in placeholders and any(inside(p, w) for w in writable)]
    placeholders = list(dict.fromkeys(placeholders))
    absent = [p for p in absent if any(inside(p, w) for w in writable)]
    return Plan(
        workspace=ws,
        tmp=tmp,
        writable=tuple(writable),
        protected=tuple(kept),
        placeholders=tuple(placeholders),
        hidden=tuple(hidden),
        sockets=tuple(dict.fromkeys(sockets)),
        agent_socket=os.path.realpath(agent) if agent and os.path.exists(agent) else None,
        network=network,
        scan=scanned,
        problems=tuple(problems),
        pinned=tuple(_pins([*kept, *placeholders, *absent], writable)),
        absent=tuple(absent),
    )
