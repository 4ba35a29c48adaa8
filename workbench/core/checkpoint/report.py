"""A rewind's plan and result as plain lines, for `workbench sessions rewind` and the screen's picker.

Paths and diffs come from the workspace: callers make them terminal-safe before showing them.
"""

from __future__ import annotations

from workbench.core.checkpoint.plan import FilePlan
from workbench.core.checkpoint.rewind import RewindPlan, RewindResult
from workbench.core.events import Rewound

DIFF_LINES = 400


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
            out.append(
                f"Conversation: turn(s) {turns} leave what the model sees next ({plan.messages_kept} messages kept)."
            )
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
    return event_lines(result.event)


def event_lines(ev: Rewound) -> list[str]:
    """What a rewind did, from its recorded event (a saved one reads the same as the one just applied)."""
    out = [f"Rewound{' (undo)' if ev.undo else ''}: {len(ev.restored)} restored, {len(ev.deleted)} deleted."]
    if not ev.files:
        out = [f"Rewound{' (undo)' if ev.undo else ''}: files left as they are."]
    out += [f"  restored {p}" for p in ev.restored]
    out += [f"  deleted  {p}" for p in ev.deleted]
    out += [f"  forced   {p}" for p in ev.forced]
    if ev.conflicts:
        out.append("Kept (conflicts; --force overwrites):")
        out += [f"  {p}" for p in ev.conflicts]
    out += [f"  failed   {_failure(item)}" for item in ev.failed]
    if ev.conversation and ev.undo:
        out.append("The rewound turns are back in the conversation.")
    elif ev.conversation:
        out.append("The conversation was cut back; the next turn continues from there.")
    return out


def _failure(item: object) -> str:
    """`path: why` from a saved (path, why) pair; a transcript edited by hand may hold anything there."""
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return f"{item[0]}: {item[1]}"
    return str(item)
