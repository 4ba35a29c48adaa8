"""`workbench doctor [--cwd DIR] [--json]`: what this machine gives the workbench, and what it lacks.

The sandbox first (its kind, what it confines and what it does not, the resource limits), then git, rg,
bubblewrap, credentials (present or not, never their values), the config file and the data folders.
Exit code 0, or 1 when something needs fixing (a config file that does not parse, a sandbox that was asked
for by name and is missing, data folders others can read).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from workbench.cli.args import parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench doctor", description="Check the sandbox, tools, config and folders.")
    p.add_argument("--cwd", type=Path, default=Path.cwd(), help="the repository to check the sandbox for")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    return p


def _version(argv: list[str]) -> str | None:
    tool = shutil.which(argv[0])
    if tool is None:
        return None
    try:
        done = subprocess.run([tool, *argv[1:]], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "found, but it did not run"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "found"


def _folder(path: Path) -> dict[str, Any]:
    try:
        st = path.stat()
    except OSError:
        return {"path": str(path), "exists": False}
    mode = stat.S_IMODE(st.st_mode)
    return {"path": str(path), "exists": True, "mode": f"{mode:04o}", "private": not mode & 0o077}


def checks(cwd: Path) -> dict[str, Any]:
    from workbench import __version__, paths
    from workbench.config import load_config
    from workbench.core.agent.client import credentials_status
    from workbench.core.sandbox import Sandbox, SandboxSettings
    from workbench.core.sandbox.report import describe
    from workbench.core.tools import walk

    config = load_config()
    sandbox = Sandbox(cwd, SandboxSettings.from_config(config.section("sandbox")))
    try:
        info = describe(sandbox, scan=cwd.is_dir())
    finally:
        sandbox.close()
    ok, _ = credentials_status()
    folders = [_folder(p) for p in (paths.data_dir(), paths.state_dir(), paths.config_dir())]
    problems = [*info["problems"], *config.errors]
    if info["commands_refused"]:
        problems.append(f"shell commands are refused: the {info['mode']} sandbox is not available ({info['why_none']})")
    problems += [f"{f['path']} is readable by others (mode {f['mode']}); chmod 700 it" for f in folders
                 if f["exists"] and not f["private"]]  # fmt: skip
    return {
        "workbench": __version__,
        "python": sys.version.split()[0],
        "workspace": str(cwd.resolve()),
        "sandbox": info,
        "tools": {
            "git": _version(["git", "--version"]),
            "rg": _version([walk.find_rg() or "rg", "--version"]),  # the binary the Grep tool uses
            "bwrap": _version(["bwrap", "--version"]),
            "prlimit": shutil.which("prlimit"),
        },
        "credentials": {
            "usable": ok,
            "ANTHROPIC_API_KEY": "set" if os.environ.get("ANTHROPIC_API_KEY") else "not set",
            "ANTHROPIC_AUTH_TOKEN": "set" if os.environ.get("ANTHROPIC_AUTH_TOKEN") else "not set",
            "ANTHROPIC_BASE_URL": os.environ.get("ANTHROPIC_BASE_URL") or "not set",
        },
        "config": {
            "path": str(config.path),
            "exists": bool(config.path and config.path.exists()),
            "errors": config.errors,
        },
        "folders": folders,
        "problems": problems,
    }


def _text(report: dict[str, Any]) -> str:
    sb = report["sandbox"]
    out: list[str] = []
    if sb["available"]:
        extra = f", Landlock ABI {sb['landlock_abi']}" if sb["kind"] == "landlock" else ""
        out.append(f"sandbox: {sb['kind']} (mode {sb['mode']}, from {sb['mode_from']}{extra})")
    elif sb["commands_refused"]:
        out.append(f"sandbox: NONE, and shell commands are refused: {sb['mode']} is not available ({sb['why_none']})")
    else:
        out.append(f"sandbox: NONE: shell commands run unconfined ({sb['why_none']})")
    if sb["confines"]:
        out.append("  confines:")
        out += [f"    - {line}" for line in sb["confines"]]
    out.append("  does not confine:")
    out += [f"    - {line}" for line in sb["does_not_confine"]]
    if sb.get("writable"):
        out.append("  writable: " + ", ".join(sb["writable"]))
        counts = (len(sb["hidden"]), len(sb["read_only"]), len(sb["kept_from_being_created"]))
        out.append("  here: {} secret files and folders hidden; {} control paths read-only; {} kept from being "
                   "created".format(*counts))  # fmt: skip
    out.append("  limits per command: " + "; ".join(sb["limits"]))
    tools = report["tools"]
    for name in ("git", "rg", "bwrap"):
        out.append(f"{name}: {tools[name] or 'not found'}")
    creds = report["credentials"]
    usable = "usable" if creds["usable"] else "MISSING (workbench run and the chat need a key or a base URL)"
    out.append(f"credentials: {usable}; ANTHROPIC_API_KEY {creds['ANTHROPIC_API_KEY']}, ANTHROPIC_AUTH_TOKEN "
               f"{creds['ANTHROPIC_AUTH_TOKEN']}, ANTHROPIC_BASE_URL {creds['ANTHROPIC_BASE_URL']}")  # fmt: skip
    cfg = report["config"]
    out.append(f"config: {cfg['path']} ({'found' if cfg['exists'] else 'not found: the defaults apply'})")
    for folder in report["folders"]:
        state = f"mode {folder['mode']}" if folder["exists"] else "not created yet"
        out.append(f"folder: {folder['path']} ({state})")
    if report["problems"]:
        out.append("problems:")
        out += [f"  - {p}" for p in report["problems"]]
    else:
        out.append("no problems found")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    args = parse(parser(), argv)
    if isinstance(args, int):
        return args
    from workbench.headless import terminal_safe

    report = checks(args.cwd.expanduser().resolve())
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=True))
    else:
        print(terminal_safe(_text(report)))
    return 1 if report["problems"] else 0
