"""`workbench sessions rewind ID --to-turn N`: print what a rewind would do; `--yes` does it.

Exit codes: 0 done (or planned), 2 bad input (no such session or turn, checkpoints off), 3 done, but conflicts
were kept or some files could not be restored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.core.checkpoint.plan import FilePlan
    from workbench.core.checkpoint.rewind import RewindPlan, RewindResult

DIFF_LINES = 400


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


def plan_lines(plan: RewindPlan, *, diff: bool = True) -> list[str]:
    """The plan as plain lines (paths and diffs are untrusted: the caller makes them terminal-safe)."""
    out: list[str] = []
    if plan.undo:
        out.append(f"Undo the last rewind (to before turn {plan.to_turn}).")
    else:
        prompt = " ".join(plan.prompt.split())[:80]
        out.append(f"Rewind to before turn {plan.to_turn}: {prompt!r}")
    if plan.files is not None:
        out += files_lines(plan.files, diff=diff)
    else:
        out.append("Files: left as they are.")
    if plan.conversation:
        if plan.undo:
            out.append("Conversation: the rewound turns come back.")
        else:
            turns = ", ".join(map(str, plan.turns_removed)) or str(plan.to_turn)
            out.append(f"Conversation: turn(s) {turns} leave what the model sees next ({plan.messages_kept} messages kept).")
    else:
        out.append("Conversation: left as it is.")
    out += [f"Note: {note}" for note in plan.notes]
    return out


def files_lines(files: FilePlan, *, diff: bool) -> list[str]:
    out: list[str] = []
    if files.empty:
        return ["Files: nothing to change."]
    restore = [a for a in files.actions if a.action == "restore"]
    delete = [a for a in files.actions if a.action == "delete"]
    out.append(f"Files: {len(restore)} to restore, {len(delete)} to delete.")
    out += [f"  restore  {a.path}" for a in restore]
    out += [f"  delete   {a.path}" for a in delete]
    if files.conflicts:
        out.append("Conflicts: changed since by someone other than the agent; kept (--force overwrites):")
        out += [f"  {a.action:<8} {a.path}" for a in files.conflicts]
    if files.too_large:
        out.append("Not kept (too large when checkpointed); left as they are:")
        out += [f"  {p}" for p in files.too_large]
    if diff and files.diff:
        lines = files.diff.splitlines()
        out.append("Diff (from now to the rewound state):")
        out += lines[:DIFF_LINES]
        if len(lines) > DIFF_LINES:
            out.append(f"… {len(lines) - DIFF_LINES} more diff lines")
    return out


def result_lines(result: RewindResult) -> list[str]:
    ev = result.event
    out = [f"Rewound{' (undo)' if ev.undo else ''}: {len(ev.restored)} restored, {len(ev.deleted)} deleted."]
    out += [f"  restored {p}" for p in ev.restored]
    out += [f"  deleted  {p}" for p in ev.deleted]
    out += [f"  forced   {p}" for p in ev.forced]
    if ev.conflicts:
        out.append("Kept (conflicts; --force overwrites):")
        out += [f"  {p}" for p in ev.conflicts]
    out += [f"  failed   {p}: {why}" for p, why in result.applied.failed]
    if ev.conversation:
        out.append("The conversation was cut back; the next turn continues from there.")
    return out


def main(args: argparse.Namespace, workspace: Path) -> int:
    from workbench.config import load_config
    from workbench.core.agent.wiring import checkpointer
    from workbench.core.checkpoint.plan import RewindError
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
