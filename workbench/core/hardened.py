"""What the workbench's own child processes get: an environment without credentials, and git that runs none of
the repository's code.

A repository's `.git/config` is input like any other file in it: it can name an fsmonitor hook, hooks, an
external diff, textconv and filter drivers, a pager, a signature program, each of which git would run. Every git
the workbench starts runs through `git_argv`/`run_git`, with those settings overridden on the command line:

  * `core.fsmonitor=` (off), `core.hooksPath=/dev/null` (no hooks), `core.pager=cat`, `log.showSignature=false`;
  * submodules' work trees are not looked into (`diff.ignoreSubmodules=dirty`, and `submodule.<name>.ignore=dirty`
    for each name `.gitmodules` gives, since its own `ignore` would win): git would run `git status` there, with
    that repository's own fsmonitor and filters; `diff.submodule=short` keeps their textconv out of diffs;
  * for each textconv or filter driver the repository's own config defines (local and worktree scope; a
    driver from the user's global config, such as git-lfs, is the user's and is left alone):
    `diff.<name>.textconv=cat` and empty `filter.<name>.clean/smudge/process`;
  * diffs add `--no-ext-diff --no-textconv` themselves (an empty `diff.external` would make git run "").

The agent's shell commands get the same overrides through `GIT_CONFIG_COUNT` (`shell_git_env`), which every git
started below them inherits; the external diff of a repository's config is the policy's business: an
auto-approved `git diff` needs `--no-ext-diff` when the repository sets one (see `local_external_diff`).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from workbench.core.secrets import is_secret_env

GIT_TIMEOUT_S = 30.0
CONFIG_TIMEOUT_S = 5.0
# Address space for the searches the workbench runs itself (ripgrep): a repository's `.ignore` or `.gitignore` may
# be a link to /dev/zero, which ripgrep would read to the end. Listing 100k files takes well under 1 GiB.
TOOL_MEMORY_BYTES = 4 << 30
_PR_SET_PDEATHSIG = 1
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", ""),
    ("core.hooksPath", "/dev/null"),
    ("core.pager", "cat"),
    ("log.showSignature", "false"),
    ("diff.ignoreSubmodules", "dirty"),
    ("diff.submodule", "short"),
    ("status.submoduleSummary", "false"),
)
# Variables that point git somewhere else or change what it runs: the workbench's own git never inherits them.
_GIT_REDIRECTS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_EXTERNAL_DIFF",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_EXEC_PATH",
)
_DRIVER_KEYS = r"^(diff\..+\.(textconv|command)|filter\..+\.(clean|smudge|process)|diff\.external)$"
_LOCAL_SCOPES = frozenset({"local", "worktree"})


class GitFailed(Exception):
    """git could not be started, timed out, or exited with an unexpected code; the message is for the user."""


def scrub_env(base: Mapping[str, str]) -> dict[str, str]:
    """`base` without credentials: API keys, tokens, passwords, URLs carrying a password (see secrets)."""
    return {k: v for k, v in base.items() if not is_secret_env(k, v)}


def tool_limits() -> Callable[[], None]:
    """What a search tool the workbench starts itself runs before exec: a cap on its memory, and on Linux an end
    when the workbench ends (killed, it would otherwise leave the search running)."""
    import ctypes  # only for the search tools (about 3 ms to load)

    cap = TOOL_MEMORY_BYTES
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

    def apply() -> None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return apply


def git_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the workbench's own git: scrubbed, no optional locks (never fight the user's git), no
    prompts, nothing that points git at another repository."""
    env = scrub_env(os.environ if base is None else base)
    for name in _GIT_REDIRECTS:
        env.pop(name, None)
    for name in [k for k in env if k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))]:
        env.pop(name)
    env.update({"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"})
    return env


def config_args(pairs: Sequence[tuple[str, str]]) -> list[str]:
    """`-c key=value` for each pair."""
    out: list[str] = []
    for key, value in pairs:
        out += ["-c", f"{key}={value}"]
    return out


def repo_config(cwd: Path, pattern: str = _DRIVER_KEYS) -> list[tuple[str, str, str]]:
    """(scope, key, value) for every config entry matching `pattern`, read without running anything. Before git
    2.26 (no `--show-scope`) the repository's own file is read alone and its entries count as local."""
    scoped = _config(cwd, "--show-scope", pattern)
    if scoped is not None:
        items = scoped.split(b"\0")
        pairs = zip(items[0::2], items[1::2], strict=False)
        found = [(os.fsdecode(scope), *_entry(entry)) for scope, entry in pairs]
        return [f for f in found if f[0] != "command"]  # "command": the overrides of this very call
    local = _config(cwd, "--local", pattern) or b""
    return [("local", *_entry(entry)) for entry in local.split(b"\0") if entry]


def _entry(raw: bytes) -> tuple[str, str]:
    key, _, value = os.fsdecode(raw).partition("\n")
    return key, value


