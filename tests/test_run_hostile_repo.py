"""The gate against a hostile repository, second round: each test is one finding of a later hostile-input
review, end to end through `workbench run` and the Messages API test server, with real repositories, real
files and real git. The command must not run unasked, run nothing of the repository's, and leak nothing."""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from tests.test_run_gate import GIT_ENV, OUTSIDE_SECRET, SECRET, _content, git, run_bash
from workbench import headless
from workbench.core import hardened
from workbench.core.tools import walk
from workbench.core.tools.walk import find_rg
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


# --- reads the allowlist misjudged -----------------------------------------------------------------------------


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside the workspace and outside /tmp (bubblewrap gives commands a /tmp of their own)."""
    folder = Path(tempfile.mkdtemp(prefix="workbench-test-outside-", dir="/var/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def outside_file(outside: Path) -> Path:
    path = outside / "outside.txt"
    path.write_text(f"launch_code={OUTSIDE_SECRET}\n")
    return path


async def test_sort_files0_from_does_not_read_the_files_it_lists(
    repo: Path, outside_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sort --files0-from=LIST` sorts the files LIST names: the policy checked LIST, not what it names."""
    (repo / "names").write_bytes(os.fsencode(outside_file) + b"\0")
    outcome = await run_bash(repo, ["sort --files0-from=names", "wc --files0-from names"], monkeypatch)
    assert OUTSIDE_SECRET not in outcome.sent
    assert not outcome.ran(0), _content(outcome.results[0])


