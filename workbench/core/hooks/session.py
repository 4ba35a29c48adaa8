"""A session's hooks: the commands that count for its project, run with the session's facts, each run kept as
evidence (a HookRan event) and in the audit log when the session keeps one.

    hooks = SessionHooks(load_hooks(workspace, trusted=...), workspace, session_id=..., transcript=...)
    outcome, events = await hooks.run("PreCompact", {"trigger": "auto", "custom_instructions": ""}, target="auto")

The compaction step calls it like this for PreCompact; the session and its tool gate call it for the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.core.events import HookRan
from workbench.core.hooks.config import HookSet
from workbench.core.hooks.runner import HookOutcome, HookRun, run_hooks
from workbench.core.policy.audit import AuditLog, utc_stamp


class SessionHooks:
    def __init__(
        self,
        hooks: HookSet,
        workspace: Path,
        *,
        session_id: str,
        transcript: Path | None = None,
        mode: Callable[[], str] = lambda: "default",
        audit: AuditLog | None = None,
    ) -> None:
        self.hooks = hooks
        self.workspace = workspace
        self.session_id = session_id
        self.transcript = transcript
        self.mode = mode
        self.audit = audit

    def has(self, event: str) -> bool:
        return any(h.event == event for h in self.hooks.commands)

    async def run(
        self, event: str, payload: dict[str, Any], *, target: str | None = None, call_id: str = "",
        agent_path: tuple[str, ...] = (),
    ) -> tuple[HookOutcome, list[HookRan]]:  # fmt: skip
        """Run the commands of `event` that match `target`; their merged answer and one event per run."""
        matched = self.hooks.matching(event, target)
        if not matched:
            return HookOutcome(), []
        common = {
            "session_id": self.session_id,
            "transcript_path": str(self.transcript) if self.transcript else "",
            "cwd": str(self.workspace),
            "permission_mode": self.mode(),
        }
        started = time.time()
        outcome = await run_hooks(matched, event, {**common, **payload}, workspace=self.workspace, target=target)
        events = [_event(run, call_id, agent_path) for run in outcome.runs]
        if self.audit is not None:
            for run in outcome.runs:
                self.audit.append(_record(run, started, self.session_id))
        return outcome, events


def _event(run: HookRun, call_id: str, agent_path: tuple[str, ...]) -> HookRan:
    return HookRan(
        hook_event=run.event,
        command=run.command,
        source=run.source,
        outcome=run.outcome,
        exit_code=run.exit_code,
        duration_ms=run.duration_ms,
        message=run.message,
        target=run.target,
        call_id=call_id,
        agent_path=agent_path,
    )


def _record(run: HookRun, started: float, session: str) -> dict[str, Any]:
    """An audit line shaped like a tool call's, so the log's table shows hooks among the calls."""
    return {
        "ts_start": utc_stamp(started),
        "duration_ms": run.duration_ms,
        "session": session,
        "tool": f"hook {run.event}",
        "input": {"command": run.command, "target": run.target, "source": run.source},
        "policy": {"matched": [], "decision": run.outcome, "reason": run.message},
        "approval": {"required": False},
        "outcome": {"ok": run.outcome == "ok", "exit_code": run.exit_code, "error": run.message or None},
        "kind": "hook",
    }
