"""The bundled demo: the sample workspace, the cassette replayed through the real loop, and `workbench demo --text`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import demo, paths
from workbench.cli.demo import StdinApprover, clean, replay_text
from workbench.core.events import (
    ApprovalRequested,
    ContractReport,
    ErrorEvent,
    Event,
    PlanUpdated,
    ToolCallFinished,
    TurnDone,
)
from workbench.core.replay import load_cassette

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parent.parent


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_workspace_is_a_repo_with_one_uncommitted_change(tmp_path: Path) -> None:
    ws = demo.prepare_demo_workspace(tmp_path / "ws")
    assert (ws / "payments" / "retry.py").is_file() and (ws / "tests" / "test_service.py").is_file()
    assert git(ws, "status", "--porcelain").splitlines() == [" M INCIDENTS.md"]
    assert len(git(ws, "log", "--oneline").splitlines()) == 1
    assert not list(ws.rglob("__pycache__"))
    # the sample's retry bug is real: its decline tests fail before the fix
    run = subprocess.run([sys.executable, "-m", "unittest"], cwd=ws, capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and "failures=2" in run.stderr


def test_workspaces_are_numbered_under_the_data_folder() -> None:
    first = demo.prepare_demo_workspace()
    second = demo.prepare_demo_workspace()
    assert first.parent == second.parent == paths.data_dir().resolve()
    assert (first.name, second.name) == ("demo-1", "demo-2")


def test_a_non_empty_destination_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(demo.DemoError, match="not empty"):
        demo.prepare_demo_workspace(tmp_path / "taken")


def test_cassette_matches_the_bundled_persona() -> None:
    records = load_cassette(demo.CASSETTE)
    persona = demo.demo_persona()
    assert len(records) >= 8
    assert all(r["response"]["status"] == 200 and not r["error"] for r in records)
    offered = set(records[0]["request"]["tools"])
    assert offered == set(persona.tools.granted)
    text = demo.CASSETTE.read_text()
    assert "sk-ant-demo" not in text and "toolu_peer" not in text and "msg_peer" not in text


class Approve:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def decide(self, request):  # type: ignore[no-untyped-def]
        from workbench.core.approvals import Decision

        self.asked.append(request.tool)
        return Decision(allow=True, by="user")


async def test_replay_drives_the_real_loop_to_the_end(tmp_path: Path) -> None:
    ws = demo.prepare_demo_workspace(tmp_path / "ws")
    approver = Approve()
    session = demo.demo_session(approver, workspace=ws, delay=0)
    events: list[Event] = []
    try:
        async for event in session.run_turn(demo.DEMO_PROMPT):
            events.append(event)
    finally:
        await session.aclose()
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    tools = [e.tool for e in events if isinstance(e, ToolCallFinished)]
    assert {"Read", "Grep", "Edit", "Bash", "TodoWrite"} <= set(tools)
    edit_request = next(e.request for e in events if isinstance(e, ApprovalRequested) and e.request.tool == "Edit")
    assert edit_request.diff and "+        except retry_on:" in edit_request.diff
    assert "Edit" in approver.asked
    assert "except retry_on:" in (ws / "payments" / "retry.py").read_text()
    bash = next(e for e in events if isinstance(e, ToolCallFinished) and e.tool == "Bash")
    assert bash.exit_code == 0 and "OK" in bash.output
    assert any(isinstance(e, PlanUpdated) and len(e.items) == 5 for e in events)
    report = next(e for e in events if isinstance(e, ContractReport))
    assert report.missing == ()
    done = events[-1]
    assert isinstance(done, TurnDone) and done.stop_reason == "end_turn"
    assert "### 1. Summary" in done.final_text


async def test_text_mode_asks_on_stdin(tmp_path: Path) -> None:
    out = io.StringIO()
    code = await replay_text(out, yes=False, delay=0, workspace=tmp_path / "ws", stdin=io.StringIO("n\ny\n"))
    shown = out.getvalue()
    assert code == 0
    assert "allow? [y/N]" in shown and "denied: the user declined this call" in shown
    assert "except Exception:" in (tmp_path / "ws" / "payments" / "retry.py").read_text()  # the edit was refused
    assert "output contract: all 7 sections present" in shown
    assert "You denied 1 request(s)" in shown


async def test_closed_stdin_denies_instead_of_hanging() -> None:
    from workbench.core.approvals import ApprovalRequest

    out = io.StringIO()
    approver = StdinApprover(out, yes=False, stdin=io.StringIO(""))
    request = ApprovalRequest(id="r", call_id="c", tool="Bash", input={}, summary="Run: ls", reason="Bash asks")
    decision = await approver.decide(request)
    assert not decision.allow and "stdin closed" in decision.reason


def test_untrusted_text_is_cleaned() -> None:
    assert clean("ok\n\ttab") == "ok\n\ttab"
    assert clean("a\x1b[31mred\u202eb\r") == "a<U+001B>[31mred<U+202E>b<U+000D>"


def test_demo_command_runs_offline_to_the_end(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["WORKBENCH_HOME"] = str(tmp_path / "home")
    run = subprocess.run(
        [sys.executable, "-m", "workbench", "demo", "--text", "--yes", "--delay", "0", "--dir", str(tmp_path / "ws")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "approved automatically (--yes)" in run.stdout
    assert "### 6. Risks and rollout" in run.stdout
    assert "-- end_turn" in run.stdout
    assert "Ran 8 tests" in run.stdout and "output contract: all 7 sections present" in run.stdout
    assert "except retry_on:" in (tmp_path / "ws" / "payments" / "retry.py").read_text()


def test_demo_workspaces_are_recognised(tmp_path: Path) -> None:
    ws = demo.prepare_demo_workspace(tmp_path / "ws")
    assert demo.is_demo_workspace(ws)
    assert not demo.is_demo_workspace(tmp_path)
    (ws / "payments" / "ledger.py").unlink()
    assert not demo.is_demo_workspace(ws)


def test_without_a_terminal_the_demo_falls_back_to_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli.demo import main

    code = main(["--yes", "--delay", "0", "--dir", str(tmp_path / "ws")])
    captured = capsys.readouterr()
    assert code == 0
    assert "no interactive terminal; replaying as plain text" in captured.err
    assert "-- end_turn" in captured.out


def test_older_copies_are_cleaned_keeping_the_last_one() -> None:
    made = [demo.prepare_demo_workspace() for _ in range(4)]
    left = sorted(p.name for p in paths.data_dir().glob("demo-*"))
    assert left == ["demo-3", "demo-4"] and made[-1].name == "demo-4"
    stranger = paths.data_dir() / "demo-9"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    demo.prepare_demo_workspace()
    assert (stranger / "notes.txt").read_text() == "mine"  # not a demo copy: never removed


def test_a_fresh_copy_is_reused_by_the_screen_and_a_used_one_is_not() -> None:
    ws = demo.prepare_demo_workspace()
    assert demo.is_unused_demo_workspace(ws)
    (ws / "payments" / "retry.py").write_text("# changed by a replay\n")
    assert not demo.is_unused_demo_workspace(ws)


async def test_the_screen_replays_on_the_copy_it_was_opened_on() -> None:
    from workbench.core.approvals import DenyAll
    from workbench.tui.host import SessionRequest, default_session_factory

    ws = demo.prepare_demo_workspace()
    session = await default_session_factory(SessionRequest(workspace=ws, persona=None, approver=DenyAll(), demo=True))
    try:
        assert session.workspace == ws.resolve()
        assert sorted(p.name for p in paths.data_dir().glob("demo-*")) == [ws.name]
    finally:
        await session.aclose()
