"""kill -9 while the transcript is being written, 50 times: the session always opens again, `--continue` works, and
no turn is ever duplicated or reordered. The writer (tests/transcript_writer.py) appends turns through SessionStore
with payloads of random size, so the kills land inside lines, between a turn's records and during fsyncs."""

from __future__ import annotations

import io
import json
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, run_cli, sessions_folder
from tests.procs import ROOT
from workbench import headless
from workbench.core.agent.resume import repair_history
from workbench.core.events import AssistantText, TurnDone, TurnStarted
from workbench.core.session_store import LoadedSession, SessionStore
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text

KILLS = 50
_NUMBER = re.compile(r"^(prompt|answer) (\d+)")


def _numbers(blocks: list[dict[str, object]], kind: str) -> list[int]:
    found = [_NUMBER.match(str(b.get("text", ""))) for b in blocks]
    return [int(m.group(2)) for m in found if m and m.group(1) == kind]


def _check(loaded: LoadedSession) -> int:
    """Every turn once, in order; returns the number of turns started."""
    current = 0
    answered: set[int] = set()
    for event in loaded.events:
        if isinstance(event, TurnStarted):
            assert event.turn == current + 1, f"turn {event.turn} after {current}"
            current = event.turn
        elif isinstance(event, AssistantText | TurnDone):  # the writer's answers name their turn
            said = event.text if isinstance(event, AssistantText) else event.final_text
            if said.startswith("answer "):
                assert said.startswith(f"answer {current} "), f"{said[:20]} in turn {current}"
            if isinstance(event, AssistantText):
                assert current not in answered, f"turn {current} answered twice"
                answered.add(current)
    roles = [m["role"] for m in loaded.messages]
    assert roles == ["user", "assistant"] * (len(roles) // 2) + ["user"] * (len(roles) % 2), roles
    prompts = [n for m in loaded.messages if m["role"] == "user" for n in _numbers(m["content"], "prompt")]
    answers = [n for m in loaded.messages if m["role"] == "assistant" for n in _numbers(m["content"], "answer")]
    assert prompts == sorted(set(prompts)) and answers == sorted(set(answers)), (prompts, answers)
    assert set(answers) <= set(prompts)
    return current


async def test_kill_9_while_writing_never_breaks_a_session(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    with MessagesPeer([reply(text("Started."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out = io.StringIO()
        assert await headless.run(RunOptions(prompt="start", cwd=repo, output_format="json"), out, io.StringIO()) == 0
    session_id = json.loads(out.getvalue())["session_id"]
    root = sessions_folder(isolated_env)
    store = SessionStore(repo, root=root)
    rng = random.Random(12)
    torn = turns = 0
    for kill in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.transcript_writer", str(root), session_id, str(kill)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n", writer.communicate()
        time.sleep(rng.uniform(0.0, 0.015))
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=10)
        loaded = store.load(session_id)  # what --continue reads first
        torn += loaded.skipped_lines
        turns = _check(loaded)
        repair_history(loaded.messages)
    assert turns > KILLS and torn >= 1, (turns, torn)  # work got done, and kills did land inside lines
    with MessagesPeer([reply(text("Still whole."))]) as peer:
        done = run_cli(
            ["run", "go on", "--cwd", str(repo), "--continue", "--output-format", "json"],
            base_url=peer.url,
            home=isolated_env,
        )
        sent = peer.message_requests[-1].messages
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["final_text"] == "Still whole."
    assert [m["role"] for m in sent][-2:] != ["user", "user"]
    final = store.load(session_id)
    assert _check(final) == turns + 1 and final.skipped_lines == 0
