"""Which sandboxes this machine offers, found without the workbench's own code (the headless tests must also
run, and fail, against a workbench that has no sandbox)."""

from __future__ import annotations

import ctypes
import platform
import shutil
import subprocess
from functools import lru_cache

import pytest


@lru_cache(maxsize=1)
def bwrap_problem() -> str | None:
    tool = shutil.which("bwrap")
    if tool is None:
        return "bwrap is not installed (apt-get install bubblewrap)"
    argv = [tool, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--unshare-net", "--",
            "true"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, timeout=10)
    if done.returncode != 0:
        return f"bwrap does not work here: {done.stderr.decode(errors='replace').strip()[-200:]}"
    return None


@lru_cache(maxsize=1)
def landlock_abi() -> int:
    if platform.system() != "Linux":
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    return max(int(libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))), 0)


def kind_param(kind: str, *, network: bool = False) -> object:
    """A pytest param for a sandbox kind, skipped with the reason when this machine lacks it."""
    if kind == "bwrap":
        why = bwrap_problem()
    else:
        abi = landlock_abi()
        need = 4 if network else 1
        why = None if abi >= need else f"Landlock ABI {need}+ is not available here (found {abi})"
    return pytest.param(kind, marks=pytest.mark.skipif(why is not None, reason=why or ""), id=kind)
