"""`workbench mcp`: list the configured MCP servers, their status and tools; trust or untrust a project.

    workbench mcp list [--json] [--cwd DIR] [--trust-project] [--timeout SECONDS]
    workbench mcp trust [--cwd DIR]      # trust the project (as `workbench trust`): its servers start from now on
    workbench mcp untrust [--cwd DIR]

`list` starts every server that may start (user-level ones always; the project's own `.mcp.json` servers
only when the project is trusted or with `--trust-project`), lists their tools, and stops them again. Trust is
the project's (workbench.core.trust): it covers the project's settings and personas too, and holds until one of
its files changes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from workbench.cli.args import parse
from workbench.config import load_config
from workbench.paths import command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench mcp", description="MCP servers: list, trust, untrust")
    sub = parser.add_subparsers(dest="command", metavar="{list,trust,untrust}")
    listing = sub.add_parser("list", help="each configured server, where it is configured, its status and tools")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.add_argument("--cwd", default=".", help="the project folder (default: .)")
    listing.add_argument(
        "--trust-project",
        "--trust-project-mcp",  # the old name, kept working
        dest="trust_project",
        action="store_true",
        help="also start the servers from the project's .mcp.json (without remembering trust)",
    )
    listing.add_argument("--timeout", type=float, default=None, help="start timeout per server, seconds")
    for name, text in (("trust", "remember that this project's servers may start"), ("untrust", "forget it")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--cwd", default=".", help="the project folder (default: .)")
    return parser


def main(argv: list[str]) -> int:
    parser = _parser()
    opts = parse(parser, argv or ["list"])
    if isinstance(opts, int):
        return opts
    command = opts.command or "list"
    workspace = Path(opts.cwd).expanduser()
    if not workspace.is_dir():
        print(f"workbench mcp: {opts.cwd}: not a folder", file=sys.stderr)
        return 2
    if command in ("trust", "untrust"):
        from workbench.core.mcp.trust import set_trusted, trust_file

        set_trusted(workspace, command == "trust")
        verb = "trusted" if command == "trust" else "not trusted"
        print(f"{workspace.resolve()}: {verb} (stored in {trust_file()})")
        return 0
    try:
        return asyncio.run(_list(workspace, as_json=opts.json, trust_flag=opts.trust_project, timeout=opts.timeout))
    except KeyboardInterrupt:  # the servers were stopped on the way out (see _list)
        print("workbench mcp: interrupted", file=sys.stderr)
        return 130


async def _list(workspace: Path, *, as_json: bool, trust_flag: bool, timeout: float | None) -> int:
    from workbench.core.mcp.integration import open_mcp
    from workbench.core.mcp.trust import is_trusted

    config = load_config()
    stored = is_trusted(workspace, config=config)
    manager = await open_mcp(
        workspace, trust_project=trust_flag or stored, config=config, start=False, start_timeout=timeout
    )
    try:
        await manager.start()
        rows = manager.statuses()
    finally:
        await manager.stop()
    if as_json:
        out: dict[str, Any] = {
            "workspace": str(workspace.resolve()),
            "project_trusted": stored,
            "errors": manager.config_errors,
            "servers": [row.to_json() for row in rows],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    _print_text(workspace, rows, manager.config_errors, trusted=stored or trust_flag)
    return 0


def _print_text(
    workspace: Path,
    rows: list[Any],
    errors: list[str],
    *,
    trusted: bool,
) -> None:
    from workbench.core.mcp.tool import one_line

    for error in errors:
        print(f"warning: {one_line(error, 400)}")
    if not rows:
        print(f"No MCP servers configured for {workspace.resolve()}.")
        print("Add them to .mcp.json (project), ~/.claude.json or the workbench's mcp.json (user).")
        return
    for row in rows:
        print(f"{one_line(row.name, 80)}  [{row.scope}] {one_line(row.source, 200)}")
        print(f"  {row.transport}: {one_line(row.target, 200)}")
        print(f"  status: {one_line(row.label, 400)}")
        if row.status == "failed" and row.log:
            print(f"  server log: {one_line(row.log, 300)}")
        for tool in row.tools:
            text = one_line(row.descriptions.get(tool, ""), 80)
            print(f"    {tool}" + (f"  {text}" if text else ""))
        for error in row.errors:
            print(f"  warning: {one_line(error, 300)}")
    if not trusted and any(row.status == "not_started" and row.scope == "project" for row in rows):
        print(f"\nThis project's own servers did not start: run `{command('mcp', 'trust')}` to allow them,")
        print("or pass --trust-project for one run.")
