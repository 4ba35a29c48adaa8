"""Which shell commands obviously need the network, so that their approval can offer it.

This only proposes: a command that is not recognised simply runs without the network (the sandbox keeps it
off), and the model can ask for it with the Bash tool's `network` argument.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from workbench.core.approvals import SegmentVerdict

# Programs that are about the network whatever their arguments.
_ALWAYS = frozenset({
    "curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat", "netcat", "telnet", "ftp", "http", "https", "gh",
    "glab", "aws", "gcloud", "az", "apt", "apt-get", "brew", "dnf", "yum", "pacman", "npx", "pnpx", "bunx", "dig",
    "nslookup", "ping",
})  # fmt: skip
# Programs whose subcommand decides.
_SUBCOMMANDS: dict[str, frozenset[str]] = {
    "git": frozenset({"clone", "fetch", "pull", "push", "ls-remote", "submodule"}),
    "npm": frozenset({"install", "i", "ci", "add", "update", "upgrade", "publish", "view", "info", "audit"}),
    "yarn": frozenset({"", "install", "add", "upgrade", "up", "dlx", "npm", "publish"}),
    "pnpm": frozenset({"install", "i", "add", "update", "up", "dlx", "publish", "outdated"}),
    "bun": frozenset({"install", "i", "add", "update", "x"}),
    "pip": frozenset({"install", "download", "index", "search"}),
    "uv": frozenset({"add", "sync", "lock", "pip", "tool", "python", "venv"}),
    "poetry": frozenset({"install", "add", "update", "lock", "publish"}),
    "pipx": frozenset({"install", "run", "upgrade"}),
    "cargo": frozenset({"install", "fetch", "update", "add", "publish", "search"}),
    "go": frozenset({"get", "install", "mod"}),
    "gem": frozenset({"install", "update", "fetch"}),
    "bundle": frozenset({"install", "update"}),
    "composer": frozenset({"install", "require", "update"}),
}
# Options of these programs that take a value (so the value is not the subcommand).
_VALUED = {"git": frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"})}


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def _subcommand(program: str, words: list[str]) -> str:
    """The first word after the program that is not an option (or an option's value)."""
    try:
        start = next(i for i, w in enumerate(words) if w.rsplit("/", 1)[-1] == program) + 1
    except StopIteration:
        return ""
    valued = _VALUED.get(program, frozenset())
    skip = False
    for word in words[start:]:
        if skip:
            skip = False
        elif word in valued:
            skip = True
        elif not word.startswith("-"):
            return word
    return ""


def wants_network(segments: Iterable[SegmentVerdict]) -> str:
    """Why this command obviously needs the network ("git fetch reaches the network"), or ""."""
    for segment in segments:
        program = segment.program
        base = program[:-1] if program in ("pip3",) else program
        if base in _ALWAYS:
            return f"{program} reaches the network"
        subcommands = _SUBCOMMANDS.get(base)
        if subcommands is not None:
            sub = _subcommand(program, _words(segment.text))
            if sub in subcommands:
                return f"{program} {sub}".rstrip() + " reaches the network"
    return ""
