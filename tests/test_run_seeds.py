"""`workbench run` end to end (a subprocess through ANTHROPIC_BASE_URL) with each seed persona file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, run_cli, sessions_folder
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

ALL = [
    "Read",
    "LS",
    "Glob",
    "Grep",
    "ReadManyFiles",
    "Write",
    "Edit",
    "MultiEdit",
    "Bash",
    "TodoWrite",
    "SaveMemory",
    "Agent",
]
SEEDS = {
    # frontmatter grant (docs/personas.md, "Tool names and grants"): the body's extra tools are not offered
    "000_5a8db1f8ea2aebb8.txt": ["Read", "Write", "MultiEdit", "Bash"],
    # body toolkit; WebFetch (network off), WebSearch (no backend) and Image Generator cannot run
    "001_396b3d90c630b733.txt": [
        "Read",
        "LS",
        "Glob",
        "Grep",
        "ReadManyFiles",
        "Write",
        "Edit",
        "Bash",
        "TodoWrite",
        "SaveMemory",
    ],
    # 12 built-ins granted; WebSearch and WebFetch cannot run (no search backend, network off); MCP servers are
    # not configured; Agent (Task) runs: the bundled personas are there to delegate to
    "002_95e2983c5ed8de10.txt": [
        "Read",
        "LS",
        "Glob",
        "Grep",
        "Write",
        "Edit",
        "MultiEdit",
        "Bash",
        "TodoWrite",
        "Agent",
    ],
    "003_63d2144bd07b97c7.txt": ALL,  # tools omitted: inherit everything runnable
    "004_3c982e38d38c718a.txt": ALL,
}


@pytest.mark.parametrize("name", sorted(SEEDS))
async def test_offered_tools_are_granted_and_runnable(
    name: str, seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process (the SDK import costs seconds per subprocess), through ANTHROPIC_BASE_URL and real HTTP."""
    repo = git_repo(tmp_path / "repo")
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(text("Looked around."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(prompt="look around", cwd=repo, persona=str(seeds_dir / name), output_format="json")
        code = await headless.run(opts, out, err)
        request = peer.message_requests[0]
    assert code == 0, err.getvalue()
    assert request.tool_names() == SEEDS[name]
    system = request.system_text()
    assert "Tools available to you in this session: " + ", ".join(SEEDS[name]) + "." in system
    assert system.count("Tools available to you in this session") == 1
    if name.startswith("001"):
        assert "Tool names in this workbench: FindFiles→Glob" in system
    assert request.cache_control_positions() == [
        f"tools[{len(SEEDS[name]) - 1}]",
        "system[0]",
        "messages[0].content[0]",
    ]
    assert request.headers["authorization"].startswith("Bearer ")
    result = json.loads(out.getvalue())
    assert result["final_text"] == "Looked around." and result["exit_code"] == 0
    assert result["persona_id"].startswith("backend-architect")


async def test_seed_000_git_rule_holds_inside_compound_commands(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    repo = git_repo(tmp_path / "repo")
    commands = [
        "echo ok && git status",
        "true; /usr/bin/git log -1",
        "echo $(git rev-parse HEAD)",
        "env GIT_PAGER=cat git diff",
        "ls | xargs git add",
        "echo plain",
    ]
    calls = [tool_use("Bash", {"command": c}, id=f"toolu_{i}") for i, c in enumerate(commands)]
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(*calls), reply(text("Some commands were refused."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(
            prompt="run them",
            cwd=repo,
            persona=str(seeds_dir / "000_5a8db1f8ea2aebb8.txt"),
            allow=["Bash"],
            output_format="stream-json",
        )
        code = await headless.run(opts, out, err)
        results = peer.message_requests[1].messages[2]["content"]
    home = isolated_env
    assert code == 3, err.getvalue()  # completed, but calls were denied
    for result in results[:-1]:
        assert result.get("is_error") is True and "was not run" in result["content"], result
        assert "git" in result["content"]
    assert results[-1]["content"].startswith("plain") and not results[-1].get("is_error")
    events = [json.loads(line) for line in out.getvalue().splitlines()][:-1]
    asked = [e for e in events if e["type"] == "approval_requested"]
    assert len(asked) == 5 and all(e["request"]["rememberable"] is False for e in asked)
    audit = next(sessions_folder(home).glob("*.audit.jsonl"))
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["input"]["command"] for r in records] == commands
    assert all(any("git" in m for m in r["policy"]["matched"]) for r in records[:-1])
    assert [r["approval"]["decision"] for r in records] == ["denied"] * 5 + [None]
    assert records[-1]["outcome"]["ok"] is True and (audit.stat().st_mode & 0o777) == 0o600


def test_stream_json_lines_follow_the_schema(seeds_dir: Path, tmp_path: Path) -> None:
    from workbench.core.agent.codec import event_from_json

    repo = git_repo(tmp_path / "repo")
    script = [reply(text("Reading \x1b[31m\u202e"), tool_use("Read", {"file_path": "app.py"})), reply(text("Done."))]
    with MessagesPeer(script) as peer:
        done = run_cli(
            [
                "run",
                "read",
                "--persona",
                str(seeds_dir / "003_63d2144bd07b97c7.txt"),
                "--cwd",
                str(repo),
                "--output-format",
                "stream-json",
            ],
            base_url=peer.url,
            home=tmp_path / "home",
        )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[-1]["type"] == "result" and lines[-1]["final_text"] == "Done." and lines[-1]["exit_code"] == 0
    events = [event_from_json(line) for line in lines[:-1]]
    types = [e.type for e in events]
    assert types[0] == "turn_started" and types[-1] == "turn_done"
    assert types.index("tool_call_ready") < types.index("tool_call_finished")
    assert "text_delta" in types and "usage" in types


async def test_text_output_is_terminal_safe(seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo(tmp_path / "repo")
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(text("evil \x1b]0;title\x07 and \u202e done"))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(prompt="hi", cwd=repo, persona=str(seeds_dir / "004_3c982e38d38c718a.txt"))
        code = await headless.run(opts, out, err)
    assert code == 0, err.getvalue()
    shown = out.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "<U+202E>" in shown and "<ESC>" in shown
    assert "session " in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persona", "no-such-persona"], "no persona 'no-such-persona'"),
        (["--cwd", "/nonexistent/folder"], "not a folder"),
        (["--resume", "nope"], "no session"),
        (["--max-turns", "0"], "--max-turns"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str, tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    full = ["run", "hi", "--cwd", str(repo), *args] if "--cwd" not in args else ["run", "hi", *args]
    done = run_cli(full, base_url="http://127.0.0.1:9", home=tmp_path / "home")
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_no_credentials_say_how_to_set_them(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    done = run_cli(["run", "hi", "--cwd", str(repo)], base_url=None, home=tmp_path / "home")
    assert done.returncode == 2 and "ANTHROPIC_API_KEY" in done.stderr and "ANTHROPIC_BASE_URL" in done.stderr
