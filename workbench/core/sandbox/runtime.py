"""The sandbox a session's commands run in: which kind, and how to launch one command inside it."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workbench import paths
from workbench.core.sandbox import bwrap, landlock, seatbelt
from workbench.core.sandbox.placeholders import Placeholders
from workbench.core.sandbox.plan import Plan, build
from workbench.core.sandbox.rlimits import Rlimits, resolve
from workbench.core.sandbox.scan import WorkspaceScan
from workbench.core.sandbox.settings import SandboxSettings

KINDS = ("bwrap", "landlock", "seatbelt")
LIMITS_INSIDE = "/tmp/.workbench-limits.sh"  # where bwrap shows the limits script (read-only)


class SandboxError(Exception):
    """The sandbox cannot run this command; the message says why and what to do."""


@dataclass(frozen=True)
class Choice:
    kind: str  # bwrap | landlock | seatbelt | none
    tool: str = ""  # the program that enforces it (bwrap, sandbox-exec)
    abi: int = 0  # Landlock ABI
    why: str = ""  # for none: why there is no sandbox; for a kind: ""
    refused: bool = False  # a kind was asked for by name and is not available: commands do not run


def choose(settings: SandboxSettings) -> Choice:
    """The kind to use, probing what this machine offers (each probe runs once per process)."""
    if settings.mode == "off":
        by_flag = settings.source == "WORKBENCH_SANDBOX"
        where = "by --no-sandbox or WORKBENCH_SANDBOX=off" if by_flag else "in the config"
        return Choice("none", why=f"turned off {where}")
    wanted = KINDS if settings.mode == "auto" else (settings.mode,)
    reasons: list[str] = []
    for kind in wanted:
        if kind == "bwrap" and sys.platform.startswith("linux"):
            tool, why = bwrap.probe()
            if tool:
                return Choice("bwrap", tool=tool)
        elif kind == "landlock" and sys.platform.startswith("linux"):
            abi, why = landlock.probe()
            if abi:
                return Choice("landlock", abi=abi)
        elif kind == "seatbelt" and sys.platform == "darwin":
            tool, why = seatbelt.probe()
            if tool:
                return Choice("seatbelt", tool=tool)
        else:
            why = f"{kind} is not supported on {sys.platform}"
        reasons.append(why)
    return Choice("none", why="; ".join(reasons), refused=settings.mode != "auto")


@dataclass
class Launch:
    """One command, ready to start: argv, environment and the function to run in the child before exec."""

    argv: list[str]
    env: dict[str, str]
    preexec: Callable[[], None] | None
    kind: str
    network: bool
    _cleanups: list[Callable[[], None]] = field(default_factory=list)
    absent: tuple[str, ...] = ()  # control paths the command must not leave behind (Plan.absent)

    def verify(self) -> list[str]:
        """After the command (every process of it gone): remove what it left where nothing may appear, such as a
        `.git/commondir` that would point the user's git at another config; a note for each."""
        notes: list[str] = []
        for path in self.absent:
            if os.path.lexists(path):
                with contextlib.suppress(OSError):
                    _remove_path(path)
                notes.append(f"removed {path}, which the command created: git would take its config and hooks from "
                             "the folder it names")  # fmt: skip
        return notes

    def close(self) -> None:
        """After the command: undo what it must not leave, and release what the launch held."""
        self.verify()
        while self._cleanups:
            with contextlib.suppress(OSError):
                self._cleanups.pop()()


