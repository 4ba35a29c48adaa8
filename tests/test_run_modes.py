"""The permission mode of a resumed run: an explicit `--mode` always wins over the saved one, only an absent flag
restores it, and stderr says which mode is in force and why."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.agent.helpers import git_repo, run_cli, sessions_folder
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, text, tool_use


def _touch(name: str) -> list:  # type: ignore[type-arg]
    return [reply(tool_use("Bash", {"command": f"touch {name}"})), reply(text("Touched."))]


def test_an_explicit_mode_wins_and_an_absent_one_restores(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    base = ["--cwd", str(repo), "--output-format", "json"]
    with MessagesPeer([*_touch("one"), *_touch("two"), *_touch("three")]) as peer:
        bypass = run_cli(["run", "touch one", *base, "--mode", "bypassPermissions"], base_url=peer.url, home=home)
        narrowed = run_cli(["run", "touch two", *base, "--continue", "--mode", "default"], base_url=peer.url, home=home)
        restored = run_cli(["run", "touch three", *base, "--continue"], base_url=peer.url, home=home)
    assert bypass.returncode == 0 and (repo / "one").exists(), bypass.stderr
    # --mode default after a bypass session: the touch asks, and nobody can approve headless
    assert narrowed.returncode == 3 and not (repo / "two").exists(), narrowed.stderr
    assert json.loads(narrowed.stdout)["tool_calls"][0]["decision"] == "denied"
    assert "permission mode default: --mode default replaces the session's bypassPermissions" in narrowed.stderr
    # no flag: the mode last in force (default) comes back, and stderr says so
    assert restored.returncode == 3 and not (repo / "three").exists(), restored.stderr
    assert "permission mode default, restored from the session; --mode changes it" in restored.stderr
    loaded = SessionStore(repo, root=sessions_folder(home)).load("latest")
    assert loaded.meta["mode"] == "bypassPermissions" and loaded.mode == "default"


def test_a_restored_wide_mode_is_announced(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    base = ["--cwd", str(repo), "--output-format", "json"]
    with MessagesPeer([*_touch("one"), *_touch("two")]) as peer:
        first = run_cli(["run", "touch one", *base, "--mode", "bypassPermissions"], base_url=peer.url, home=home)
        again = run_cli(["run", "touch two", *base, "--continue"], base_url=peer.url, home=home)
    assert first.returncode == 0 and again.returncode == 0 and (repo / "two").exists(), again.stderr
    assert "warning: permission mode bypassPermissions, restored from the session; --mode changes it" in again.stderr
