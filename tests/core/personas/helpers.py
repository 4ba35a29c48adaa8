"""Shared helpers for the persona tests: fixture paths and a real `workbench` subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
EDGE = Path(__file__).resolve().parent / "fixtures" / "edge"
SEED_IDS = {
    "000": "backend-architect~000_5a8db1f8ea2aebb8",
    "001": "backend-architect~001_396b3d90c630b733",
    "002": "backend-architect~002_95e2983c5ed8de10",
    "003": "backend-architect~003_63d2144bd07b97c7",
    "004": "backend-architect-dev",
}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`python -m workbench ARGS` as a real process, with the test's isolated environment."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=cwd or ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def show_json(path: Path, cwd: Path | None = None) -> dict[str, Any]:
    proc = run_cli("personas", "show", str(path), "--json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def codes(diagnostics: list[Any]) -> list[str]:
    """Diagnostic codes from Diagnostic objects or their JSON form."""
    return [d["code"] if isinstance(d, dict) else d.code for d in diagnostics]
