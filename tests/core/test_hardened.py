"""The workbench's own child processes: every git it runs leaves the repository's programs alone, and no
credential reaches a child's environment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from workbench.core import hardened
from workbench.core.agent.prompt import git_summary
from workbench.core.repo import file_diff, git_status, list_files
from workbench.core.secrets import is_secret_env
from workbench.core.tools.bash import scrub_env
from workbench.core.tools.walk import git_files


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose config names an fsmonitor hook, a hook folder, an external diff, a textconv and a
    clean filter, each leaving a line in the marker file when run."""
    repo = git_repo(tmp_path / "repo")
    marker = tmp_path / "ran.txt"
    (repo / ".gitattributes").write_text("*.py diff=evil filter=evil\n")
    git(repo, "add", ".gitattributes")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "attributes")
    hooks = repo / "hooks"
    hooks.mkdir()
    for name in ("post-index-change", "reference-transaction", "post-checkout"):
        (hooks / name).write_text(f"#!/bin/sh\necho hook >> {marker}\n")
        (hooks / name).chmod(0o755)
    for key, value in {
        "core.fsmonitor": f"echo fsmonitor >> {marker}; echo",
        "core.hooksPath": str(hooks),
        "diff.external": f"sh -c 'echo external >> {marker}'",
        "diff.evil.textconv": f"sh -c 'echo textconv >> {marker}; cat \"$0\"'",
        "filter.evil.clean": f"sh -c 'echo clean >> {marker}; cat'",
        "core.pager": f"sh -c 'echo pager >> {marker}; cat'",
    }.items():
        git(repo, "config", key, value)
    (repo / "app.py").write_text("changed = True\n")
    (repo / "new.py").write_text("x = 1\n")
    return repo, marker


def test_the_workbench_git_runs_nothing_the_repository_names(hostile: tuple[Path, Path]) -> None:
    repo, marker = hostile
    report = git_status(repo)
    assert report.status_of("app.py") is not None and report.status_of("new.py") is not None
    assert "app.py" in list_files(repo).files
    diff = file_diff(repo, "app.py")
    assert "+changed = True" in diff and "new.py" in file_diff(repo, "new.py")
    assert "app.py" in git_summary(repo)
    assert "app.py" in (git_files(repo, repo) or [])
    assert not marker.exists(), marker.read_text()


def test_the_drivers_of_the_users_own_config_are_left_alone(hostile: tuple[Path, Path], isolated_env: Path) -> None:
    repo, _marker = hostile
    subprocess.run(["git", "config", "--global", "filter.lfs.process", "git-lfs filter-process"], check=True)
    overrides = dict(hardened.driver_overrides(repo))
    assert overrides == {"diff.evil.textconv": "cat", "filter.evil.clean": ""}
    assert hardened.local_external_diff(repo) is not None
    assert hardened.local_external_diff(isolated_env) is None


def test_a_shell_command_inherits_the_hardening(hostile: tuple[Path, Path]) -> None:
    repo, marker = hostile
    env = scrub_env({**os.environ, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "u"})
    assert env["GIT_CONFIG_COUNT"] == "1"  # no folder given: no git settings
    env = scrub_env(
        {**os.environ, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "u"}, repo
    )
    assert int(env["GIT_CONFIG_COUNT"]) > 4 and env["GIT_CONFIG_KEY_0"] == "user.name"
    script = "git status --short && git log -p -1 && git show HEAD && git blame app.py && git config user.name"
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("u")  # the user's own settings still apply
    assert not marker.exists(), marker.read_text()


@pytest.mark.parametrize(
    "name",
    [
        "ANTHROPIC_API_KEY",
        "PGPASSWORD",
        "SECRET_KEY_BASE",
        "MYSQL_PWD",
        "GITHUB_TOKEN",
        "NPM_CONFIG__AUTH",
        "AWS_SESSION_TOKEN",
        "STRIPE_KEY",
        "SENTRY_DSN",
        "REDIS_PASS",
        "OPENAI_ORG",
        "MY_SERVICE_APIKEY",
        "DATABASE_URL",
        "GPG_PASSPHRASE",
    ],
)
def test_credential_names_are_scrubbed(name: str) -> None:
    assert is_secret_env(name, "value")
    assert name not in scrub_env({name: "value", "PATH": "/bin"})


@pytest.mark.parametrize(
    "name",
    ["PATH", "HOME", "LANG", "TERM", "PWD", "OLDPWD", "SSH_AUTH_SOCK", "GIT_AUTHOR_NAME", "KEYTIMEOUT", "EDITOR"],
)
def test_ordinary_names_are_kept(name: str) -> None:
    assert not is_secret_env(name, "/usr/bin")


def test_urls_carrying_a_password_are_scrubbed_whatever_the_name() -> None:
    env = hardened.scrub_env({"DEPLOY": "https://bot:hunter2@example.com/x", "DOCS": "https://example.com/x"})
    assert env == {"DOCS": "https://example.com/x"}
