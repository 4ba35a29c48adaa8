"""`workbench sessions list | show ID | export ID --format md | rewind ID --to-turn N`: saved sessions."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from workbench.cli import rewind
from workbench.cli.args import parse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench sessions", description="List, show and export saved sessions.")
    p.add_argument("--cwd", type=Path, default=Path.cwd(), help="the project (default: .)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="sessions of this project, newest first")
    show = sub.add_parser("show", help="a session's prompts, answers and tool calls")
    show.add_argument("id", help="session id, a unique prefix, or 'latest'")
    export = sub.add_parser("export", help="a readable report of a session")
    export.add_argument("id", help="session id, a unique prefix, or 'latest'")
    export.add_argument("--format", default="md", choices=["md"], help="report format (md)")
    export.add_argument("--output", "-o", type=Path, help="write to a file instead of stdout")
    rewind.add_parser(sub)
    return p


def main(argv: list[str]) -> int:
    args = parse(parser(), argv)
    if isinstance(args, int):
        return args
    from workbench.core.agent.report import session_markdown
    from workbench.core.safe_text import terminal_safe
    from workbench.core.session_store import SessionNotFound, SessionStore

    if args.command == "rewind":
        return rewind.main(args, args.cwd.expanduser().resolve())
    store = SessionStore(args.cwd.expanduser().resolve())
    if args.command == "list":
        rows = store.summaries()
        if not rows:
            print(f"no sessions for {store.workspace}")
            return 0
        for row in rows:
            when = dt.datetime.fromtimestamp(row.updated).strftime("%Y-%m-%d %H:%M")
            prompt = " ".join(row.first_prompt.split())[:60]
            print(terminal_safe(f"{row.id}  {when}  {row.turns:>3} turn(s)  {row.persona_id}  {row.model}  {prompt}"))
        return 0
    try:
        loaded = store.load(args.id)
    except (SessionNotFound, OSError) as exc:
        print(f"workbench sessions: {exc}", file=sys.stderr)
        return 2
    report = session_markdown(loaded, store.audit_path(loaded.id))
    if args.command == "export" and args.output:
        args.output.write_text(report, encoding="utf-8")
        print(f"wrote {args.output}")
        return 0
    try:
        print(terminal_safe(report))
    except BrokenPipeError:  # `| head`: the reader left; keep the exit quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
