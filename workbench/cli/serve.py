"""`workbench serve [DIR]`: publish the workbench in a browser through textual-serve (pairing demos).

Every browser tab gets its own workbench process running `python -m workbench DIR [options]`; the options
after DIR are the same as the screen's (`--persona`, `--model`, `--mode`, `--demo`, `--agents`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from workbench.core.approvals import PermissionMode


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench serve", description="Publish the workbench in a browser.")
    p.add_argument("dir", nargs="?", default=".", help="the repository or folder to open (default: .)")
    p.add_argument("--host", default="localhost", help="address to listen on (default: localhost)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--public-url", help="the URL browsers use, when behind a proxy")
    p.add_argument("--persona", help="persona id, name or file to start with")
    p.add_argument("--model", help="model id or alias")
    p.add_argument("--mode", choices=list(PermissionMode), help="permission mode")
    p.add_argument("--demo", action="store_true", help="start the offline demo session")
    p.add_argument("--agents", action="append", default=[], metavar="PATH", help="extra persona file or folder")
    return p


def app_command(args: argparse.Namespace) -> str:
    """The shell command each browser session runs."""
    parts = [sys.executable, "-m", "workbench", str(Path(args.dir).expanduser().resolve())]
    for flag in ("persona", "model", "mode"):
        value = getattr(args, flag)
        if value:
            parts += [f"--{flag}", str(value)]
    if args.demo:
        parts.append("--demo")
    for extra in args.agents:
        parts += ["--agents", str(Path(extra).expanduser().resolve())]
    return shlex.join(parts)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if not Path(args.dir).expanduser().is_dir():
        print(f"workbench serve: {args.dir}: not a folder")
        return 2
    from textual_serve.server import Server

    server = Server(app_command(args), host=args.host, port=args.port, title="workbench", public_url=args.public_url)
    print(f"workbench: serving {Path(args.dir).resolve()} at http://{args.host}:{args.port}  (Ctrl+C stops)")
    server.serve()
    return 0
