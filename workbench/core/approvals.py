"""What the core asks and what the user answers: approval requests, decisions, and the Approver protocol.

The policy engine (`workbench.core.policy`) builds an `ApprovalRequest` when a call needs a human; the
agent loop awaits `approver.decide(request)`. The TUI answers with an inline card, headless mode with a
policy (anything that would ask is denied with a reason, never a hang), tests with scripted answers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Verdict(StrEnum):
    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


class Scope(StrEnum):
    ONCE = "once"
    SESSION = "session"
    PROJECT = "project"


class PermissionMode(StrEnum):
    """How a session treats calls no rule decides (docs/permissions.md)."""

    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    PLAN = "plan"
    DONT_ASK = "dontAsk"
    BYPASS = "bypassPermissions"

    @property
    def strictness(self) -> int:
        """Higher is stricter: a persona's mode may only raise it."""
        return _STRICTNESS[self]

    @property
    def help(self) -> str:
        return _MODE_HELP[self]

    @classmethod
    def known(cls, value: object) -> bool:
        return isinstance(value, str) and value in cls._value2member_map_

    @classmethod
    def parse(cls, value: object) -> PermissionMode:
        """The mode named by `value`; ValueError naming the known modes otherwise."""
        if cls.known(value):
            return cls(str(value))
        raise ValueError(f"unknown permission mode {value!r}; choose one of {', '.join(cls)}")


_STRICTNESS = {
    PermissionMode.BYPASS: 0,
    PermissionMode.ACCEPT_EDITS: 1,
    PermissionMode.DEFAULT: 2,
    PermissionMode.DONT_ASK: 3,
    PermissionMode.PLAN: 4,
}
_MODE_HELP = {
    PermissionMode.DEFAULT: "ask before edits and risky commands",
    PermissionMode.ACCEPT_EDITS: "edits in the workspace go ahead; risky commands still ask",
    PermissionMode.PLAN: "read-only: the persona plans, nothing changes",
    PermissionMode.DONT_ASK: "anything that would ask is denied",
    PermissionMode.BYPASS: "nothing asks (deny rules and persona rules still hold)",
}


@dataclass(frozen=True)
class SegmentVerdict:
    """One simple command of a shell command line, with its own verdict and the rule that decided it."""

    text: str  # the segment as written
    visible: str  # the same with invisible/bidi/control characters made visible (e.g. <U+202E>)
    verdict: Verdict
    rule: str | None  # the matching rule, e.g. "Bash(npm test:*)" or "persona:git-approval"
    reason: str  # plain words: "read-only command", "asks: persona rule (git needs approval)"
    program: str = ""  # the program after wrappers/paths are stripped (git, rm, ...)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ApprovalRequest:
    """A request bound to one exact call: if the arguments change, it is a new request (a new `id`)."""

    id: str  # sha256 over tool + canonical JSON of the input + call id
    call_id: str
    tool: str
    input: dict[str, Any]
    summary: str  # one line: what will happen ("Edit src/retry.py", "Run: pytest -q")
    reason: str  # why it asks: "Edit asks in default mode", "persona rule: git needs approval"
    rule: str | None = None  # the rule that triggered the ask, if a rule did
    diff: str | None = None  # unified diff for Edit/Write/MultiEdit
    command: str | None = None  # exact shell command for Bash
    command_visible: str | None = None  # the command with invisible/bidi characters made visible
    segments: tuple[SegmentVerdict, ...] = ()
    # The exact pattern each remembering scope would store; a scope absent here is not offered.
    proposals: dict[str, str] = field(default_factory=dict)
    rememberable: bool = True  # False for persona-guarded calls (git under seed 000, SaveMemory)
    persona_id: str = ""
    agent_path: tuple[str, ...] = ()
    url: str | None = None
    # Non-empty: approving also lets this command reach the network (the sandbox keeps it off otherwise);
    # says why it wants it ("the command asks for network access", "git fetch reaches the network").
    network: str = ""

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["segments"] = [s.to_json() for s in self.segments]
        return out


@dataclass(frozen=True)
class Decision:
    allow: bool
    scope: Scope = Scope.ONCE
    reason: str = ""  # for a denial, goes back to the model
    by: str = "user"  # user | rule | mode | headless | ledger
    pattern: str | None = None  # the stored pattern for session/project grants
    # For an edit: the 1-based hunks the user accepted (None: the whole call). Only a person chooses hunks.
    hunks: tuple[int, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "allow": self.allow,
            "scope": str(self.scope),
            "reason": self.reason,
            "by": self.by,
            "pattern": self.pattern,
        }
        if self.hunks is not None:
            out["hunks"] = list(self.hunks)
        return out


class Approver(Protocol):
    async def decide(self, request: ApprovalRequest) -> Decision: ...


class DenyAll:
    """Headless approver: a request that would ask is denied with a reason, never a hang."""

    def __init__(self, hint: str = "") -> None:
        self.hint = hint

    async def decide(self, request: ApprovalRequest) -> Decision:
        why = f"not approved: {request.reason} (no one to ask in headless mode"
        why += f"; {self.hint})" if self.hint else ")"
        return Decision(allow=False, reason=why, by="headless")
