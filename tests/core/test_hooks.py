"""Claude Code hooks: where they are read from (a project's only once trusted), and real commands run as Claude
Code runs them: JSON on stdin, exit code 2 blocks, JSON decisions, timeouts, a scrubbed environment."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from workbench import paths
from workbench.core.hooks.config import HookCommand, load_hooks
from workbench.core.hooks.runner import run_hooks
from workbench.core.hooks.session import SessionHooks
from workbench.core.policy.audit import AuditLog, read_records

pytestmark = pytest.mark.timeout(30)


def settings(folder: Path, hooks: dict[str, Any], **extra: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.json"
    path.write_text(json.dumps({"hooks": hooks, **extra}))
    return path


def group(command: str, matcher: str = "", timeout: float | None = None) -> list[dict[str, Any]]:
    hook: dict[str, Any] = {"type": "command", "command": command}
    if timeout is not None:
        hook["timeout"] = timeout
    return [{"matcher": matcher, "hooks": [hook]}]


def hook(command: str, event: str = "PreToolUse", timeout: float = 10) -> HookCommand:
    return HookCommand(event, "", command, timeout, "test", "user")


def test_user_hooks_always_project_hooks_only_when_trusted(tmp_path: Path) -> None:
    settings(paths.user_home() / ".claude", {"Stop": group("echo user")})
    project = tmp_path / "repo"
    settings(project / ".claude", {"PreToolUse": group("echo project", "Bash")})
    untrusted = load_hooks(project, trusted=False)
    assert [h.command for h in untrusted.commands] == ["echo user"]
    trusted = load_hooks(project, trusted=True)
    assert sorted(h.command for h in trusted.commands) == ["echo project", "echo user"]


def test_matchers_dedup_and_bad_entries(tmp_path: Path) -> None:
    hooks = {
        "PreToolUse": [
            {"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "a"}]},
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "a"}, {"type": "prompt", "prompt": "x"}]},
            {"matcher": "mcp__docs__.*", "hooks": [{"type": "command", "command": "b", "timeout": "soon"}]},
        ],
        "Nonsense": [],
    }
    settings(paths.user_home() / ".claude", hooks)
    found = load_hooks(tmp_path, trusted=False)
    assert [h.command for h in found.matching("PreToolUse", "Write")] == ["a"]
    assert [h.command for h in found.matching("PreToolUse", "Bash")] == ["a"]
    assert [h.command for h in found.matching("PreToolUse", "Read")] == []
    [docs] = found.matching("PreToolUse", "mcp__docs__search")
    assert docs.timeout == 60
    assert any("prompt" in p for p in found.problems) and any("Nonsense" in p for p in found.problems)


def test_disable_all_hooks(tmp_path: Path) -> None:
    settings(paths.user_home() / ".claude", {"Stop": group("echo x")}, disableAllHooks=True)
    assert not load_hooks(tmp_path, trusted=True)


async def test_exit_2_blocks_with_stderr_and_stdin_is_the_event(tmp_path: Path) -> None:
    seen = tmp_path / "stdin.json"
    command = f"cat > {seen}; echo 'no rm here' >&2; exit 2"
    outcome = await run_hooks([hook(command)], "PreToolUse", {"tool_name": "Bash"}, workspace=tmp_path)
    assert outcome.blocked and outcome.permission == "deny" and outcome.reason == "no rm here"
    payload = json.loads(seen.read_text())
    assert payload == {"tool_name": "Bash", "hook_event_name": "PreToolUse"}
    [run] = outcome.runs
    assert (run.exit_code, run.outcome) == (2, "blocked")


async def test_other_exit_codes_do_not_block(tmp_path: Path) -> None:
    outcome = await run_hooks([hook("echo oops >&2; exit 1")], "PreToolUse", {}, workspace=tmp_path)
    assert not outcome.blocked and outcome.permission is None
    assert outcome.messages and "oops" in outcome.messages[0]


async def test_exit_2_on_an_event_that_cannot_block_is_shown_only(tmp_path: Path) -> None:
    outcome = await run_hooks([hook("echo late >&2; exit 2", "Notification")], "Notification", {}, workspace=tmp_path)
    assert not outcome.blocked and "late" in outcome.messages[0]


async def test_json_decisions(tmp_path: Path) -> None:
    ask = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "ask",
            "permissionDecisionReason": "check it",
        }
    }
    deny = {"decision": "block", "reason": "old style"}
    asked = await run_hooks([hook(f"echo '{json.dumps(ask)}'")], "PreToolUse", {}, workspace=tmp_path)
    assert asked.permission == "ask" and not asked.blocked and asked.reason == "check it"
    both = await run_hooks(
        [hook(f"echo '{json.dumps(ask)}'"), hook(f"echo '{json.dumps(deny)}'")], "PreToolUse", {}, workspace=tmp_path
    )
    assert both.permission == "deny" and both.blocked  # deny beats ask
    stop = {"decision": "block", "reason": "run the tests first"}
    stopped = await run_hooks([hook(f"echo '{json.dumps(stop)}'", "Stop")], "Stop", {}, workspace=tmp_path)
    assert stopped.blocked and stopped.reason == "run the tests first"
    context = {"hookSpecificOutput": {"additionalContext": "the build is red"}, "systemMessage": "heads up"}
    added = await run_hooks(
        [hook(f"echo '{json.dumps(context)}'", "PostToolUse")], "PostToolUse", {}, workspace=tmp_path
    )
    assert added.context == ["the build is red"] and added.messages == ["heads up"] and not added.blocked
    halted = await run_hooks(
        [hook("""echo '{"continue": false, "stopReason": "enough"}'""")], "Stop", {}, workspace=tmp_path
    )
    assert halted.stop and halted.stop_reason == "enough"


async def test_plain_stdout_is_context_only_for_prompt_and_start(tmp_path: Path) -> None:
    submit = await run_hooks(
        [hook("echo today is friday", "UserPromptSubmit")], "UserPromptSubmit", {}, workspace=tmp_path
    )
    assert submit.context == ["today is friday"]
    post = await run_hooks([hook("echo just a log", "PostToolUse")], "PostToolUse", {}, workspace=tmp_path)
    assert post.context == []


async def test_a_hanging_hook_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    child = tmp_path / "child.pid"
    command = f"sleep 300 & echo $! > {child}; sleep 300"
    started = time.monotonic()
    outcome = await run_hooks([hook(command, timeout=0.5)], "PreToolUse", {}, workspace=tmp_path)
    assert time.monotonic() - started < 5
    assert not outcome.blocked and outcome.runs[0].outcome == "timeout"
    pid = int(child.read_text())
    time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]


async def test_the_environment_is_scrubbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("HOOK_SETTING", "kept")
    out = tmp_path / "env.txt"
    await run_hooks([hook(f"env > {out}")], "PreToolUse", {}, workspace=tmp_path)
    env = out.read_text()
    assert "sk-ant-secret" not in env and "ghp_secret" not in env
    assert f"CLAUDE_PROJECT_DIR={tmp_path}" in env and "PATH=" in env and "HOOK_SETTING=kept" in env
    assert "GIT_CONFIG_KEY_0=core.fsmonitor" in env  # a hook's git runs none of the repository's programs


async def test_a_flood_of_output_is_capped(tmp_path: Path) -> None:
    outcome = await run_hooks(
        [hook("head -c 10000000 /dev/zero | tr '\\0' x >&2; exit 2")], "PreToolUse", {}, workspace=tmp_path
    )
    assert outcome.blocked and len(outcome.reason) <= 4000


async def test_session_hooks_are_evidence_and_audit(tmp_path: Path) -> None:
    settings(paths.user_home() / ".claude", {"PreToolUse": group("exit 0", "Bash")})
    audit = AuditLog(tmp_path / "audit.jsonl", session="s1")
    hooks = SessionHooks(load_hooks(tmp_path, trusted=False), tmp_path, session_id="s1", audit=audit)
    outcome, events = await hooks.run("PreToolUse", {"tool_name": "Bash"}, target="Bash", call_id="toolu_1")
    assert not outcome.blocked
    [event] = events
    assert (event.hook_event, event.call_id, event.outcome, event.exit_code) == ("PreToolUse", "toolu_1", "ok", 0)
    [record] = read_records(audit.path)[0]
    assert record["tool"] == "hook PreToolUse" and record["input"]["command"] == "exit 0"
    assert os.stat(audit.path).st_mode & 0o777 == 0o600
    nothing, none = await hooks.run("PreToolUse", {"tool_name": "Read"}, target="Read")
    assert none == [] and nothing.runs == []


async def test_a_prompt_with_bytes_that_are_not_utf8_reaches_a_hook_as_valid_json(tmp_path: Path) -> None:
    seen = tmp_path / "stdin.json"
    hook_ = hook(f"cat > {seen}", "UserPromptSubmit")
    outcome = await run_hooks([hook_], "UserPromptSubmit", {"prompt": "caf\udce9"}, workspace=tmp_path)
    assert outcome.runs[0].outcome == "ok"
    assert json.loads(seen.read_text())["prompt"] == "caf\udce9"