def _config(cwd: Path, how: str, pattern: str) -> bytes | None:
    argv = ["git", *config_args(SAFE_CONFIG), "config", how, "--includes", "-z", "--get-regexp", pattern]
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, env=git_env(), timeout=CONFIG_TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode in (0, 1) else None  # 1: nothing matched


def driver_overrides(cwd: Path) -> list[tuple[str, str]]:
    """Settings that switch off the textconv and filter drivers the repository's own config defines, and keep
    git out of its submodules' work trees."""
    out = submodule_overrides(cwd)
    for scope, key, _value in repo_config(cwd):
        if scope not in _LOCAL_SCOPES or key == "diff.external":
            continue
        section, _, rest = key.partition(".")
        name, _, field = rest.rpartition(".")
        if section == "diff" and field == "textconv":
            out.append((key, "cat"))
        elif section == "filter":
            out.append((f"filter.{name}.{field}", ""))
    return list(dict.fromkeys(out))


def submodule_overrides(cwd: Path) -> list[tuple[str, str]]:
    """`submodule.<name>.ignore=dirty` for every submodule name in `.gitmodules` (the work tree's, else the index's
    or HEAD's, as git reads it), read by git's own parser without running anything."""
    root = _work_tree(cwd)
    if root is None:
        return []
    source = root / ".gitmodules"
    text: bytes | None = None
    if not source.exists():
        text = _gitmodules_blob(root)
        if text is None:
            return []
    argv = ["git", *config_args(SAFE_CONFIG[:2]), "config", "--file", "-" if text is not None else str(source),
            "-z", "--name-only", "--get-regexp", r"^submodule\..*\.path$"]  # fmt: skip
    try:
        done = subprocess.run(argv, cwd=root, input=text or b"", capture_output=True, env=git_env(),
                              timeout=CONFIG_TIMEOUT_S)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    keys = (os.fsdecode(k) for k in done.stdout.split(b"\0") if k)
    names = (k.removeprefix("submodule.").removesuffix(".path") for k in keys if "\n" not in k)
    return [(f"submodule.{name}.ignore", "dirty") for name in dict.fromkeys(names) if name]


def _gitmodules_blob(root: Path) -> bytes | None:
    """`.gitmodules` from the index, else from HEAD; None when neither has one."""
    argv = ["git", *config_args(SAFE_CONFIG[:2]), "cat-file", "--batch"]
    try:
        done = subprocess.run(argv, cwd=root, input=b":.gitmodules\nHEAD:.gitmodules\n", capture_output=True,
                              env=git_env(), timeout=CONFIG_TIMEOUT_S)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout
    while out:
        header, _, rest = out.partition(b"\n")
        fields = header.split()
        if len(fields) == 3 and fields[1] == b"blob" and fields[2].isdigit():
            return rest[: int(fields[2])]
        if not header.endswith(b" missing"):
            return None
        out = rest
    return None


def _work_tree(cwd: Path) -> Path | None:
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return None


def local_external_diff(cwd: Path) -> str | None:
    """The repository's own external diff setting (`diff.external` or `diff.<driver>.command`), if it has one."""
    for scope, key, value in repo_config(cwd):
        if scope in _LOCAL_SCOPES and (key == "diff.external" or key.endswith(".command")):
            return f"{key}={value}"
    return None


def git_argv(cwd: Path, *args: str, overrides: Sequence[tuple[str, str]] | None = None) -> list[str]:
    """`git` with every repository-supplied program switched off, then `args`."""
    found = driver_overrides(cwd) if overrides is None else overrides
    return ["git", *config_args(SAFE_CONFIG), *config_args(found), "-c", "core.quotepath=off", *args]


def run_git(
    cwd: Path,
    *args: str,
    ok_codes: tuple[int, ...] = (0,),
    timeout: float = GIT_TIMEOUT_S,
    overrides: Sequence[tuple[str, str]] | None = None,
) -> bytes:
    """Run hardened git in `cwd` and return stdout.

    Raises:
        GitFailed: git is missing, took longer than `timeout`, or exited with a code outside `ok_codes`.
    """
    try:
        done = subprocess.run(
            git_argv(cwd, *args, overrides=overrides),
            cwd=cwd,
            capture_output=True,
            env=git_env(),
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitFailed("git is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitFailed(f"git {args[0]} took longer than {timeout:.0f} s") from exc
    except OSError as exc:
        raise GitFailed(f"git could not be started: {exc.strerror or exc}") from exc
    if done.returncode not in ok_codes:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise GitFailed(f"git {args[0]} failed: {message}")
    return done.stdout


def shell_git_env(cwd: Path, base: Mapping[str, str]) -> dict[str, str]:
    """`GIT_CONFIG_COUNT`/`KEY`/`VALUE` entries for a shell command's environment, after any `base` already has:
    every git the command starts runs with the safe settings and the repository's drivers switched off."""
    try:
        start = int(base.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        start = 0
    pairs = [*SAFE_CONFIG, *driver_overrides(cwd)]
    env = {"GIT_CONFIG_COUNT": str(start + len(pairs))}
    for index, (key, value) in enumerate(pairs, start):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env
