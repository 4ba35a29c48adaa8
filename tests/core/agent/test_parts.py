"""Pure parts of the loop: output contracts, pricing, cache markers, event codec, the system prompt."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from workbench.core.agent import caching
from workbench.core.agent.codec import DecodeError, event_from_json
from workbench.core.agent.contract import check_contract
from workbench.core.agent.memory import agents_md_chain
from workbench.core.agent.pricing import cost_usd
from workbench.core.agent.prompt import build_system_prompt, git_summary
from workbench.core.approvals import ApprovalRequest, Decision, Scope, SegmentVerdict, Verdict
from workbench.core.events import ApprovalDecided, ApprovalRequested, TurnDone, UsageInfo
from workbench.core.personas.loader import parse_persona
from workbench.core.personas.model import OutputContract

HEADINGS = ("Summary", "Architecture", "Risks")
CONTRACT = OutputContract(headings=HEADINGS, patterns=tuple(rf"^#+\s*\d*\.?\s*{h}" for h in HEADINGS))


def test_contract_reports_missing_and_order() -> None:
    full = "## 1. Summary\nx\n## 2. Architecture\ny\n## 3. Risks\nz"
    assert check_contract(CONTRACT, full).missing == ()
    partial = check_contract(CONTRACT, "## Risks\n## Summary\n")
    assert partial.missing == ("Architecture",) and partial.in_order is False
    assert check_contract(OutputContract(headings=("A(",), patterns=("A(",)), "A( here").missing == ()


def test_pricing_counts_cache_reads_and_writes() -> None:
    usage = UsageInfo(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
    )
    assert cost_usd("claude-sonnet-5-5", usage) == pytest.approx(3 + 15 + 0.3 + 3.75)
    assert cost_usd("qwen3-coder", usage) == 0.0
    assert cost_usd("claude-x-1", usage, {"claude-x": {"input": 1, "output": 2}}) == pytest.approx(1 + 2 + 0.1 + 1.25)


def test_message_breakpoints_copy_and_skip_thinking() -> None:
    history = [
        {"role": "user", "content": "plain string prompt"},
        {"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "thinking", "thinking": "t"}]},
    ]
    sent = caching.with_message_breakpoints(history)
    assert sent[0]["content"] == [
        {"type": "text", "text": "plain string prompt", "cache_control": {"type": "ephemeral"}}
    ]
    assert sent[1]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in sent[1]["content"][1]
    assert history[0]["content"] == "plain string prompt" and "cache_control" not in history[1]["content"][0]


def test_codec_round_trips_nested_events() -> None:
    request = ApprovalRequest(
        id="r",
        call_id="c",
        tool="Bash",
        input={"command": "git push"},
        summary="Run",
        reason="persona rule",
        segments=(SegmentVerdict("git push", "git push", Verdict.ASK, "Bash(git *)", "git", "git"),),
    )
    for event in (
        ApprovalRequested(request=request),
        ApprovalDecided(request_id="r", call_id="c", decision=Decision(True, Scope.SESSION)),
        TurnDone(stop_reason="end_turn", final_text="x", usage=UsageInfo(output_tokens=2)),
    ):
        assert event_from_json(event.to_json()) == event
    with pytest.raises(DecodeError):
        event_from_json({"type": "nope"})


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_system_prompt_is_stable_and_carries_context(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "AGENTS.md").write_text("Root rule: run make test.\n")
    (repo / "pkg" / "AGENTS.md").write_text("Package rule: keep it typed.\n")
    (repo / "CLAUDE.md").write_text("Claude rule: be brief.\n")
    (repo / "new.py").write_text("x = 1\n")
    raw = b"---\nname: t\ndescription: d\ntools: Read, Grep, Glob\n---\nYou are T. Use `Grep` and `WebSearch`.\n"
    persona = parse_persona(raw, tmp_path / "t.md")
    day = dt.date(2026, 11, 21)
    first = build_system_prompt(persona, repo / "pkg", ["Read", "Grep"], today=day)
    assert first == build_system_prompt(persona, repo / "pkg", ["Read", "Grep"], today=day)
    assert first.startswith("You are T.")
    assert "Today's date: 2026-11-21" in first and f"Working directory: {repo / 'pkg'}" in first
    assert "Tools available to you in this session: Read, Grep." in first
    assert "Glob" in first.split("Tools named elsewhere", 1)[1]
    assert first.index("Root rule") < first.index("Package rule") and "Claude rule" in first
    assert "?? new.py" in git_summary(repo) or "new.py" in git_summary(repo)
    assert [p.name for p, _ in agents_md_chain(repo / "pkg")] == ["AGENTS.md", "AGENTS.md"]
    assert git_summary(tmp_path) == "not a git repository"


def test_restructure_prompt_names_the_missing_sections() -> None:
    from workbench.core.agent.contract import restructure_prompt

    report = check_contract(CONTRACT, "## Risks\n## Summary\n")
    prompt = restructure_prompt(report)
    assert "1. Summary\n2. Architecture\n3. Risks" in prompt and "Missing: Architecture." in prompt
    assert "out of order" in prompt
