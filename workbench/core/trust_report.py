"""What an untrusted project asked for and did not get, and the question that lets the user decide.

`workbench.core.trust` knows whether a project is trusted; this module reads what the repository supplies (its
settings, its `.mcp.json`, its persona folders) and says in plain lines what trusting it would change. The
screen shows `trust_question(...)` as a dialog once per set of files; `workbench run` and the screen both report
`withheld(...)` for the session they open; `workbench trust` prints it before storing the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import Config
from workbench.core.trust import ProjectTrust, assess, remember

if TYPE_CHECKING:
    from workbench.core.mcp.config import ServerConfig
    from workbench.core.personas.model import Persona

MAX_NAMES = 6


@dataclass(frozen=True)
class Withheld:
    """What the repository supplied that is not applied while the project is untrusted."""

    settings: tuple[str, ...] = ()  # one line per ignored setting: "<file>: allow Bash(*)"
    servers: tuple[ServerConfig, ...] = ()  # the project's own MCP servers (never started untrusted)
    personas: tuple[Persona, ...] = ()  # the repository's personas (not chosen by default or by a bare name)

    def __bool__(self) -> bool:
        return bool(self.settings or self.servers or self.personas)

    def lines(self) -> list[str]:
        """One plain line per item (untrusted text: front ends make it safe for their terminal)."""
        out = list(self.settings)
        if self.servers:
            names = ", ".join(s.name for s in self.servers[:MAX_NAMES])
            out.append(f".mcp.json: MCP servers {names}{_more(self.servers)} (not started)")
        if self.personas:
            names = ", ".join(p.id for p in self.personas[:MAX_NAMES])
            out.append(f"personas {names}{_more(self.personas)} (not chosen by default or by a name another has)")
        return out


def _more(items: Sequence[object]) -> str:
    return f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else ""


@dataclass(frozen=True)
class TrustQuestion:
    """Asked once per set of repository files: shows what trusting would apply, remembers the answer."""

    trust: ProjectTrust  # the files as they were when the question was made: the answer is about these
    withheld: Withheld = field(default_factory=Withheld)

    @property
    def workspace(self) -> Path:
        return self.trust.workspace

    def answer(self, trusted: bool) -> None:
        remember(self.trust.workspace, trusted, self.trust.files)


def withheld(
    workspace: Path,
    trust: ProjectTrust,
    *,
    config: Config,
    ignored_settings: Sequence[str] | None = None,
    personas: Sequence[Persona] | None = None,
) -> Withheld:
    """What trusting the project would change; empty when it is trusted. Pass what a session already read
    (its rules' `ignored`, its load set) to avoid reading it twice."""
    if trust.trusted:
        return Withheld()
    if ignored_settings is None:
        from workbench.core.policy.settings import load_rules

        ignored_settings = load_rules(workspace, config=config, project_trusted=False).ignored
    from workbench.core.mcp.config import load_mcp_config

    servers = tuple(s for s in load_mcp_config(workspace, config=config).servers.values() if s.needs_trust)
    if personas is None:
        from workbench.core.personas.discovery import discover

        personas = discover(workspace, config=config, repo_trusted=False).personas
    return Withheld(
        tuple(ignored_settings),
        servers,
        tuple(p for p in personas if p.source.untrusted),
    )


def trust_question(workspace: Path, *, config: Config) -> TrustQuestion | None:
    """The question to ask now; None when the project is trusted, the user already answered for these files,
    or the repository supplies nothing that trusting would change."""
    trust = assess(workspace, config=config)
    if not trust.undecided or not trust.files:
        return None
    found = withheld(workspace, trust, config=config)
    return TrustQuestion(trust, found) if found else None


def notice(trust: ProjectTrust, found: Withheld) -> str:
    """The warning a session starts with when something was withheld (empty when nothing was)."""
    if not found:
        return ""
    head = "This project is not trusted, so its own settings were ignored"
    if trust.changed:
        head = f"This project's files changed since you answered ({', '.join(trust.changed[:MAX_NAMES])}), so "
        head += "it is not trusted until you answer again, and its own settings were ignored"
    return f"{head}: " + "; ".join(found.lines()) + ". Read them, then trust it with `workbench trust`."
