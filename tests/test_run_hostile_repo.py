"""The gate against a hostile repository, second round: each test is one finding of a later hostile-input
review, end to end through `workbench run` and the Messages API test server, with real repositories, real
files and real git. The command must not run unasked, run nothing of the repository's, and leak nothing."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from tests.test_run_gate import GIT_ENV, git, run_bash
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


def _submodule_with_drivers(repo: Path, marker: str) -> None:
    """A populated submodule `sub` whose own config names a clean filter and a textconv driver that append to
    `marker` (a path relative to the submodule), with a file whose stat info no longer matches the index, and a
    `.gitmodules` that asks git to look into the submodule's work tree whatever the config says."""
    sub = repo / "sub"
    sub.mkdir()
    env = {**os.environ, **GIT_ENV}
    run = lambda *a: subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *a], cwd=sub, check=True,  # noqa: E731
                                    capture_output=True, env=env)  # fmt: skip
    run("init", "-q", "-b", "main")
    (sub / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (sub / "lib.txt").write_text("lib\n")
    run("add", ".")
    run("commit", "-qm", "lib")
    run("config", "filter.evil.clean", f"sh -c 'echo clean >> {marker}; cat'")
    run("config", "diff.evil.textconv", f"sh -c 'echo textconv >> {marker}; cat \"$0\"'")
    head = run("rev-parse", "HEAD").stdout.decode().strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},sub")
    (repo / ".gitmodules").write_text('[submodule "sub"]\n\tpath = sub\n\turl = ./sub\n\tignore = none\n')
    git(repo, "add", ".gitmodules")
    git(repo, "commit", "-qm", "submodule")
    stamp = os.stat(sub / "lib.txt").st_mtime + 5
    os.utime(sub / "lib.txt", (stamp, stamp))  # stat info differs from the submodule's index: git re-reads it


async def test_a_text_only_turn_runs_no_submodule_driver(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt's `git status` looked into the submodule's work tree and ran its clean filter, outside the
    sandbox, before any tool call."""
    marker = tmp_path / "ran.txt"
    _submodule_with_drivers(repo, str(marker))
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(text("Hello."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        code = await headless.run(RunOptions(prompt="hi", cwd=repo), out, err)
    assert code == 0, err.getvalue()
    assert not marker.exists(), marker.read_text()


async def test_auto_approved_git_reads_run_no_submodule_driver(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git status` and `git diff` run without asking; in the sandbox they ran the submodule's filter, which may
    change any file of the workspace."""
    _submodule_with_drivers(repo, "../ran.txt")  # inside the workspace: the sandbox lets it be written
    (repo / "sub" / "lib.txt").write_text("lib\nchanged\n")
    commands = ["git status", "git diff", "git diff --submodule=diff", "git status --ignore-submodules=none"]
    outcome = await run_bash(repo, commands, monkeypatch)
    assert not (repo / "ran.txt").exists(), (repo / "ran.txt").read_text()
    assert outcome.ran(0) and outcome.ran(1)
