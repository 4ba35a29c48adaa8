"""The gate against a hostile repository, end to end: `workbench run` (in process, through the Messages API test
server) against real repositories, real files and real git. Each test is one finding of the hostile-input review:
the command or write must not happen, and no secret may reach the model."""

from __future__ import annotations

import io
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.core.agent.helpers import git_repo
from workbench import headless
from workbench.core.tools.walk import find_rg
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

SECRET = "zebra-4417-unique"  # no secret-looking name, so output redaction cannot be what hides it
OUTSIDE_SECRET = "walrus-9902-outside"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "core.hooksPath=/dev/null", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return done.stdout


@dataclass
class Outcome:
    code: int
    results: list[dict[str, Any]]  # the tool results the model was sent, in call order
    events: list[dict[str, Any]]
    sent: str  # everything the model was sent after the calls

    def ran(self, index: int) -> bool:
        content = _content(self.results[index])
        refused = "was not run" in content or "refused:" in content  # asked and denied; the fence refused
        return not refused and not content.startswith("Denied by policy")

    def asked(self) -> list[str]:
        return [e["request"]["reason"] for e in self.events if e["type"] == "approval_requested"]


def _content(result: dict[str, Any]) -> str:
    content = result.get("content")
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content)
    return str(content)


async def run_calls(
    repo: Path,
    calls: list[tuple[str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    *,
    mode: str = "default",
    allow: tuple[str, ...] = (),
    persona: str | None = None,
) -> Outcome:
    uses = [tool_use(name, args, id=f"toolu_{i}") for i, (name, args) in enumerate(calls)]
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(*uses), reply(text("done"))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(prompt="go", cwd=repo, mode=mode, allow=allow, persona=persona, output_format="stream-json")
        code = await headless.run(opts, out, err)
        requests = peer.message_requests
    assert len(requests) == 2, err.getvalue()
    results = [b for b in requests[1].messages[2]["content"] if b.get("type") == "tool_result"]
    events = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return Outcome(code, results, events, json.dumps(requests[1].messages, ensure_ascii=False))


async def run_bash(repo: Path, commands: list[str], monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Outcome:
    return await run_calls(repo, [("Bash", {"command": c}) for c in commands], monkeypatch, **kw)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


# --- finding 1: opening a repository runs its code ----------------------------------------------------------


async def test_a_text_only_turn_runs_no_repository_fsmonitor(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "config", "core.fsmonitor", "env > ../fsm.txt; echo")
    (repo / "app.py").write_text("changed = True\n")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-" + "k" * 40)
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(text("Hello."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        code = await headless.run(RunOptions(prompt="hi", cwd=repo), out, err)
        system = peer.message_requests[0].system_text()
    assert code == 0, err.getvalue()
    assert "app.py" in system  # the prompt's git summary still saw the change
    assert not (tmp_path / "fsm.txt").exists()


def _drivers(repo: Path, marker: Path) -> None:
    """A textconv driver, an external diff and a clean filter from the repository's own config, each of which
    would leave a line in `marker` when run."""
    (repo / ".gitattributes").write_text("*.md diff=evil filter=evil\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "attributes")
    git(repo, "config", "diff.evil.textconv", f"sh -c 'echo textconv >> {marker}; cat \"$0\"'")
    git(repo, "config", "filter.evil.clean", f"sh -c 'echo clean >> {marker}; cat'")
    git(repo, "config", "diff.external", f"sh -c 'echo external >> {marker}'")
    (repo / "README.md").write_text("# demo\nchanged\n")


async def test_auto_approved_git_reads_run_no_repository_driver(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "drivers.txt"
    _drivers(repo, marker)
    outcome = await run_bash(
        repo, ["git log -p", "git show HEAD", "git diff", "git diff --stat", "git status"], monkeypatch
    )
    assert not marker.exists(), marker.read_text()
    assert outcome.ran(0) and "attributes" in _content(outcome.results[0])
    assert outcome.ran(1) and outcome.ran(4)
    assert not outcome.ran(2) and any("diff.external" in r for r in outcome.asked())


async def test_the_bash_environment_carries_no_credentials_and_neutral_git(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "PGPASSWORD": "pg-" + SECRET,
        "SECRET_KEY_BASE": "rails-" + SECRET,
        "MYSQL_PWD": "my-" + SECRET,
        "DEPLOY_URL": f"https://bot:{SECRET}@deploy.example/x",
        "ANTHROPIC_API_KEY": "sk-ant-api03-" + "k" * 40,
    }.items():
        monkeypatch.setenv(name, value)
    git(repo, "config", "core.fsmonitor", "env > ../fsm.txt; echo")
    outcome = await run_bash(repo, ["printenv", "git status --short"], monkeypatch, allow=("Bash(printenv)",))
    printed = _content(outcome.results[0])
    assert outcome.ran(0) and "PATH=" in printed and "GIT_CONFIG_COUNT=" in printed
    assert SECRET not in outcome.sent and "sk-ant-" not in printed
    assert outcome.ran(1) and not (tmp_path / "fsm.txt").exists()


# --- findings 3 and 4: "read-only" commands that read secrets or leave the workspace ----------------------------


@pytest.fixture
def secret_repo(repo: Path, tmp_path: Path) -> Path:
    """`.env` committed once and removed from the index since; a link to a folder outside holding a secret."""
    (repo / ".env").write_text(f"launch_code={SECRET}\n")
    git(repo, "add", "-f", ".env")
    git(repo, "commit", "-qm", "add env")
    git(repo, "rm", "-q", "--cached", ".env")
    git(repo, "commit", "-qm", "untrack env")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text(f"launch_code={OUTSIDE_SECRET}\n")
    (repo / "linkdir").symlink_to(outside)
    return repo


@pytest.mark.parametrize(
    "command",
    [
        "diff --from-file=.env README.md",
        "git blame --contents=.env README.md",
        "grep -d recurse launch .",
        "rg --unrestricted --unrestricted launch",
        "rg -g .env launch",
        "rg -L launch .",
        "git log -p",
        "cat {.e,x}nv",
    ],
)
async def test_read_only_looking_commands_do_not_print_secrets(
    secret_repo: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{Path(str(find_rg())).parent}:{os.environ['PATH']}")
    outcome = await run_bash(secret_repo, [command], monkeypatch)
    assert not outcome.ran(0), _content(outcome.results[0])
    assert SECRET not in outcome.sent and OUTSIDE_SECRET not in outcome.sent


async def test_secret_files_outside_the_workspace_are_secret_to_the_shell(
    repo: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = isolated_env / ".ssh" / "id_ed25519"
    key.parent.mkdir()
    key.write_text(f"not-a-real-key {SECRET}\n")
    (repo / ".env").write_text(f"x={SECRET}\n")
    outcome = await run_bash(
        repo, ["cat ~/.ssh/id_ed25519", f"cat {key}", "cat .env"], monkeypatch, allow=("Bash(cat:*)",)
    )
    assert not any(outcome.ran(i) for i in range(3))
    assert all("secret" in _content(r) for r in outcome.results)
    assert SECRET not in outcome.sent


# --- finding 5: rg runs a program named on its command line ---------------------------------------------------


async def test_rg_hostname_bin_is_not_run(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "evil-ran"
    evil = repo / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\necho host\n")
    evil.chmod(0o755)
    monkeypatch.setenv("PATH", f"{Path(str(find_rg())).parent}:{os.environ['PATH']}")
    outcome = await run_bash(repo, ["rg --hostname-bin ./evil.sh greet"], monkeypatch)
    assert not marker.exists()
    assert not outcome.ran(0) and any("--hostname-bin" in r for r in outcome.asked())


# --- finding 6: control files the agent could rewrite ---------------------------------------------------------


CONTROL_FILES = [
    ".mcp.json",
    ".gemini/agents/code-reviewer.md",
    ".opencode/agent/code-reviewer.md",
    ".opencode/agents/code-reviewer.md",
    ".claude/commands/x.md",
    ".husky/pre-commit",
    "hooks-here/pre-commit",
    ".vscode/tasks.json",
    ".envrc",
    ".workbench/config.toml",
]


async def test_control_files_ask_under_accept_edits(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "config", "core.hooksPath", "hooks-here")
    (repo / ".mcp.json.orig").write_text("{}")
    calls: list[tuple[str, dict[str, Any]]] = [("Read", {"file_path": ".mcp.json.orig"})]
    calls += [("Write", {"file_path": p, "content": "x\n"}) for p in CONTROL_FILES]
    calls.append(("Bash", {"command": "echo 'npx evil' > .husky/pre-commit"}))
    calls.append(("Bash", {"command": "cp README.md hooks-here/post-checkout"}))
    calls.append(("Bash", {"command": "mv .mcp.json.orig .mcp.json"}))
    outcome = await run_calls(repo, calls, monkeypatch, mode="acceptEdits", allow=("Bash(echo:*)", "Bash(cp:*)",
                                                                                    "Bash(mv:*)"))  # fmt: skip
    assert outcome.ran(0)
    assert [calls[i] for i in range(1, len(calls)) if outcome.ran(i)] == []
    for path in CONTROL_FILES:
        assert not (repo / path).exists(), path
    reasons = outcome.asked()
    asked = [p for p in CONTROL_FILES if not p.startswith(".workbench/")]  # the file tools refuse .workbench/
    assert all(any(p.split("/")[0] in r for r in reasons) for p in asked), reasons


async def test_control_files_ask_in_bypass_mode(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [("Write", {"file_path": p, "content": "x\n"}) for p in (".mcp.json", ".envrc", ".husky/pre-commit")]
    calls.append(("Bash", {"command": "echo '{}' > .mcp.json"}))
    outcome = await run_calls(repo, calls, monkeypatch, mode="bypassPermissions")
    assert not any(outcome.ran(i) for i in range(len(calls)))
    assert not (repo / ".mcp.json").exists() and not (repo / ".envrc").exists()


# --- finding 7: bypass mode and the promises the engine states -------------------------------------------------


@pytest.fixture
def sibling(tmp_path: Path) -> Path:
    other = git_repo(tmp_path / "other")
    (other / "app.py").write_text("uncommitted work\n")
    return other


@pytest.mark.parametrize(
    "command",
    [
        "git config core.fsmonitor 'touch ../pwned'",
        "git -C ../other reset --hard",
        "GIT_DIR=../other/.git GIT_WORK_TREE=../other git reset --hard",
        "git --git-dir=../other/.git --work-tree=../other checkout -- .",
        "cd ../other && git checkout .",
        "rev $(printf .env)",
    ],
)
async def test_bypass_mode_keeps_the_promises(
    repo: Path, sibling: Path, tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".env").write_text(f"launch_code={SECRET}\n")
    config_before = (repo / ".git" / "config").read_text()
    outcome = await run_bash(repo, [command], monkeypatch, mode="bypassPermissions")
    assert not outcome.ran(0), _content(outcome.results[0])
    assert (repo / ".git" / "config").read_text() == config_before
    assert (sibling / "app.py").read_text() == "uncommitted work\n"
    assert not (tmp_path / "pwned").exists() and SECRET[::-1] not in outcome.sent


# --- finding 8: a persona with no closing `---` --------------------------------------------------------------


async def test_an_unterminated_persona_grants_nothing_beyond_reading(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.core.personas.loader import load_persona_file

    path = tmp_path / "broken.md"
    path.write_text("---\nname: broken\ndescription: reviews\ntools: Read, Grep\n\nYou review code.\n")
    persona = load_persona_file(path)
    assert any(d.code == "E_UNTERMINATED_FRONTMATTER" for d in persona.diagnostics)
    assert set(persona.tools.granted) <= {"Read", "LS", "Glob", "Grep", "ReadManyFiles"}
    assert not persona.tools.inherit_all and not persona.tools.mcp
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(tool_use("Bash", {"command": "touch made"})), reply(text("x"))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        code = await headless.run(RunOptions(prompt="go", cwd=repo, persona=str(path)), out, err)
    assert code == headless.EXIT_INPUT and "E_UNTERMINATED_FRONTMATTER" in err.getvalue()
    assert not (repo / "made").exists()


# --- finding 9: destructive git and hard links -------------------------------------------------------------------


DESTRUCTIVE = [
    "git reset --hard",
    "git checkout -- app.py",
    "git checkout .",
    "git restore app.py",
    "git clean -fdx",
    "git stash drop",
    "git branch -D feature",
    "git -C . reset --hard HEAD",
]


@pytest.mark.parametrize(("mode", "allow"), [("default", ("Bash(git:*)",)), ("bypassPermissions", ())])
async def test_destructive_git_always_asks(
    repo: Path, mode: str, allow: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "branch", "feature")
    (repo / "app.py").write_text("uncommitted work\n")
    (repo / "scratch.txt").write_text("untracked work\n")
    git(repo, "stash", "push", "-q", "--include-untracked", "--", "scratch.txt")
    outcome = await run_bash(repo, DESTRUCTIVE, monkeypatch, mode=mode, allow=allow)
    assert not any(outcome.ran(i) for i in range(len(DESTRUCTIVE)))
    assert (repo / "app.py").read_text() == "uncommitted work\n"
    assert git(repo, "stash", "list").strip() and "feature" in git(repo, "branch")


async def test_an_exact_rule_can_allow_one_destructive_command(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "app.py").write_text("uncommitted work\n")
    outcome = await run_bash(
        repo, ["git reset --hard", "git checkout -- app.py"], monkeypatch, allow=("Bash(git reset --hard)",)
    )
    assert outcome.ran(0) and not outcome.ran(1)
    assert "uncommitted" not in (repo / "app.py").read_text()


async def test_writes_through_a_hard_link_ask(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    os.link(outside, repo / "notes.txt")
    calls = [
        ("Read", {"file_path": "notes.txt"}),
        ("Bash", {"command": "echo changed >> notes.txt"}),
        ("Write", {"file_path": "notes.txt", "content": "changed\n"}),
    ]
    outcome = await run_calls(repo, calls, monkeypatch, mode="acceptEdits", allow=("Bash(echo:*)",))
    assert outcome.ran(0) and not outcome.ran(1) and not outcome.ran(2)
    assert outside.read_text() == "keep\n"
    assert all("hard link" in r for r in outcome.asked())
