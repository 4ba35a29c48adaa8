"""Landlock (the kernel's unprivileged access-control LSM, Linux ≥ 5.13) through a small ctypes binding.

The ruleset is built in the workbench process (a handful of syscalls) and enforced in the forked child
just before exec: no_new_privs, the capability bounding set emptied (so root loses its powers at exec),
resource limits, then landlock_restrict_self. Landlock only grants; it cannot take a sub-path back out of a
granted hierarchy. So reads are granted on the top-level folders, descending only along the paths that
lead to something hidden (home secrets, the workbench's folders), and writes on the workspace, the
private tmp and the extra writable folders, whole.

What it cannot do here (see docs/sandbox.md): keep files inside the writable workspace unreadable or
read-only (workspace `.env` files, `.git/config`, `.git/hooks`, control files), stop UDP or connections to
Unix sockets on the file system, or hide processes (though it does keep commands from reading other
processes' memory and environment: ptrace-style access ends at the sandbox's own processes).
"""

from __future__ import annotations

import ctypes
import os
import platform
from collections.abc import Callable, Iterable
from functools import lru_cache

from workbench.core.sandbox.plan import Plan, inside
from workbench.core.sandbox.rlimits import Rlimits

_CREATE, _ADD_RULE, _RESTRICT = (554, 555, 556) if platform.machine() == "alpha" else (444, 445, 446)
_VERSION = 1  # LANDLOCK_CREATE_RULESET_VERSION
_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # what a rule on a non-folder may grant
READ = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1 << 0, 1 << 1
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]  # fmt: skip


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def fs_rights(abi: int) -> int:
    """Every file-system right the kernel's Landlock ABI knows."""
    last = 13 if abi < 2 else 14 if abi < 3 else 15 if abi < 5 else 16
    return (1 << last) - 1


@lru_cache(maxsize=1)
def probe() -> tuple[int, str]:
    """(ABI version, "") when Landlock works here, else (0, why not)."""
    if platform.system() != "Linux":
        return 0, "Landlock is a Linux feature"
    try:
        libc = _libc()
        abi = int(libc.syscall(ctypes.c_long(_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION)))
    except (OSError, AttributeError) as exc:
        return 0, f"Landlock could not be queried: {exc}"
    if abi < 1:
        err = ctypes.get_errno()
        why = "disabled at boot (add landlock to the lsm= kernel parameter)" if err == 95 else os.strerror(err)
        return 0, f"Landlock is not available: {why}"
    return abi, ""


class Ruleset:
    def __init__(self, abi: int, *, network: bool) -> None:
        self.abi = abi
        self.rights = fs_rights(abi)
        attr = _RulesetAttr(
            self.rights,
            NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 and not network else 0,
            SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL if abi >= 6 else 0,
        )
        fd = int(_libc().syscall(ctypes.c_long(_CREATE), ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                                 ctypes.c_uint32(0)))  # fmt: skip
        if fd < 0:
            raise OSError(ctypes.get_errno(), f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
        self.fd = fd

    def allow(self, path: str, access: int) -> None:
        """Grant `access` beneath `path` (not following a final symlink); a missing path is skipped."""
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return
        try:
            if not os.path.isdir(f"/proc/self/fd/{fd}"):
                access &= FILE_RIGHTS
            rule = _PathBeneath(access & self.rights, fd)
            res = _libc().syscall(ctypes.c_long(_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(_PATH_BENEATH),
                                  ctypes.byref(rule), ctypes.c_uint32(0))  # fmt: skip
            if res != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"landlock_add_rule {path}: {os.strerror(err)}")
        finally:
            os.close(fd)

    def allow_except(self, path: str, hidden: Iterable[str], access: int) -> None:
        """Grant `access` beneath `path` except under the `hidden` paths: descend only where one of them is."""
        hidden = list(hidden)
        if any(h == path for h in hidden):
            return
        if not any(inside(h, path) for h in hidden):
            self.allow(path, access)
            return
        try:
            with os.scandir(path) as entries:
                children = [e.path for e in entries if not e.is_symlink()]  # a link is granted through its target
        except OSError:
            return
        for child in children:
            self.allow_except(child, hidden, access)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def ruleset(plan: Plan, abi: int, readable: Iterable[str]) -> Ruleset:
    """The rules for one command: read everywhere but the hidden places and the host's /tmp; write in the
    workspace, the private tmp and the extra folders; the basic devices."""
    rules = Ruleset(abi, network=plan.network)
    try:
        hidden = [h for h in plan.hidden if not any(inside(h, w) for w in plan.writable)]
        rules.allow_except("/", [*hidden, "/tmp", "/dev"], READ)
        rules.allow("/dev", READ_DIR)  # listing only: raw disks stay closed even to root
        for device in DEVICES:
            rules.allow(device, READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV)
        for folder in ("/dev/pts", "/dev/shm"):
            rules.allow(folder, rules.rights)
        for path in readable:
            rules.allow(path, READ)
        for folder in (*plan.writable, plan.tmp):
            rules.allow(folder, rules.rights)
    except BaseException:
        rules.close()
        raise
    return rules


def _last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return 40


def child_setup(rules: Ruleset, limits: Rlimits) -> Callable[[], None]:
    """What the forked child runs before exec. Everything it needs is looked up here, in the parent."""
    libc = _libc()
    syscall, prctl = libc.syscall, libc.prctl
    fd = ctypes.c_int(rules.fd)
    caps = range(_last_cap() + 1) if os.geteuid() == 0 else range(0)
    one, zero = ctypes.c_ulong(1), ctypes.c_ulong(0)

    def setup() -> None:
        limits.apply()
        if prctl(ctypes.c_int(_PR_SET_NO_NEW_PRIVS), one, zero, zero, zero) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        for cap in caps:
            prctl(ctypes.c_int(_PR_CAPBSET_DROP), ctypes.c_ulong(cap), zero, zero, zero)
        if syscall(ctypes.c_long(_RESTRICT), fd, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")

    return setup
