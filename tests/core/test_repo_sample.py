"""A real git repository with every status the explorer decorates, shared by the repo and explorer tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Sample",
    "GIT_AUTHOR_EMAIL": "sample@example.com",
    "GIT_COMMITTER_NAME": "Sample",
    "GIT_COMMITTER_EMAIL": "sample@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}

PAYMENTS = '''"""Payments."""

MAX_ATTEMPTS = 5


class PaymentClient:
    def charge(self, amount: int) -> None:
        for attempt in range(MAX_ATTEMPTS):
            pass

    def refund(self, amount: int) -> None:
        pass


def backoff_delay(attempt: int) -> float:
    return 2.0**attempt
'''


def git(repo: Path, *args: str, check: bool = True) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_sample_repo(repo: Path) -> Path:
    """A repository `myservice` on branch main with one file in each state:

    src/payments.py M, src/backoff.py A, src/old.py D, src/retry_policy.py R (from src/policy.py),
    conflict.txt ! (a merge conflict), notes.txt ? and drafts/ ? (untracked), build/ ignored,
    src/retry.py, README.md and tests/test_payments.py unchanged.
    """
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    write(repo, ".gitignore", "build/\n*.log\n")
    write(repo, "README.md", "# myservice\n")
    write(repo, "src/payments.py", PAYMENTS)
    write(repo, "src/retry.py", "def retry(fn):\n    return fn()\n")
    write(repo, "src/old.py", "OLD = 1\n")
    write(repo, "src/policy.py", "class Policy:\n    max_attempts = 3\n" + "# padding line\n" * 20)
    write(repo, "tests/test_payments.py", "def test_charge():\n    assert True\n")
    write(repo, "conflict.txt", "base\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    git(repo, "checkout", "-q", "-b", "other")
    write(repo, "conflict.txt", "theirs\n")
    git(repo, "commit", "-q", "-am", "theirs")
    git(repo, "checkout", "-q", "main")
    write(repo, "conflict.txt", "ours\n")
    git(repo, "commit", "-q", "-am", "ours")
    git(repo, "merge", "-q", "other", check=False)
    write(repo, "src/payments.py", PAYMENTS.replace("range(MAX_ATTEMPTS)", "range(policy.max_attempts)"))
    write(repo, "src/backoff.py", "def delay(n: int) -> float:\n    return n * 0.5\n")
    git(repo, "add", "src/backoff.py")
    (repo / "src/old.py").unlink()
    git(repo, "mv", "src/policy.py", "src/retry_policy.py")
    write(repo, "notes.txt", "scratch\n")
    write(repo, "drafts/idea.md", "idea\n")
    write(repo, "build/out.bin", "x")
    write(repo, "debug.log", "log\n")
    return repo


def test_sample_repo_has_every_state(tmp_path: Path) -> None:
    repo = make_sample_repo(tmp_path / "myservice")
    out = git(repo, "status", "--porcelain=v1")
    assert "UU conflict.txt" in out
    assert " M src/payments.py" in out
    assert "A  src/backoff.py" in out
    assert " D src/old.py" in out
    assert "R  src/policy.py -> src/retry_policy.py" in out
    assert "?? notes.txt" in out
    assert "?? drafts/" in out
