"""`workbench run` with delegation: the project's personas as subagents, their events in stream-json."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, run_cli
from tests.core.agent.test_delegation import Router, agent_call, marker, write_personas
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = git_repo(tmp_path / "repo")
    write_personas(root / ".claude" / "agents", ["lead", "reviewer"])
    return root


def script() -> Router:
    return Router.of(
        lead=[agent_call("reviewer"), reply(text("The reviewer approves."))],
        reviewer=[
            reply(tool_use("Read", {"file_path": "app.py"})),
            reply(tool_use("Write", {"file_path": "app.py", "content": "x"})),
            reply(text("Correct. HEADLESS-NESTED")),
        ],
    )


async def test_stream_json_carries_the_child_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    router = script()
    with MessagesPeer(router.turns()) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(prompt="review app.py", cwd=repo, persona="lead", output_format="stream-json")
        code = await headless.run(opts, out, err)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert router.seen == ["lead", "reviewer", "reviewer", "reviewer", "lead"], err.getvalue()
    nested = [e for e in lines if e.get("agent_path") == ["reviewer"]]
    kinds = [e["type"] for e in nested]
    assert kinds[0] == "subagent_started" and kinds[-1] == "subagent_finished"
    calls = [e for e in nested if e["type"] == "tool_call_finished"]
    assert [(c["tool"], c["is_error"]) for c in calls] == [("Read", False), ("Write", True)]
    agent = next(e for e in lines if e["type"] == "tool_call_finished" and e["agent_path"] == [])
    assert agent["tool"] == "Agent" and "HEADLESS-NESTED" in agent["output"]
    result = lines[-1]
    assert result["type"] == "result" and result["final_text"] == "The reviewer approves."
    assert code == headless.EXIT_OK, err.getvalue()
    assert (repo / "app.py").read_text().startswith("def greet")


async def test_text_output_keeps_the_child_answer_off_stdout(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = io.StringIO(), io.StringIO()
    router = script()
    with MessagesPeer(router.turns()) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(prompt="review app.py", cwd=repo, persona="lead", output_format="text")
        code = await headless.run(opts, out, err)
    assert code == headless.EXIT_OK, err.getvalue()
    assert out.getvalue().strip() == "The reviewer approves."  # the child's answer reached the parent only
    notes = err.getvalue()
    assert "reviewer › Read" in notes and "reviewer › Write" in notes


def test_workbench_run_subprocess_delegates(repo: Path, isolated_env: Path) -> None:
    router = Router.of(
        lead=[agent_call("reviewer"), reply(text("Done."))],
        reviewer=[reply(tool_use("Read", {"file_path": "README.md"})), reply(text("It is a demo. CLI-NESTED"))],
    )
    with MessagesPeer(router.turns()) as peer:
        done = run_cli(
            ["run", "--cwd", str(repo), "--persona", "lead", "--output-format", "stream-json", "review"],
            base_url=peer.url,
            home=isolated_env,
        )
        systems = [r.system_text() for r in peer.message_requests]
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [marker("reviewer") in s for s in systems] == [False, True, True, False]
    read = next(e for e in lines if e["type"] == "tool_call_finished" and e["agent_path"] == ["reviewer"])
    assert read["tool"] == "Read" and "# demo" in read["output"]
    assert lines[-1]["type"] == "result" and lines[-1]["exit_code"] == 0
