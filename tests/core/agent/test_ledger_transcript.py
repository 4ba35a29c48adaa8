"""The grant ledger is part of the transcript: a grant "for this session" and its revocation are both recorded, and a
resumed session rebuilds the ledger from them, so a revoked grant stays revoked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.core.agent.helpers import ScriptedApprover, git_repo
from workbench.core.agent.builtin import builtin_persona
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import ApprovalRequest, Decision, Scope
from workbench.core.events import ApprovalRequested, ToolCallFinished
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, text, tool_use


@dataclass
class ForThisSession:
    """Answers every approval "allow for this session", as the card's `s` key does."""

    asked: list[ApprovalRequest] = field(default_factory=list)

    async def decide(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return Decision(allow=True, scope=Scope.SESSION, pattern=request.proposals["session"])


def _touch() -> list:  # type: ignore[type-arg]
    return [reply(tool_use("Bash", {"command": "touch out.txt"})), reply(text("Done."))]


async def _turn(session: AgentSession, prompt: str) -> list:  # type: ignore[type-arg]
    return [event async for event in session.run_turn(prompt)]


async def test_a_revoked_session_grant_stays_revoked_after_resume(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    with MessagesPeer([*_touch(), *_touch(), *_touch()]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        first_asks = ForThisSession()
        session = AgentSession.create(repo, builtin_persona(), approver=first_asks)
        await _turn(session, "touch it")
        [grant] = [g for g in session.ledger.list() if g.scope is Scope.SESSION]
        assert grant.pattern == "Bash(touch out.txt)"
        events = await _turn(session, "again")  # the grant answers: no question
        assert not [e for e in events if isinstance(e, ApprovalRequested)] and len(first_asks.asked) == 1
        assert session.ledger.revoke(grant.id)  # what the grants dialog does
        await session.aclose()

        again = ScriptedApprover([Decision(allow=False, scope=Scope.ONCE, reason="no")])
        resumed = AgentSession.resume(session.id, repo, approver=again)
        assert [g for g in resumed.ledger.list() if g.scope is Scope.SESSION] == []
        events = await _turn(resumed, "once more")
        assert len(again.asked) == 1  # asked again: the grant did not come back
        assert [e.decision for e in events if isinstance(e, ToolCallFinished)] == ["denied"]
        await resumed.aclose()
    kinds = [r["k"] for r in SessionStore(repo).load(session.id).grants]
    assert kinds == ["grant", "revoke"]


async def test_a_grant_survives_resume_until_it_is_revoked(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    with MessagesPeer([*_touch(), *_touch()]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        asked = ForThisSession()
        session = AgentSession.create(repo, builtin_persona(), approver=asked)
        await _turn(session, "touch it")
        [grant] = [g for g in session.ledger.list() if g.scope is Scope.SESSION]
        await session.aclose()
        resumed = AgentSession.resume(session.id, repo, approver=ScriptedApprover([]))
        assert [(g.id, g.pattern) for g in resumed.ledger.list() if g.scope is Scope.SESSION] == [
            (grant.id, grant.pattern)
        ]
        events = await _turn(resumed, "again")  # answered by the restored grant: the approver has no answers
        await resumed.aclose()
    assert [e.decision for e in events if isinstance(e, ToolCallFinished)] == ["allow"] and len(asked.asked) == 1
