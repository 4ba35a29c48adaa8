"""Remembered approvals: session grants in memory, project grants persisted as JSON (mode 0600).

A grant is an allow rule with a history: its exact pattern (a Claude Code rule string such as
`Bash(npm test:*)`), its scope, when and under which persona it was given, and the call it came from.
Grants are listed and revoked through this API; project grants load when the ledger is created.
"""

from __future__ import annotations

import builtins
import fcntl
import json
import os
import secrets as _random
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.core.approvals import Scope, Verdict
from workbench.core.policy.rules import Rule, RuleError, Target, parse_rule

FILE_NAME = "grants.json"
VERSION = 1


@dataclass(frozen=True)
class Grant:
    id: str
    pattern: str  # the rule string, e.g. "Bash(npm test:*)"
    scope: Scope  # SESSION or PROJECT
    created: float  # epoch seconds
    persona_id: str
    tool: str
    summary: str  # the call it came from ("Run: npm test --watch")

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["scope"] = str(self.scope)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Grant:
        """The grant `to_json` wrote; KeyError, TypeError or ValueError for anything else."""
        return cls(
            id=str(data["id"]),
            pattern=str(data["pattern"]),
            scope=Scope(str(data["scope"])),
            created=float(data.get("created", 0.0)),
            persona_id=str(data.get("persona_id", "")),
            tool=str(data.get("tool", "")),
            summary=str(data.get("summary", "")),
        )


LedgerListener = Callable[[str, Grant], None]  # ("grant" | "revoke", the grant)


