"""The two README commands install exactly what requirements.lock pins, nothing more or less."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def locked_for_this_machine() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        match = PIN.match(line)
        if match and (not match[3] or Marker(match[3]).evaluate()):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_the_lock_pins_every_package_with_hashes() -> None:
    text = LOCK.read_text()
    pins = locked_for_this_machine()
    assert {"anthropic", "textual", "httpx2", "pytest", "pip", "setuptools"} <= set(pins)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if PIN.match(block.splitlines()[0]))


def installed_versions() -> dict[str, str]:
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        canonicalize_name(name): version
        for name, _, version in (line.partition("==") for line in frozen.splitlines() if "==" in line)
    }


def print_drift() -> None:
    """What `make test-latest` installed that the lock does not pin (run there, before the checks)."""
    locked, installed = locked_for_this_machine(), installed_versions()
    rows = [
        f"  {name}: {locked.get(name, '-')} -> {installed.get(name, '-')}"
        for name in sorted(set(locked) | set(installed))
        if locked.get(name) != installed.get(name) and name not in {"pip", "setuptools", "wheel"}
    ]
    print("\n".join(["newest allowed releases differ from the lock:", *rows]) if rows else "newest = the lock")


@pytest.mark.skipif(not (Path(sys.prefix) / ".installed-stamp").is_file(), reason="runs in the venv `make test` builds")
def test_the_venv_holds_exactly_the_lock() -> None:
    assert installed_versions() == locked_for_this_machine()