class Sandbox:
    """One per tool context. Cheap to create; probes and makes its private folders on first use."""

    def __init__(self, workspace: Path, settings: SandboxSettings | None = None, *, home: Path | None = None) -> None:
        self.workspace = os.path.realpath(workspace)
        self.settings = settings or SandboxSettings()
        self._home = home
        self._choice: Choice | None = None
        self._limits: Rlimits | None = None
        self._scanner = WorkspaceScan(self.workspace)
        self._base: str | None = None
        self._placeholders = Placeholders()
        weakref.finalize(self, self._placeholders.release_now)

    @property
    def choice(self) -> Choice:
        if self._choice is None:
            self._choice = choose(self.settings)
        return self._choice

    @property
    def kind(self) -> str:
        return self.choice.kind

    @property
    def confines_network(self) -> bool:
        choice = self.choice
        return choice.kind in ("bwrap", "seatbelt") or (choice.kind == "landlock" and choice.abi >= 4)

    @property
    def limits(self) -> Rlimits:
        if self._limits is None:
            self._limits = resolve(self.settings.limits)
        return self._limits

    def warning(self) -> str | None:
        """One line for the status bar and stderr when commands run without a sandbox, else None."""
        choice = self.choice
        if choice.refused:
            return f"shell commands are refused: the {self.settings.mode} sandbox is not available ({choice.why})"
        if choice.kind == "none":
            return f"no OS sandbox: shell commands run unconfined ({choice.why})"
        return None

    @property
    def home(self) -> Path:
        return self._home or paths.user_home()

    def _private(self) -> str:
        """The session's private folder: tmp/ (the commands' /tmp) and the empty files that hide things."""
        if self._base is None:
            base = tempfile.mkdtemp(prefix="workbench-sandbox-")
            os.mkdir(os.path.join(base, "tmp"), 0o700)
            for name, mode in (("hidden-dir", 0o000), ("placeholder", 0o555)):
                os.mkdir(os.path.join(base, name))
                os.chmod(os.path.join(base, name), mode)
            fd = os.open(os.path.join(base, "hidden-file"), os.O_CREAT | os.O_WRONLY, 0o000)
            os.close(fd)
            weakref.finalize(self, _remove_tree, base)
            self._base = base
        return self._base

    def plan(self, *, network: bool) -> Plan:
        base = self._private()
        return build(self.workspace, os.path.join(base, "tmp"), self.settings, self._scanner, self.home,
                     network=network, scan=self.kind != "landlock")  # fmt: skip

    def warm(self) -> None:
        """Probe the kind, and start the workspace's first scan in the background (a 100k-file repository takes
        about a second), so that the first command does not wait for it."""
        if self.kind in ("bwrap", "seatbelt"):
            self._scanner.warm()

    def launch(self, command: str, *, cwd: str, env: Mapping[str, str], network: bool) -> Launch:
        """How to run `bash -c command` in `cwd` inside the sandbox. Raises SandboxError when it cannot."""
        choice = self.choice
        shell = ["bash", "-c", command]
        limits = self.limits
        if choice.refused:
            raise SandboxError(self.warning() or "the sandbox is not available")
        if choice.kind == "none":
            return self._with_limits(shell, dict(env), "none", network=True)
        plan = self.plan(network=network)
        run_env = dict(env)
        if choice.kind == "bwrap":
            run_env.update(_tmp_env("/tmp"))
            base = self._private()
            script = self._limits_script() if "BASH_ENV" not in env else None
            argv = bwrap.argv(choice.tool, plan, shell, cwd=cwd, empty_file=os.path.join(base, "hidden-file"),
                              empty_dir=os.path.join(base, "hidden-dir"),
                              placeholder_dir=os.path.join(base, "placeholder"),
                              files=((script, LIMITS_INSIDE),) if script else ())  # fmt: skip
            launch = self._with_limits(argv, run_env, "bwrap", network=network, inside=LIMITS_INSIDE)
            launch.absent = plan.absent
            self._placeholders.hold(plan.placeholders)
            launch._cleanups.append(self._placeholders.done)
            return launch
        run_env.update(_tmp_env(plan.tmp))
        if choice.kind == "seatbelt":
            launch = self._with_limits(seatbelt.argv(choice.tool, plan, shell), run_env, "seatbelt", network=network)
            launch.absent = plan.absent
            return launch
        readable = [os.path.realpath(os.path.expanduser(p)) for p in self.settings.readable]
        try:
            rules = landlock.ruleset(plan, choice.abi, readable)
        except OSError as exc:
            raise SandboxError(f"the Landlock rules could not be built: {exc}") from None
        return Launch(shell, run_env, landlock.child_setup(rules, limits), "landlock", network, [rules.close])

    def _limits_script(self) -> str:
        """The session's limits script (written once, read-only), for BASH_ENV."""
        path = os.path.join(self._private(), "limits.sh")
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.limits.script())
            os.chmod(path, 0o444)
        return path

    def _with_limits(
        self, argv: list[str], env: dict[str, str], kind: str, *, network: bool, inside: str | None = None
    ) -> Launch:
        """Limits through BASH_ENV (no extra process) unless the environment has its own BASH_ENV."""
        if "BASH_ENV" not in env:
            env["BASH_ENV"] = inside or self._limits_script()
            return Launch(argv, env, None, kind, network)
        prefix = self.limits.prefix()
        if prefix is not None:
            return Launch([*prefix, *argv], env, None, kind, network)
        return Launch(argv, env, self.limits.preexec(), kind, network)

    def settle(self) -> None:
        """Remove the placeholders finished commands left (they otherwise go once commands stop for a while)."""
        self._placeholders.release_now()

    def close(self) -> None:
        """Settle, and remove the private folder."""
        self.settle()
        if self._base is not None:
            _remove_tree(self._base)
            self._base = None


def _tmp_env(tmp: str) -> dict[str, str]:
    """Temporary files and tool caches go to the private tmp: the home folder is read-only."""
    return {"TMPDIR": tmp, "XDG_CACHE_HOME": os.path.join(tmp, ".cache"), "npm_config_cache": os.path.join(tmp, ".npm")}


def _remove_path(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _remove_tree(base: str) -> None:
    def unlock(func: Callable[..., object], path: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            func(path)

    shutil.rmtree(base, onerror=unlock)
