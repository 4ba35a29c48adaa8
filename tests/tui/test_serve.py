"""`workbench serve` publishes the same app through textual-serve: a real server answers on a free port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from workbench.cli import serve


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_command_runs_the_workbench_on_the_folder(tmp_path: Path) -> None:
    args = serve.build_parser().parse_args([str(tmp_path), "--mode", "plan", "--demo"])
    command = serve.app_command(args)
    assert "-m workbench" in command and str(tmp_path.resolve()) in command
    assert "--mode plan" in command and command.endswith("--demo")


def test_bad_folder_is_a_clear_error(tmp_path: Path, capsys: object) -> None:
    assert serve.main([str(tmp_path / "missing")]) == 2


def test_server_answers_with_the_page(sample_repo: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "serve", str(sample_repo), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode("utf-8", "replace")
                break
            except OSError:
                time.sleep(0.1)
        assert "workbench" in page and "<html" in page.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
