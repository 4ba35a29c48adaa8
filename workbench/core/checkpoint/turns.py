"""What each turn of a session did to the workspace, from its checkpoints: the rows of the rewind picker and
the per-turn diff (every file, shell changes included)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from workbench.core.checkpoint import snapshot
from workbench.core.checkpoint.gitstore import GitStore, StoreError
from workbench.core.checkpoint.plan import AGENT_STEPS, checkpoints
from workbench.core.checkpoint.snapshot import Snapshot
from workbench.core.events import CheckpointSaved, Event, ToolCallFinished, TurnStarted

SHELL_TOOLS = frozenset({"Bash", "BashOutput"})


@dataclass(frozen=True)
class TurnRow:
    turn: int
    prompt: str
    when: float  # epoch seconds of the turn's checkpoint (0 when unknown)
    files: tuple[str, ...]  # changed by the agent during the turn
    commands: int  # shell commands run


def _span(events: Sequence[Event], turn: int) -> tuple[list[CheckpointSaved], list[Event]]:
    """The turn's checkpoints and events: from its TurnStarted up to the next one."""
    inside = False
    marks: list[CheckpointSaved] = []
    seen: list[Event] = []
    for event in events:
        if isinstance(event, TurnStarted) and not event.agent_path:
            if inside:
                break
            inside = event.turn == turn
        if inside:
            seen.append(event)
            if isinstance(event, CheckpointSaved) and not event.agent_path:
                marks.append(event)
    return marks, seen


def _commit_times(store: GitStore, commits: Sequence[str]) -> dict[str, float]:
    wanted = list(dict.fromkeys(c for c in commits if c))
    if not wanted:
        return {}
    try:
        blobs = store.read_blobs(wanted)
    except StoreError:
        return {}
    out: dict[str, float] = {}
    for oid, body in blobs.items():
        for line in body.split(b"\n"):
            if line.startswith(b"committer "):
                parts = line.split()
                if len(parts) >= 2 and parts[-2].isdigit():
                    out[oid] = float(parts[-2])
                break
    return out


def turn_rows(store: GitStore, events: Sequence[Event]) -> list[TurnRow]:
    starts = [e for e in events if isinstance(e, TurnStarted) and not e.agent_path]
    turn_marks = {c.turn: c.commit for c in checkpoints(events) if c.kind == "turn"}
    times = _commit_times(store, list(turn_marks.values()))
    rows: list[TurnRow] = []
    for start in starts:
        if start.turn not in turn_marks:
            continue
        marks, seen = _span(events, start.turn)
        files: set[str] = set()
        for a, b in pairwise(marks):
            if (a.kind, b.kind) in AGENT_STEPS and a.call_id == b.call_id and a.tree != b.tree:
                try:
                    changes = snapshot.diff(
                        store, Snapshot(a.commit, a.tree, a.unkept), Snapshot(b.commit, b.tree, b.unkept)
                    )
                except StoreError:
                    changes = []
                files.update(c.path for c in changes)
        commands = sum(
            1 for e in seen if isinstance(e, ToolCallFinished) and e.tool in SHELL_TOOLS and not e.agent_path
        )
        rows.append(
            TurnRow(start.turn, start.prompt, times.get(turn_marks[start.turn], 0.0), tuple(sorted(files)), commands)
        )
    return rows


def turn_diff(store: GitStore, events: Sequence[Event], turn: int) -> str:
    """The turn's whole diff: from its checkpoint to the last one taken during it (shell changes included)."""
    marks, _ = _span(events, turn)
    if len(marks) < 2:
        return ""
    return snapshot.patch(store, marks[0].tree, marks[-1].tree)
