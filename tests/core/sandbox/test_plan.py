"""What the sandbox decides before a command runs: settings, the kind, the workspace scan, the plan, and the
text each enforcer is given (bwrap's argv, the Seatbelt profile, which cannot run here)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.core.tools.conftest import git
from workbench.core.sandbox import Sandbox, SandboxSettings, bwrap, choose, landlock, seatbelt
from workbench.core.sandbox.plan import build
from workbench.core.sandbox.protect import find_git, hooks_path
from workbench.core.sandbox.rlimits import resolve, stopped_by_limit
from workbench.core.sandbox.scan import WorkspaceScan
from workbench.core.sandbox.settings import MIB, ResourceLimits


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".env").write_text("K=v\n")
    (root / ".env.example").write_text("K=\n")
    (root / "config").mkdir()
    (root / "config" / ".env.production").write_text("P=1\n")
    (root / "node_modules" / "pkg").mkdir(parents=True)
    (root / "node_modules" / "pkg" / "key.pem").write_text("x")
    (root / "sub" / ".claude").mkdir(parents=True)
    return root


def test_settings_report_bad_values_and_take_the_environment_override() -> None:
    bad = SandboxSettings.from_config({"mode": "docker", "writable": "~/x", "max_processes": -1}, env={})
    assert bad.mode == "auto" and bad.writable == () and bad.limits.max_processes is None
    assert len(bad.problems) == 3 and "docker" in bad.problems[0]
    forced = SandboxSettings.from_config({"mode": "auto", "max_file_size_mib": 8}, env={"WORKBENCH_SANDBOX": "off"})
    assert forced.mode == "off" and forced.source == "WORKBENCH_SANDBOX" and forced.limits.max_file_size_mib == 8


def test_choice_of_kind() -> None:
    off = choose(SandboxSettings(mode="off", source="config"))
    assert off.kind == "none" and not off.refused and "turned off" in off.why
    foreign = "landlock" if sys.platform == "darwin" else "seatbelt"
    missing = choose(SandboxSettings(mode=foreign))
    assert missing.kind == "none" and missing.refused
    assert choose(SandboxSettings()).kind in ("bwrap", "landlock", "seatbelt", "none")


def test_the_scan_finds_secrets_and_control_files_and_notices_new_ones(ws: Path) -> None:
    scanner = WorkspaceScan(str(ws))
    first = scanner.scan()
    assert sorted(first.secrets) == [".env", "config/.env.production"]  # templates are not secrets
    assert "sub/.claude" in first.controls and not any("node_modules" in s for s in first.secrets)
    old = time.time() - 60  # an old folder mtime is trusted from the cache
    os.utime(ws / "config", (old, old))
    assert "config/.env.production" in scanner.scan().secrets
    (ws / "config" / "id_rsa").write_text("k")
    assert "config/id_rsa" in scanner.scan().secrets
    (ws / "config" / "id_rsa").unlink()
    assert "config/id_rsa" not in scanner.scan().secrets


def test_a_folder_changed_twice_within_one_timestamp_is_listed_again(ws: Path) -> None:
    scanner = WorkspaceScan(str(ws))
    stamp = os.stat(ws / "config").st_mtime_ns
    scanner.scan()
    (ws / "config" / "server.key").write_text("k")
    os.utime(ws / "config", ns=(stamp, stamp))  # as if the change fell within the same timestamp tick
    assert "config/server.key" in scanner.scan().secrets


def test_git_dirs_of_a_worktree_and_the_hooks_path(tmp_path: Path) -> None:
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    git(main, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "x")
    git(main, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side")
    found = find_git(str(tmp_path / "wt"))
    assert found is not None and found.common == str(main / ".git")
    assert found.gitdir == str(main / ".git" / "worktrees" / "wt")
    git(main, "config", "core.hooksPath", ".githooks")
    assert hooks_path(found) == str(tmp_path / "wt" / ".githooks")


def test_the_plan(ws: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".aws").mkdir()
    (home / ".npmrc").write_text("//registry/:_authToken=x")
    (home / ".kube").mkdir()
    (home / "work").mkdir()
    git(ws, "config", "core.hooksPath", ".githooks")
    extra = (str(home / "work"), str(tmp_path / "missing"))
    settings = SandboxSettings(writable=extra, readable=(str(home / ".kube"),))
    plan = build(str(ws), str(tmp_path / "tmp"), settings, WorkspaceScan(str(ws)), home, network=False)
    real = os.path.realpath
    assert plan.writable == (real(ws), real(home / "work"))
    assert "missing: not a folder" in plan.problems[0] or "not a folder" in plan.problems[0]
    assert {str(ws / ".git" / "config"), str(ws / ".git" / "hooks"), str(ws / "sub" / ".claude")} <= set(plan.protected)
    for name in (".claude", ".mcp.json", ".gemini", ".opencode", ".workbench", ".husky", ".envrc", ".vscode",
                 ".githooks"):  # fmt: skip
        assert str(ws / name) in plan.placeholders
    hidden = set(plan.hidden)
    assert {str(home / ".ssh"), str(home / ".aws"), str(home / ".npmrc"), str(ws / ".env")} <= hidden
    assert str(home / ".kube") not in hidden and str(ws / ".env.example") not in hidden  # readable, a template


def test_bwrap_argv_layers_mounts_in_order(ws: Path, tmp_path: Path) -> None:
    home = Path("/var/tmp") / f"wb-plan-{os.getpid()}"
    (home / ".ssh").mkdir(parents=True, exist_ok=True)
    try:
        plan = build(str(ws), str(tmp_path / "tmp"), SandboxSettings(), WorkspaceScan(str(ws)), home, network=False)
        argv = bwrap.argv("bwrap", plan, ["bash", "-c", "true"], cwd=str(ws), empty_file="/E", empty_dir="/D",
                          placeholder_dir="/P")  # fmt: skip
        text = " ".join(argv)
        assert argv[:3] == ["bwrap", "--ro-bind", "/"] and argv[-3:] == ["bash", "-c", "true"]
        assert text.index(f"--bind {ws} {ws}") < text.index(f"--ro-bind {ws}/.git/config")
        assert text.index(f"--ro-bind {ws}/.git/config") < text.index(f"--ro-bind /E {ws}/.env")
        assert f"--ro-bind /D {home}/.ssh" in text and f"--ro-bind /P {ws}/.claude" in text
        assert "--unshare-net" in argv and "--unshare-pid" in argv and "--die-with-parent" in argv
        assert ("--cap-drop" in argv) == (os.geteuid() == 0)
        online = build(str(ws), str(tmp_path / "tmp"), SandboxSettings(), WorkspaceScan(str(ws)), home, network=True)
        assert "--unshare-net" not in bwrap.argv("bwrap", online, ["true"], cwd=str(ws), empty_file="/E",
                                                 empty_dir="/D", placeholder_dir="/P")  # fmt: skip
    finally:
        (home / ".ssh").rmdir()
        home.rmdir()


def test_seatbelt_profile(ws: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    odd = tmp_path / 'we"ird\\ws'
    odd.mkdir()
    plan = build(str(odd), str(tmp_path / "tmp"), SandboxSettings(), WorkspaceScan(str(odd)), home, network=False)
    text = seatbelt.profile(plan)
    lines = text.splitlines()
    assert lines[:2] == ["(version 1)", "(deny default)"]
    quoted = seatbelt.quote(str(odd))
    assert quoted.endswith('we\\"ird\\\\ws"') and f"(subpath {quoted})" in text
    write = next(i for i, line in enumerate(lines) if line.startswith("(allow file-write*"))
    guard = next(i for i, line in enumerate(lines) if line.startswith("(deny file-write*"))
    hide = next(i for i, line in enumerate(lines) if line.startswith("(deny file-read* file-write*"))
    assert write < guard and write < hide  # the last matching rule wins: denials come after the grants
    assert seatbelt.quote(str(odd / ".claude")) in lines[guard] and seatbelt.quote(str(home / ".ssh")) in lines[hide]
    assert "network" not in text
    assert "\\.env(" in text and seatbelt.regex_quote("/a.b(c)") == "\\/a\\.b\\(c\\)"
    online = build(str(odd), str(tmp_path / "tmp"), SandboxSettings(), WorkspaceScan(str(odd)), home, network=True)
    assert "(allow network*)" in seatbelt.profile(online)
    assert seatbelt.argv("/usr/bin/sandbox-exec", plan, ["bash", "-c", "x"])[:2] == ["/usr/bin/sandbox-exec", "-p"]


def test_landlock_rights_follow_the_abi() -> None:
    assert landlock.fs_rights(1) == (1 << 13) - 1
    assert landlock.fs_rights(3) == (1 << 15) - 1
    assert landlock.fs_rights(7) == (1 << 16) - 1


def test_resource_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = resolve(ResourceLimits(max_processes=100, max_file_size_mib=2, max_address_space_mib=0,
                                    max_cpu_seconds=30))  # fmt: skip
    assert dict(limits.values) == {"nproc": 100, "fsize": 2 * MIB, "cpu": 30, "core": 0}
    prefix = limits.prefix()
    if prefix:
        assert prefix[-1] == "--" and f"--fsize={2 * MIB}" in prefix and "--core=0" in prefix
    assert "file-size limit" in (stopped_by_limit(-25, limits) or "") and stopped_by_limit(128 + 25, limits)
    assert "CPU time" in (stopped_by_limit(-24, limits) or "") and stopped_by_limit(1, limits) is None
    assert "address space: no limit" in limits.lines()
    assert limits.script().startswith("ulimit -H -S -u 100 -f 2048 -t 30 -c 0 || {")
    auto = resolve(ResourceLimits())
    assert (auto.get("nproc") or 0) >= 8192 and auto.get("as") == 16384 * MIB and auto.get("fsize") == 4096 * MIB


def test_a_missing_sandbox_is_said_plainly(ws: Path) -> None:
    off = Sandbox(ws, SandboxSettings(mode="off", source="WORKBENCH_SANDBOX"))
    expected = "no OS sandbox: shell commands run unconfined (turned off by --no-sandbox or WORKBENCH_SANDBOX=off)"
    assert off.warning() == expected
    foreign = "landlock" if sys.platform == "darwin" else "seatbelt"
    refused = Sandbox(ws, SandboxSettings(mode=foreign))
    assert (refused.warning() or "").startswith(f"shell commands are refused: the {foreign} sandbox is not available")
