"""The read-only allowlist through the engine: every flag listed or the card names it, every file an option or
operand names is checked (wherever it is), nothing known only at run time runs unasked, and what git and rg
would print is checked against the secret files the repository holds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.core.policy.conftest import EngineFactory, bash
from workbench.core.approvals import Verdict

A, Q, D = Verdict.ALLOW, Verdict.ASK, Verdict.DENY
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})  # fmt: skip


@pytest.mark.parametrize(
    ("command", "word"),
    [
        ("rg --hostname-bin ./evil.sh greet", "--hostname-bin"),
        ("rg --pre ./evil.sh greet", "--pre"),
        ("rg --pre=./evil.sh greet", "--pre"),
        ("rg -z greet", "-z"),
        ("rg --unrestricted --unrestricted greet", "--unrestricted"),
        ("rg -uu greet", "-u"),
        ("rg -L greet", "-L"),
        ("rg --hidden greet", "--hidden"),
        ("rg --no-ignore greet", "--no-ignore"),
        ("grep -d recurse greet .", "-d"),
        ("grep --directories=recurse greet .", "--directories"),
        ("grep -rn greet .", "-r"),
        ("head --byt=5 README.md", "--byt"),
        ("sort -o out.txt README.md", "-o"),
        ("tail -f README.md", "-f"),
        ("find . -fprint out.txt", "-fprint"),
        ("find -L . -name x", "-L"),
        ("find . -exec cat {} ;", "-exec"),
        ("diff -r src config", "-r"),
        ("file -z README.md", "-z"),
        ("tree -o out.txt", "-o"),
        ("uniq README.md out.txt", "out.txt"),
        ("git log --ext-diff", "--ext-diff"),
        ("git log --textconv -p", "--textconv"),
        ("git diff --output=/tmp/x", "--output"),
        ("git log --show-signature", "--show-signature"),
        ("git log --format=%G?", "%G"),
        ("git -c core.pager=cat log", "-c"),
        ("git -ccore.pager=cat log", "-c"),
        ("git --exec-path=/tmp log", "--exec-path"),
        ("git log -L1,2:README.md", "-L"),
        ("git branch new-feature", "new-feature"),
        ("cat -- $F", "$F"),
        ("printf $FORMAT", "$FORMAT"),
        ("[ -n $X ]", "$X"),
    ],
)
def test_a_flag_off_the_list_asks_and_the_reason_names_it(engine_for: EngineFactory, command: str, word: str) -> None:
    evaluation = bash(engine_for(), command)
    assert evaluation.verdict is Q, (command, evaluation.reason)
    assert word in evaluation.reason, evaluation.reason


@pytest.mark.parametrize(
    "command",
    [
        "diff --from-file=.env README.md",
        "diff --to-file .env README.md",
        "git blame --contents=.env README.md",
        "git blame -S .env README.md",
        "grep -f.env README.md",
        "grep --file=.env README.md",
        "rg -f .env",
        "wc --files0-from=.env",
        "sort --random-source=.env README.md",
        "git log -O.env",
        "cat {.e,x}nv",
        "cat .e{n,x}v",
        "head config/.env.{production,staging}",
        "cat ../proj/.env",
        "grep -e x -- .env",
        "git show :0:.env",
        "git cat-file -p HEAD:id_rsa",
        "git diff --no-index .env README.md",
    ],
)
def test_files_named_by_options_braces_and_operands_are_checked(engine_for: EngineFactory, command: str) -> None:
    evaluation = bash(engine_for(allow=["Bash"]), command)
    assert evaluation.verdict is D, (command, evaluation.reason)
    assert "secret" in evaluation.reason


def test_secret_files_outside_the_workspace_are_denied_through_an_allow_rule(
    engine_for: EngineFactory, isolated_env: Path
) -> None:
    engine = engine_for(allow=["Bash(cat:*)", "Bash(head:*)"])
    for command in (
        "cat ~/.ssh/id_ed25519",
        f"cat {isolated_env}/.ssh/id_rsa",
        "head ~/.aws/credentials",
        "cat /srv/app/.env",
        "cat ~/.netrc",
    ):
        evaluation = bash(engine, command)
        assert evaluation.verdict is D and "secret" in evaluation.reason, command
    assert bash(engine, "cat ~/.ssh/id_ed25519.pub").verdict is A  # allowed by the rule: a public key


@pytest.mark.parametrize("command", ["rev $(printf .env)", "cat $F", "head -n 1 `echo .env`", "npm test -- $ARGS"])
def test_words_known_only_at_run_time_keep_asking_in_bypass_mode(engine_for: EngineFactory, command: str) -> None:
    engine = engine_for(mode="bypassPermissions", bypass_allowed=True)
    evaluation = bash(engine, command)
    assert evaluation.verdict is Q, (command, evaluation.reason)
    assert "only known when the command runs" in evaluation.reason
    assert bash(engine, "npm test -- --ci").verdict is A
    assert bash(engine_for(), "echo $HOME $(pwd)").verdict is A  # echo names no file


def test_a_glob_matching_a_file_named_like_an_option_asks(engine_for: EngineFactory, workspace: Path) -> None:
    (workspace / "-R").write_text("")
    evaluation = bash(engine_for(), "ls *")
    assert evaluation.verdict is Q and "-R" in evaluation.reason
    assert bash(engine_for(), "ls src/*").verdict is A


# --- git -------------------------------------------------------------------------------------------------


@pytest.fixture
def history(workspace: Path) -> Path:
    """`.env` committed once and untracked since; README.md and src/app.py committed."""
    git(workspace, "add", "README.md", "src")
    git(workspace, "add", "-f", ".env")
    git(workspace, "commit", "-qm", "first")
    git(workspace, "rm", "-q", "--cached", ".env")
    git(workspace, "commit", "-qm", "untrack env")
    return workspace


@pytest.mark.parametrize(
    ("command", "verdict"),
    [
        ("git log -p", Q),
        ("git log --patch --stat", Q),
        ("git show HEAD", Q),
        ("git show", Q),
        ("git diff --no-ext-diff HEAD~1", Q),
        ("git log -p --follow -- README.md", Q),
        ("git log -p --full-diff -- README.md", Q),
        ("git log -p -- .", Q),
        ("git log -p -- '*.md'", Q),
        ("git log", A),
        ("git log --stat --oneline", A),
        ("git log -p -- README.md", A),
        ("git log -p src", A),
        ("git show HEAD:README.md", A),
        ("git show HEAD -- README.md", A),
        ("git show --stat HEAD", A),
        ("git diff", A),
        ("git diff HEAD", A),
        ("git diff --cached", A),
        ("git blame README.md", A),
        ("git show HEAD~1:.env", D),
    ],
)
def test_git_reads_that_could_print_a_secret_from_history_ask(
    engine_for: EngineFactory, history: Path, command: str, verdict: Verdict
) -> None:
    evaluation = bash(engine_for(), command)
    assert evaluation.verdict is verdict, (command, evaluation.reason)
    if verdict is Q:
        assert ".env" in evaluation.reason


def test_git_diff_asks_when_the_repository_sets_an_external_diff(engine_for: EngineFactory, history: Path) -> None:
    git(history, "config", "diff.external", "./diff.sh")
    evaluation = bash(engine_for(), "git diff")
    assert evaluation.verdict is Q and "diff.external=./diff.sh" in evaluation.reason
    assert bash(engine_for(), "git diff --no-ext-diff").verdict is A
    assert bash(engine_for(), "git diff --stat").verdict is A  # no patch: nothing external runs
    assert bash(engine_for(), "git log -p -- README.md").verdict is A  # log never runs an external diff unasked


def test_the_users_own_external_diff_is_trusted(engine_for: EngineFactory, history: Path) -> None:
    subprocess.run(["git", "config", "--global", "diff.external", "difft"], check=True)
    assert bash(engine_for(), "git diff").verdict is A


def test_git_in_another_repository_asks(engine_for: EngineFactory, history: Path) -> None:
    nested = history / "vendor"
    nested.mkdir()
    git(nested, "init", "-q")
    for command in ("cd vendor && git status", "git -C vendor log", "git -C vendor/ diff"):
        evaluation = bash(engine_for(), command)
        assert evaluation.verdict is Q and "another repository" in evaluation.reason, command
    assert bash(engine_for(), "git -C src log --oneline").verdict is A


@pytest.mark.parametrize(
    "command",
    [
        "git -C ../elsewhere status",
        "git -C /tmp reset --hard",
        "GIT_DIR=../other/.git git log",
        "GIT_WORK_TREE=/tmp git status",
        "git --git-dir=../other/.git log",
        "git --work-tree /tmp checkout main",
        "git -C $DIR status",
        "GIT_DIR=../other/.git make",
        "export GIT_DIR=../other/.git; git commit -am x",
        "git config core.fsmonitor 'touch x'",
        "git config --global alias.st '!rm -rf ~'",
        "git init --template=./templates",
    ],
)
def test_git_working_outside_or_changing_its_config_asks_in_bypass_mode(
    engine_for: EngineFactory, history: Path, command: str
) -> None:
    engine = engine_for(allow=["Bash(git:*)"], mode="bypassPermissions", bypass_allowed=True)
    evaluation = bash(engine, command)
    assert evaluation.verdict is Q, (command, evaluation.reason)
    assert evaluation.request is not None and not evaluation.request.rememberable
    assert bash(engine_for(), "git config --get user.name").verdict is A


@pytest.mark.parametrize(
    "command",
    [
        "git reset --hard",
        "git reset --hard HEAD~1",
        "git checkout -- README.md",
        "git checkout .",
        "git checkout README.md",
        "git checkout -f main",
        "git switch --discard-changes main",
        "git restore README.md",
        "git restore --staged --worktree README.md",
        "git clean -fdx",
        "git clean -f",
        "git stash drop",
        "git stash clear",
        "git branch -D feature",
        "git branch --delete --force feature",
        "git push --force",
        "git push origin +main",
        "git push origin :main",
        "git rebase -i HEAD~3",
        "git filter-branch --tree-filter x",
        "git update-ref -d refs/heads/main",
        "git reflog expire --expire=now --all",
        "git gc --prune=now",
        "git rm -f README.md",
        "git $SUB",
        "git -c x=y reset --hard",
    ],
)
def test_destructive_git_asks_under_git_allow_rules_and_bypass(
    engine_for: EngineFactory, history: Path, command: str
) -> None:
    for engine in (
        engine_for(allow=["Bash(git:*)", "Bash(git *)"]),
        engine_for(mode="bypassPermissions", bypass_allowed=True),
    ):
        evaluation = bash(engine, command)
        assert evaluation.verdict is Q, (command, evaluation.reason)


@pytest.mark.parametrize(
    "command",
    ["git checkout main", "git checkout -b topic", "git restore --staged README.md", "git clean -n", "git push",
     "git branch -d topic", "git stash", "git stash pop", "git reset HEAD~1", "git commit -am x"],
)  # fmt: skip
def test_ordinary_git_writes_follow_the_rules(engine_for: EngineFactory, history: Path, command: str) -> None:
    assert bash(engine_for(allow=["Bash(git:*)"]), command).verdict is A, command


def test_only_a_rule_naming_the_exact_command_lets_destructive_git_run(
    engine_for: EngineFactory, history: Path
) -> None:
    engine = engine_for(allow=["Bash(git reset --hard)"])
    assert bash(engine, "git reset --hard").verdict is A
    assert bash(engine, "git reset --hard HEAD~1").verdict is Q
    evaluation = bash(engine_for(), "git clean -fdx")
    assert evaluation.request is not None
    assert evaluation.request.proposals["project"] == "Bash(git clean -fdx)"


# --- rg ------------------------------------------------------------------------------------------------------


def test_rg_asks_when_its_walk_would_read_a_secret_file(
    engine_for: EngineFactory, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.core.tools.walk import find_rg

    monkeypatch.setenv("PATH", f"{Path(str(find_rg())).parent}:{os.environ['PATH']}")
    engine = engine_for()
    assert bash(engine, "rg greet").verdict is A  # .env files are hidden: rg skips them
    (workspace / "config" / "credentials.json").write_text("{}")
    evaluation = bash(engine, "rg greet")
    assert evaluation.verdict is Q and "credentials.json" in evaluation.reason
    assert bash(engine, "rg greet src").verdict is A
    assert bash(engine, "rg -g '!config' greet").verdict is A
    evaluation = bash(engine, "rg -g '*.py' greet")
    assert evaluation.verdict is Q and "-g" in evaluation.reason
    assert bash(engine, "rg --files").verdict is A  # names only


def test_the_history_check_sees_a_secret_committed_after_an_earlier_check(
    engine_for: EngineFactory, workspace: Path
) -> None:
    git(workspace, "add", "README.md", "src")
    git(workspace, "commit", "-qm", "first")
    engine = engine_for()
    assert bash(engine, "git log -p").verdict is A
    git(workspace, "add", "-f", "config/.env.production")
    assert bash(engine, "git diff --cached").verdict is Q  # staged: in the index
    git(workspace, "commit", "-qm", "oops")
    git(workspace, "reset", "-q", "--hard", "HEAD~1")  # gone from the branch, still in the reflog
    evaluation = bash(engine, "git log -p")
    assert evaluation.verdict is Q and "config/.env.production" in evaluation.reason
