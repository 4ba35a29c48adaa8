"""Rewind through real headless runs: checkpoints taken by the session, `workbench sessions rewind` in a subprocess.

A turn edits src/a.py and runs a shell command that creates, deletes and makes a folder; a second turn writes a
file the user then edits by hand. The rewind to turn 1 lists all of it and changes nothing; with --yes it puts
back what the agent changed, keeps the hand-edited file (a conflict), leaves an ignored build output alone, and
the next request no longer carries turn 1.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.core.agent.helpers import run_cli
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

SHELL = "echo new > created.txt && rm README.md && mkdir d && echo z > d/z.txt"
A_BEFORE = "def a():\n    return 1\n"


def make_workspace(root: Path, *, git: bool) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text(A_BEFORE)
    (root / "README.md").write_text("# readme\n")
    (root / ".gitignore").write_text("build/\n")
    if git:
        env = {
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e",
        }
        for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "init"]):
            subprocess.run(
                ["git", *args], cwd=root, check=True, capture_output=True, env={**env, "PATH": "/usr/bin:/bin"}
            )
    (root / "build").mkdir()
    (root / "build" / "out.bin").write_bytes(b"built before the session\n")  # ignored: never checkpointed
    return root


async def turn(
    peer_script: list[Any], cwd: Path, prompt: str, monkeypatch: pytest.MonkeyPatch, resume: str | None = None
) -> tuple[int, dict[str, Any], list[Any]]:
    with MessagesPeer(peer_script) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out = io.StringIO()
        opts = RunOptions(prompt=prompt, cwd=cwd, mode="bypassPermissions", output_format="json", resume=resume)
        code = await headless.run(opts, out, io.StringIO())
        requests = peer.message_requests
    result = json.loads(out.getvalue().splitlines()[-1])
    return code, result, requests


@pytest.mark.parametrize("git", [True, False], ids=["git-repo", "plain-folder"])
async def test_rewind_files_and_conversation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path, git: bool
) -> None:
    ws = make_workspace(tmp_path / "ws", git=git)
    head_before = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ws, capture_output=True).stdout if git else b""
    edit = {"file_path": "src/a.py", "old_string": "return 1", "new_string": "return 2"}
    first = [
        reply(tool_use("Read", {"file_path": "src/a.py"}, id="toolu_t1_read")),
        reply(tool_use("Edit", edit, id="toolu_t1_edit"), tool_use("Bash", {"command": SHELL}, id="toolu_t1_bash")),
        reply(text("Done with turn one.")),
    ]
    code, result, _ = await turn(first, ws, "change a and shuffle files", monkeypatch)
    assert code == 0, result
    sid = result["session_id"]
    assert (ws / "src" / "a.py").read_text() == A_BEFORE.replace("1", "2")
    assert not (ws / "README.md").exists() and (ws / "d" / "z.txt").exists()
    second = [
        reply(tool_use("Write", {"file_path": "notes.md", "content": "agent notes\n"}, id="toolu_t2")),
        reply(text("ok")),
    ]
    code, result, _ = await turn(second, ws, "write notes", monkeypatch, resume=sid)
    assert code == 0, result
    (ws / "notes.md").write_text("the user's own notes\n")  # by hand, after the agent wrote it

    # The Bash call's evidence lists the files it changed, from the checkpoint diff (not from the command).
    assert bash_changes(isolated_env) == [
        {"path": "README.md", "status": "D"},
        {"path": "created.txt", "status": "A"},
        {"path": "d/z.txt", "status": "A"},
    ]

    dry = run_cli(["sessions", "--cwd", str(ws), "rewind", sid, "--to-turn", "1"], base_url=None, home=isolated_env)
    assert dry.returncode == 0, dry.stderr
    listing = dry.stdout
    for line in ("restore  src/a.py", "restore  README.md", "delete   created.txt", "delete   d/z.txt"):
        assert line in listing, listing
    assert "Conflicts" in listing and "notes.md" in listing.split("Conflicts", 1)[1]
    assert "-    return 2\n+    return 1" in listing  # the diff of what it would do
    assert "Nothing was changed" in listing
    assert (ws / "created.txt").exists() and not (ws / "README.md").exists()  # nothing changed

    done = run_cli(
        ["sessions", "--cwd", str(ws), "rewind", sid, "--to-turn", "1", "--yes"], base_url=None, home=isolated_env
    )
    assert done.returncode == 3, done.stdout + done.stderr  # applied, with a conflict kept
    assert (ws / "src" / "a.py").read_text() == A_BEFORE
    assert (ws / "README.md").read_text() == "# readme\n"
    assert not (ws / "created.txt").exists() and not (ws / "d").exists()
    assert (ws / "notes.md").read_text() == "the user's own notes\n"  # the conflict is kept
    assert (ws / "build" / "out.bin").read_bytes() == b"built before the session\n"
    if git:  # the user's repository is untouched: same HEAD, nothing staged
        assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=ws, capture_output=True).stdout == head_before
        staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=ws, capture_output=True, text=True)
        assert staged.stdout == ""
        assert not list((ws / ".git").glob("refs/workbench*"))

    third = [reply(text("Starting over."))]
    code, result, requests = await turn(third, ws, "try again", monkeypatch, resume=sid)
    assert code == 0, result
    body = json.dumps(requests[0].messages)
    assert "toolu_t1" not in body and "toolu_t2" not in body and "change a and shuffle files" not in body
    assert requests[0].messages[-1]["role"] == "user" and len(requests[0].messages) == 1

    undo = run_cli(["sessions", "--cwd", str(ws), "rewind", sid, "--undo", "--yes"], base_url=None, home=isolated_env)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert (ws / "src" / "a.py").read_text() == A_BEFORE.replace("1", "2")
    assert (ws / "created.txt").read_text() == "new\n" and (ws / "d" / "z.txt").read_text() == "z\n"
    assert not (ws / "README.md").exists()
    assert "the conversation stays" in undo.stdout  # a turn was made after the rewind


def bash_changes(home: Path) -> list[dict[str, str]]:
    """The workspace changes recorded on the session's Bash call."""
    folders = list((home / ".workbench" / "data" / "projects").glob("*/sessions"))
    for line in (
        next(p for p in folders[0].glob("*.jsonl") if not p.name.endswith(".audit.jsonl")).read_text().splitlines()
    ):
        record = json.loads(line)
        event = record.get("e") or {}
        if event.get("type") == "tool_call_finished" and event.get("tool") == "Bash":
            return list(event["meta"]["workspace_changes"])
    return []