class GrantLedger:
    """Session and project grants for one workspace."""

    def __init__(self, project_file: Path | None, *, workspace: Path | None = None, home: Path | None = None) -> None:
        self.project_file = project_file
        self.workspace = workspace if workspace is not None else Path.cwd()
        self.home = home
        self.messages: list[str] = []
        self.on_change: LedgerListener | None = None  # told of every grant and revocation (the transcript)
        self._grants: dict[str, Grant] = {}
        self._rules: dict[str, Rule] = {}
        if project_file is not None:
            self._load(project_file)

    @classmethod
    def for_workspace(cls, workspace: Path, *, home: Path | None = None) -> GrantLedger:
        """The ledger whose project grants live under the workbench's state folder for `workspace`."""
        return cls(paths.project_state_dir(workspace) / FILE_NAME, workspace=workspace, home=home)

    # --- reading and writing ---------------------------------------------------------------------
    # Several sessions may share a project: every change re-reads the file under a lock, applies itself,
    # and writes the result atomically, so one session never drops another's grants.
    def _load(self, file: Path) -> None:
        for grant in self._read(file, self.messages):
            self._install(grant)

    def _read(self, file: Path, messages: list[str]) -> list[Grant]:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            messages.append(f"{file}: cannot be read ({exc.strerror or exc}); project grants not loaded")
            return []
        try:
            data = json.loads(text)
            entries = data["grants"] if isinstance(data, dict) else None
            if not isinstance(entries, list):
                raise ValueError('no "grants" list')
        except (ValueError, KeyError, TypeError) as exc:
            messages.append(f"{file}: not a grants file ({exc}); project grants not loaded")
            return []
        out: list[Grant] = []
        for entry in entries:
            try:
                grant = Grant(
                    id=str(entry["id"]),
                    pattern=str(entry["pattern"]),
                    scope=Scope.PROJECT,
                    created=float(entry.get("created", 0.0)),
                    persona_id=str(entry.get("persona_id", "")),
                    tool=str(entry.get("tool", "")),
                    summary=str(entry.get("summary", "")),
                )
                parse_rule(grant.pattern, Verdict.ALLOW, origin="grant", workspace=self.workspace, home=self.home)
                out.append(grant)
            except (KeyError, TypeError, ValueError, RuleError) as exc:
                messages.append(f"{file}: grant {entry!r:.80} skipped ({exc})")
        return out

    def _change_project(self, *, add: Grant | None = None, remove: str | None = None) -> None:
        file = self.project_file
        if file is None:
            return
        folder = file.parent
        paths.private_dir(folder)
        with open(folder / (FILE_NAME + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            problems: list[str] = []
            current = {g.id: g for g in self._read(file, problems)}
            if problems and file.exists():
                kept = file.with_name(f"{FILE_NAME}.bad-{int(time.time())}")
                os.replace(file, kept)
                self.messages.append(f"{file}: unreadable, moved to {kept.name}")
            if add is not None:
                current[add.id] = add
            if remove is not None:
                current.pop(remove, None)
            self._write(file, list(current.values()))
        for grant_id in [i for i, g in self._grants.items() if g.scope is Scope.PROJECT]:
            self._grants.pop(grant_id)
            self._rules.pop(grant_id)
        for grant in current.values():
            self._install(grant)

    def _write(self, file: Path, grants: list[Grant]) -> None:
        ordered = sorted(grants, key=lambda g: g.created)
        payload = {"version": VERSION, "grants": [g.to_json() for g in ordered]}
        text = json.dumps(payload, indent=2, ensure_ascii=True) + "\n"
        handle, temp = tempfile.mkstemp(prefix=".grants-", dir=file.parent)
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _install(self, grant: Grant) -> None:
        rule = parse_rule(
            grant.pattern,
            Verdict.ALLOW,
            origin=f"grant:{grant.scope}",
            workspace=self.workspace,
            home=self.home,
            label=f"grant:{grant.scope} {grant.pattern}",
        )
        self._grants[grant.id] = grant
        self._rules[grant.id] = rule

    def bind_workspace(self, workspace: Path) -> None:
        """Resolve relative patterns (`Edit(./src/app.py)`) against `workspace` from now on."""
        if Path(workspace) == Path(self.workspace):
            return
        self.workspace = workspace
        for grant in list(self._grants.values()):
            self._install(grant)

    # --- the API ---------------------------------------------------------------------------------
    def add(self, pattern: str, scope: Scope, *, tool: str, persona_id: str = "", summary: str = "") -> Grant:
        """Remember `pattern` at `scope` (SESSION or PROJECT). Raises RuleError for an invalid pattern."""
        if scope is Scope.ONCE:
            raise ValueError("a once-only answer is not remembered")
        for existing in self._grants.values():
            if existing.pattern == pattern and existing.scope is scope:
                return existing
        grant = Grant(
            id=_random.token_hex(6),
            pattern=pattern,
            scope=scope,
            created=time.time(),
            persona_id=persona_id,
            tool=tool,
            summary=summary,
        )
        if scope is Scope.PROJECT:
            self._change_project(add=grant)
        else:
            self._install(grant)
        if self.on_change is not None:
            self.on_change("grant", grant)
        return grant

    def restore(self, grant: Grant) -> None:
        """Put back a session grant a saved session recorded (resume), as it was: same id, nobody told."""
        if grant.scope is Scope.SESSION:
            self._install(grant)

    def forget(self, grant: Grant) -> None:
        """Drop a session grant a saved session recorded as revoked (resume): by its id, or by its pattern for a
        grant recorded before grants had stable ids."""
        if grant.scope is not Scope.SESSION:
            return
        same = [i for i, g in self._grants.items() if g.scope is Scope.SESSION and g.pattern == grant.pattern]
        for grant_id in [grant.id] if grant.id in self._grants else same:
            self._grants.pop(grant_id, None)
            self._rules.pop(grant_id, None)

    def list(self) -> list[Grant]:
        return sorted(self._grants.values(), key=lambda g: g.created)

    def revoke(self, grant_id: str) -> bool:
        """Forget a grant; True when it existed."""
        grant = self._grants.pop(grant_id, None)
        self._rules.pop(grant_id, None)
        if grant is None:
            return False
        if grant.scope is Scope.PROJECT:
            self._change_project(remove=grant_id)
        if self.on_change is not None:
            self.on_change("revoke", grant)
        return True

    def reload(self) -> None:
        """Pick up project grants other sessions added or revoked since this ledger loaded."""
        if self.project_file is None:
            return
        for grant_id in [i for i, g in self._grants.items() if g.scope is Scope.PROJECT]:
            self._grants.pop(grant_id)
            self._rules.pop(grant_id)
        self._load(self.project_file)

    def clear_session(self) -> None:
        for grant in [g for g in self._grants.values() if g.scope is Scope.SESSION]:
            self.revoke(grant.id)

    def matches(self, target: Target, *, exact: bool = False) -> Grant | None:
        """The first grant whose pattern matches `target` (with `exact`: names exactly that command or file)."""
        for grant_id, rule in self._rules.items():
            if rule.matches_exactly(target) if exact else rule.matches(target):
                return self._grants[grant_id]
        return None

    def patterns(self, scopes: Iterable[Scope] = (Scope.SESSION, Scope.PROJECT)) -> builtins.list[str]:
        wanted = set(scopes)
        return [g.pattern for g in self.list() if g.scope in wanted]