async def test_file_with_a_magic_file_does_not_print_a_secret(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`file` reads what it is given (the policy took its operands for names it only looks at), and a magic
    file of the repository's can print what it read. The secret sits where the sandbox's scan does not look."""
    secret = repo / "node_modules" / "pkg" / ".env"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"launch_code={SECRET}\n")
    (repo / "formats.magic").write_text("0\tregex\tlaunch_code=.*\tconfig %s\n")
    outcome = await run_bash(repo, ["file -m formats.magic node_modules/pkg/.env"], monkeypatch)
    assert SECRET not in outcome.sent
    assert not outcome.ran(0), _content(outcome.results[0])


async def test_git_config_blob_does_not_print_a_committed_credentials_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credentials file in git's config format, committed once: `git config --blob REV:FILE --list` printed it."""
    (repo / "secrets.toml").write_text(f'[database]\nlaunchcode = "{SECRET}"\n')
    git(repo, "add", "secrets.toml")
    git(repo, "commit", "-qm", "oops")
    git(repo, "rm", "-q", "secrets.toml")
    git(repo, "commit", "-qm", "remove")
    outcome = await run_bash(repo, ["git config --blob HEAD~1:secrets.toml --list"], monkeypatch)
    assert SECRET not in outcome.sent
    assert not outcome.ran(0), _content(outcome.results[0])


async def test_cd_goes_nowhere_the_policy_cannot_see(
    repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bash takes `cd -` from an inherited OLDPWD and `cd NAME` from an inherited CDPATH: the commands listed a
    folder outside the workspace while the policy judged them inside it."""
    (outside / "app.py").mkdir()
    (outside / "app.py" / f"{OUTSIDE_SECRET}.txt").write_text("x\n")
    (outside / f"{OUTSIDE_SECRET}-top.txt").write_text("x\n")
    monkeypatch.setenv("OLDPWD", str(outside))
    monkeypatch.setenv("CDPATH", str(outside))
    outcome = await run_bash(repo, ["cd - && ls", "cd app.py && ls"], monkeypatch)
    assert OUTSIDE_SECRET not in outcome.sent, outcome.sent


# --- words the parser read differently from bash ---------------------------------------------------------------


@pytest.fixture
def buried_secret(repo: Path) -> Path:
    """A secret file where the sandbox's scan does not look (dependency folders are skipped): only the policy
    stands between it and the model."""
    secret = repo / "node_modules" / "pkg" / ".env"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"launch_code={SECRET}\n")
    return secret


@pytest.mark.parametrize(
    "command",
    [
        "cat 2>&1 node_modules/pkg/.env",  # the grammar hangs words after a redirection on it
        "cat 2>/dev/null node_modules/pkg/.env",
        "cat <<EOF node_modules/pkg/.env\nx\nEOF",  # and words after a heredoc's delimiter
        "cat node_modules/pkg/.e\\\nnv",  # a line continuation inside a word
        "cat node_modules/pkg/.[\\e]nv",  # one glob to bash, two words to the grammar
        'cat node_modules/pkg/.e$"n"v',  # a translated string
        "cat node_modules/pkg/.[^a]nv",  # bash's [^…] is [!…]
        "cat node_modules/pkg/.[[:alpha:]]nv",
        "cat README.md\\\n#;cat node_modules/pkg/.env",  # after a line continuation `#` starts no comment
        "cat README.md \\\t#;cat node_modules/pkg/.env",  # nor after an escaped tab
    ],
)
async def test_words_bash_reads_differently_do_not_reach_a_secret(
    repo: Path, buried_secret: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = await run_bash(repo, [command], monkeypatch)
    assert SECRET not in outcome.sent
    assert not outcome.ran(0), _content(outcome.results[0])


async def test_a_heredoc_written_to_a_file_asks(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cat <<EOF > file` is how files get written from a shell; the redirection sat inside the heredoc's node,
    and the command passed for a read-only `cat`."""
    outcome = await run_bash(repo, ["cat <<EOF > app.py\nprint('replaced')\nEOF"], monkeypatch)
    assert not outcome.ran(0)
    assert "replaced" not in (repo / "app.py").read_text()
    assert any("redirection" in r for r in outcome.asked()), outcome.asked()


@pytest.mark.parametrize(
    ("mode", "allow", "command"),
    [
        ("default", ("Bash(git:*)",), "git checkout 2>/dev/null -- app.py"),
        ("bypassPermissions", (), "git reset 2>/dev/null --hard"),
    ],
)
async def test_destructive_git_behind_a_redirection_still_asks(
    repo: Path, mode: str, allow: tuple[str, ...], command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "app.py").write_text("uncommitted work\n")
    outcome = await run_bash(repo, [command], monkeypatch, mode=mode, allow=allow)
    assert not outcome.ran(0)
    assert (repo / "app.py").read_text() == "uncommitted work\n"


async def test_a_command_hidden_behind_a_false_comment_asks(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = await run_bash(repo, ["git status\\\n#;touch made"], monkeypatch)
    assert not outcome.ran(0)
    assert not (repo / "made").exists()


# --- project files that are not files ------------------------------------------------------------------------


def test_project_instructions_that_never_end_do_not_stop_a_run(repo: Path, isolated_env: Path) -> None:
    """`CLAUDE.md` committed as a link to /dev/zero, and an `AGENTS.md` that is a named pipe: reading them for the
    system prompt never finished (and filled memory)."""
    (repo / "CLAUDE.md").symlink_to("/dev/zero")
    git(repo, "add", "CLAUDE.md")
    git(repo, "commit", "-qm", "instructions")
    os.mkfifo(repo / "AGENTS.md")
    with MessagesPeer([reply(text("Hello."))]) as peer:
        env = {**os.environ, "ANTHROPIC_BASE_URL": peer.url, "HOME": str(isolated_env)}
        done = subprocess.run([sys.executable, "-m", "workbench", "run", "hi"], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        system = peer.message_requests[0].system_text()
    assert done.returncode == 0, done.stderr
    assert "CLAUDE.md" not in system and "AGENTS.md" not in system


@pytest.mark.skipif(find_rg() is None, reason="ripgrep is not installed")
def test_an_ignore_file_that_never_ends_does_not_exhaust_memory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A committed `.ignore` linked to /dev/zero: ripgrep, which the file tools run to list and search files, read
    it to the end, taking gigabytes a second until its timeout, and outlived a workbench that was killed. The
    workbench's own ripgrep gets a memory cap (made small here) and the listing falls back to git."""
    (repo / ".ignore").symlink_to("/dev/zero")
    git(repo, "add", ".ignore")
    git(repo, "commit", "-qm", "ignore")
    monkeypatch.setattr(hardened, "TOOL_MEMORY_BYTES", 256 << 20)
    monkeypatch.setattr(walk, "LIST_TIMEOUT_S", 5.0)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    listed = walk.list_files(repo, repo)
    assert "app.py" in listed
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss <= max(before, 1 << 20)  # KiB: under 1 GiB


@pytest.mark.parametrize("kind", ["link to /dev/zero", "named pipe"])
def test_a_plain_folders_gitignore_that_never_ends_is_not_read(tmp_path: Path, kind: str) -> None:
    """Outside git the file tools read `.gitignore` themselves: one linked to /dev/zero filled the workbench's
    memory until the kernel killed it, and a named pipe blocked it. git itself reads neither."""
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "notes.txt").write_text("x\n")
    if kind == "named pipe":
        os.mkfifo(folder / ".gitignore")
    else:
        (folder / ".gitignore").symlink_to("/dev/zero")
    assert walk.walk_files(folder, folder) == ["notes.txt"]
