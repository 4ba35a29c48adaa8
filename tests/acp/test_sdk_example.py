"""The SDK's own example client (examples/client.py of the locked agent-client-protocol release) drives
`workbench acp`. The example ships in the SDK's source distribution only, so the test fetches that one file set
from the package registry, checked against the hashes in requirements.lock; without the registry it skips."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from workbench.testing import MessagesPeer, reply, text

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "agent-client-protocol"


def locked_requirement() -> str:
    """The lock's entry for the SDK: the pinned version and its hashes."""
    lock = (ROOT / "requirements.lock").read_text()
    found = re.search(rf"^{PACKAGE}==\S+(?: \\\n\s+--hash=\S+)+", lock, re.MULTILINE)
    assert found, "the SDK is not in requirements.lock"
    return found.group(0)


@pytest.fixture(scope="module")
def example_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("sdk")
    (where / "req.txt").write_text(locked_requirement() + "\n")
    argv = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "--require-hashes"]
    try:
        subprocess.run(
            [*argv, "-r", str(where / "req.txt"), "-d", str(where)], check=True, capture_output=True, timeout=120
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"the SDK's source distribution could not be fetched from the package registry ({exc})")
    [archive] = where.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith("/examples/client.py")]
        tar.extractall(where, members=members, filter="data")
    [client] = where.glob("*/examples/client.py")
    return client


def test_the_sdks_example_client_drives_workbench_acp(example_client: Path, tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    with MessagesPeer([reply(text("Hello from the persona."))]) as peer:
        env = dict(os.environ, ANTHROPIC_BASE_URL=peer.url)
        done = subprocess.run(
            [sys.executable, str(example_client), sys.executable, "-m", "workbench", "acp"],
            input=b"Say hello\n",
            capture_output=True,
            env=env,
            cwd=repo,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    lines = done.stdout.decode().splitlines()
    said = "".join(line.split("| Agent: ", 1)[1] for line in lines if "| Agent: " in line)
    assert said == "Hello from the persona."
