"""What a rewind would do, worked out from a session's checkpoint events before anything changes.

The checkpoints after the target form a chain. A step from `before_call` to `after_call` of one call (or
`before_rewind` to `after_rewind`) is the agent's (or the workbench's) doing; any other step, and the step from
the last checkpoint to the workspace as it is now, is someone else's: an editor, a formatter, the user.
A rewind touches only the paths the agent changed; of those, a path someone else also changed since the
target is a conflict, listed and kept unless forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from workbench.core.checkpoint import snapshot
from workbench.core.checkpoint.gitstore import GitStore
from workbench.core.checkpoint.snapshot import Entry, Snapshot
from workbench.core.events import CheckpointSaved, Event, Rewound, TurnStarted

AGENT_STEPS = {("before_call", "after_call"), ("before_rewind", "after_rewind")}


class RewindError(Exception):
    """The rewind cannot be planned (no such turn, no checkpoints); the message says why."""


@dataclass(frozen=True)
class FileAction:
    path: str
    action: str  # restore | delete
    entry: Entry | None = None  # what to write back (None for a delete)


@dataclass
class FilePlan:
    target: Snapshot
    now: Snapshot
    actions: list[FileAction] = field(default_factory=list)
    conflicts: list[FileAction] = field(default_factory=list)  # someone else changed these since: kept unless forced
    too_large: list[str] = field(default_factory=list)  # not kept at the target: cannot be brought back
    diff: str = ""  # from now to the target, over the paths a rewind would change (conflicts included)

    @property
    def empty(self) -> bool:
        return not (self.actions or self.conflicts or self.too_large)


def checkpoints(events: Sequence[Event]) -> list[CheckpointSaved]:
    return [e for e in events if isinstance(e, CheckpointSaved) and not e.agent_path]


def turn_checkpoint(events: Sequence[Event], turn: int) -> CheckpointSaved:
    found = [c for c in checkpoints(events) if c.kind == "turn" and c.turn == turn]
    if not found:
        turns = sorted({c.turn for c in checkpoints(events) if c.kind == "turn"})
        known = ", ".join(str(t) for t in turns) or "none"
        raise RewindError(f"turn {turn} has no checkpoint (turns with one: {known})")
    return found[-1]


def last_rewind(events: Sequence[Event]) -> Rewound | None:
    for event in reversed(events):
        if isinstance(event, Rewound):
            return event
    return None


def turns_since(events: Sequence[Event], marker: Event) -> int:
    after = False
    count = 0
    for event in events:
        if event is marker:
            after = True
        elif after and isinstance(event, TurnStarted) and not event.agent_path:
            count += 1
    return count


def _as_snapshot(c: CheckpointSaved) -> Snapshot:
    return Snapshot(c.commit, c.tree, dict(c.unkept))


def plan_files(store: GitStore, events: Sequence[Event], target: CheckpointSaved, now: Snapshot) -> FilePlan:
    chain = checkpoints(events)
    start = max(i for i, c in enumerate(chain) if c is target)
    agent: set[str] = set()
    others: set[str] = set()
    steps = list(pairwise(chain[start:]))
    for a, b in steps:
        if a.tree == b.tree and a.unkept == b.unkept:
            continue
        ours = (a.kind, b.kind) in AGENT_STEPS and a.call_id == b.call_id
        changed = {c.path for c in snapshot.diff(store, _as_snapshot(a), _as_snapshot(b))}
        (agent if ours else others).update(changed)
    last = chain[-1] if chain else target
    others.update(c.path for c in snapshot.diff(store, _as_snapshot(last), now))
    goal = _as_snapshot(target)
    plan = FilePlan(goal, now)
    wanted = sorted(agent)
    there = snapshot.entries(store, goal.tree, wanted)
    here = snapshot.entries(store, now.tree, wanted)
    for path in wanted:
        if there.get(path) == here.get(path) and goal.unkept.get(path) == now.unkept.get(path):
            continue  # already as it was
        if path in goal.unkept:
            plan.too_large.append(path)
            continue
        entry = there.get(path)
        act = FileAction(path, "restore" if entry is not None else "delete", entry)
        (plan.conflicts if path in others else plan.actions).append(act)
    touched = [a.path for a in (*plan.actions, *plan.conflicts)]
    if touched:
        plan.diff = snapshot.patch(store, now.tree, goal.tree, touched)
    return plan
