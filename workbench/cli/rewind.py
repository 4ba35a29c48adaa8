"""`workbench sessions rewind ID --to-turn N`: print what a rewind would do; `--yes` does it.

Exit codes: 0 done (or planned), 2 bad input (no such session or turn, checkpoints off), 3 done, but conflicts
were kept or some files could not be restored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rewind",
        help="put files and/or the conversation back to before a turn (prints the plan; --yes applies it)",
    )
    p.add_argument("id", help="session id, a unique prefix, or 'latest'")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to-turn", type=int, metavar="N", help="go back to just before turn N")
    target.add_argument("--undo", action="store_true", help="undo the session's last rewind")
    p.add_argument("--yes", action="store_true", help="apply the plan (without it nothing changes)")
    p.add_argument("--force", action="store_true", help="overwrite conflicts too (files changed since by others)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--files-only", action="store_true", help="leave the conversation as it is")
    only.add_argument("--conversation-only", action="store_true", help="leave the files as they are")
    p.add_argument("--no-diff", action="store_true", help="list the files without their diffs")


def main(args: argparse.Namespace, workspace: Path) -> int:
    from workbench.config import load_config
    from workbench.core.agent.wiring import checkpointer
    from workbench.core.checkpoint.plan import RewindError
    from workbench.core.checkpoint.report import plan_lines, result_lines
    from workbench.core.checkpoint.rewind import Rewinder
    from workbench.core.events import Event
    from workbench.core.session_store import SessionNotFound, SessionStore, Transcript
    from workbench.headless import terminal_safe

    def say(lines: list[str], stream: object = sys.stdout) -> None:
        for line in lines:
            print(terminal_safe(line), file=stream)  # type: ignore[call-overload]

    store = SessionStore(workspace)
    try:
        loaded = store.load(args.id)
    except (SessionNotFound, OSError) as exc:
        print(f"workbench sessions: {exc}", file=sys.stderr)
        return 2
    cp = checkpointer(workspace, loaded.id, load_config(), loaded.events)
    out: list[Transcript] = []

    def record(event: Event) -> None:
        if out:
            out[0].event(event)

    rewinder = Rewinder(cp, loaded.events, loaded.messages, record, loaded.cuts)
    try:
        plan = rewinder.plan(
            args.to_turn,
            files=not args.conversation_only,
            conversation=not args.files_only,
            undo=args.undo,
        )
    except RewindError as exc:
        print(f"workbench sessions rewind: {exc}", file=sys.stderr)
        return 2
    say(plan_lines(plan, diff=not args.no_diff))
    if not args.yes:
        print("Nothing was changed: run again with --yes to apply.")
        return 0
    out.append(store.reopen(loaded.id))
    try:
        result = rewinder.apply(plan, force=args.force)
    except RewindError as exc:
        print(f"workbench sessions rewind: {exc}", file=sys.stderr)
        return 2
    finally:
        out[0].close()
    say(result_lines(result))
    return 3 if result.event.conflicts or result.applied.failed else 0