async def test_files_and_folders_swapped_by_hand_are_kept_and_what_cannot_go_back_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    """After the turn the user puts a folder where the command made a file, and a file where the agent's edited
    file's folder was. The rewind keeps the user's folder, cannot put the edited file back under a file (it
    says so, exit 3), and the saved rewind records that: `sessions show` and a resumed screen read it later."""
    from workbench.core.events import Rewound
    from workbench.core.session_store import SessionStore

    ws = make_workspace(tmp_path / "ws", git=True)
    command = "echo new > created.txt && echo 'def a():\n    return 2' > src/a.py"
    script = [reply(tool_use("Bash", {"command": command}, id="toolu_f1")), reply(text("Changed."))]
    code, result, _ = await turn(script, ws, "change files", monkeypatch)
    assert code == 0, result
    sid = result["session_id"]
    (ws / "created.txt").unlink()
    (ws / "created.txt").mkdir()  # a folder where the command made a file
    (ws / "created.txt" / "mine.txt").write_text("the user's\n")
    for child in (ws / "src").iterdir():
        child.unlink()
    (ws / "src").rmdir()
    (ws / "src").write_text("a file where the folder was\n")
    done = run_cli(
        ["sessions", "--cwd", str(ws), "rewind", sid, "--to-turn", "1", "--yes", "--force"],
        base_url=None,
        home=isolated_env,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 3, done.stdout + done.stderr
    assert "failed   src/a.py:" in done.stdout, done.stdout
    assert (ws / "created.txt" / "mine.txt").read_text() == "the user's\n"
    assert (ws / "src").read_text() == "a file where the folder was\n"
    saved = [e for e in SessionStore(ws).load(sid).events if isinstance(e, Rewound)]
    assert saved and [path for path, _ in saved[-1].failed] == ["src/a.py"]
    shown = run_cli(["sessions", "--cwd", str(ws), "show", sid], base_url=None, home=isolated_env)
    assert "Rewound to before turn 1" in shown.stdout and "failed   src/a.py:" in shown.stdout, shown.stdout


async def test_a_command_that_turns_a_file_into_a_folder_keeps_checkpoints_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    """A checkpoint used to fail when a file in the last one had become a folder, and turned checkpoints off
    for the rest of the session: what followed could not be rewound."""
    ws = make_workspace(tmp_path / "ws", git=True)
    swap = "rm src/a.py && mkdir src/a.py && echo inner > src/a.py/inner.txt"
    script = [reply(tool_use("Bash", {"command": swap}, id="toolu_s1")), reply(text("Swapped."))]
    code, result, _ = await turn(script, ws, "swap", monkeypatch)
    assert code == 0, result
    notices = " ".join(n["message"] for n in result["notices"])
    assert "checkpoints are off" not in notices, notices
    listing = run_cli(
        ["sessions", "--cwd", str(ws), "rewind", result["session_id"], "--to-turn", "1"],
        base_url=None,
        home=isolated_env,
    )
    assert "delete   src/a.py/inner.txt" in listing.stdout and "restore  src/a.py" in listing.stdout, listing.stdout
    done = run_cli(
        ["sessions", "--cwd", str(ws), "rewind", result["session_id"], "--to-turn", "1", "--yes"],
        base_url=None,
        home=isolated_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr  # the emptied folder makes way for the file
    assert (ws / "src" / "a.py").read_text() == A_BEFORE
