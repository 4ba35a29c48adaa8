"""Rewind a session to before one of its turns (files, conversation, or both), and undo the last rewind.

    rewinder = Rewinder(checkpointer, events, history, record)
    plan = rewinder.plan(to_turn=3)                   # changes nothing in the workspace
    result = rewinder.apply(plan, force=False)        # conflicts are kept unless forced

`record` receives the events a rewind makes (its checkpoints and a `Rewound`), so they reach the transcript:
a rewind is itself recorded, and `plan(undo=True)` plans going back to the checkpoint taken just before it.
The same code serves a live session (the screen) and a saved one (`workbench sessions rewind`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.core.checkpoint import conversation
from workbench.core.checkpoint.plan import (
    FilePlan,
    RewindError,
    checkpoints,
    last_rewind,
    plan_files,
    turn_checkpoint,
    turns_since,
)
from workbench.core.checkpoint.recorder import Checkpointer
from workbench.core.checkpoint.restore import Applied, apply_actions
from workbench.core.events import CheckpointSaved, Compacted, Event, Rewound, TurnStarted


@dataclass
class RewindPlan:
    to_turn: int
    prompt: str  # the prompt of the turn rewound to ("" for an undo)
    target: CheckpointSaved
    files: FilePlan | None
    conversation: bool
    messages_kept: int = -1
    blocks_kept: int = -1
    turns_removed: list[int] = field(default_factory=list)
    undo: bool = False
    notes: list[str] = field(default_factory=list)  # what the rewind will not do, and why


@dataclass
class RewindResult:
    event: Rewound
    applied: Applied
    history: list[dict[str, Any]] | None  # the new conversation, when it changed


class Rewinder:
    def __init__(
        self,
        checkpointer: Checkpointer,
        events: Sequence[Event],
        history: list[dict[str, Any]],
        record: Callable[[Event], None],
        cuts: list[conversation.Cut] | None = None,
    ) -> None:
        self.checkpointer = checkpointer
        self.events = events
        self.history = history
        self.record = record
        self.cuts = cuts if cuts is not None else []  # conversation cuts of earlier rewinds, for undo

    def plan(
        self, to_turn: int | None = None, *, files: bool = True, conversation: bool = True, undo: bool = False
    ) -> RewindPlan:
        """What a rewind would do; takes a snapshot of the workspace as it is now, changes nothing in it."""
        if undo:
            return self._plan_undo(files, conversation)
        if to_turn is None:
            raise RewindError("say which turn to rewind to")
        target = turn_checkpoint(self.events, to_turn)
        plan = RewindPlan(to_turn, self._prompt(to_turn), target, None, conversation)
        plan.turns_removed = sorted(
            {e.turn for e in self.events if isinstance(e, TurnStarted) and not e.agent_path and e.turn >= to_turn}
        )
        if conversation and _compacted_since(self.events, target):
            plan.conversation = False
            plan.notes.append("the conversation is left as it is: it was compacted after that turn")
        elif conversation:
            try:
                conversation_cut = self._cut(target.messages, target.blocks)
            except ValueError as exc:
                plan.conversation = False
                plan.notes.append(f"the conversation is left as it is: {exc}")
            else:
                plan.messages_kept, plan.blocks_kept = target.messages, target.blocks
                if not conversation_cut.removed:
                    plan.conversation = False
        if files:
            plan.files = self._plan_files(target)
        return plan

    def _plan_undo(self, files: bool, conversation: bool) -> RewindPlan:
        last = last_rewind(self.events)
        if last is None or last.undo:
            raise RewindError("there is no rewind to undo")
        found = [c for c in checkpoints(self.events) if c.kind == "before_rewind" and c.commit == last.checkpoint]
        target = found[-1] if found else None
        plan = RewindPlan(last.to_turn, "", target or _placeholder(last), None, False, undo=True)
        if conversation and last.conversation:
            if turns_since(self.events, last):
                plan.notes.append("the conversation stays: turns were made after the rewind")
            elif _compacted_since(self.events, last):
                plan.notes.append("the conversation stays: it was compacted after the rewind")
            elif not self.cuts:
                plan.notes.append("the conversation stays: the rewound messages are not known")
            else:
                plan.conversation = True
        if files and last.files:
            if target is None:
                raise RewindError("the rewind left no checkpoint to go back to")
            plan.files = self._plan_files(target)
        return plan

    def _plan_files(self, target: CheckpointSaved) -> FilePlan:
        if not self.checkpointer.enabled:
            raise RewindError("checkpoints are off for this session; files cannot be rewound")
        now = self.checkpointer.take_now()
        return plan_files(self.checkpointer.store, self.events, target, now)

    def _prompt(self, turn: int) -> str:
        for event in self.events:
            if isinstance(event, TurnStarted) and event.turn == turn and not event.agent_path:
                return event.prompt
        return ""

    def _cut(self, messages: int, blocks: int) -> conversation.Cut:
        return conversation.cut_history(self.history, messages, blocks)

    def apply(self, plan: RewindPlan, *, force: bool = False) -> RewindResult:
        """Do what `plan` says. The files are planned again against a fresh checkpoint, so a change made while
        the plan was on screen is a conflict too; conflicts stay unless `force`."""
        applied = Applied()
        checkpoint = ""
        conflicts: list[str] = []
        forced: list[str] = []
        if plan.files is not None:
            before = self.checkpointer.around_rewind("before_rewind")
            for event in before:
                self.record(event)
            marks = [e for e in before if isinstance(e, CheckpointSaved)]
            if not marks:
                raise RewindError("no checkpoint could be taken before the rewind; nothing was changed")
            checkpoint = marks[-1].commit
            events = list(self.events)
            if not any(e is marks[-1] for e in events):  # a live session's `record` has added them already
                events += marks
            fresh = plan_files(self.checkpointer.store, events, plan.target, self.checkpointer.last or plan.files.now)
            actions = list(fresh.actions)
            conflicts = [a.path for a in fresh.conflicts]
            if force:
                actions += fresh.conflicts
                forced, conflicts = conflicts, []
            applied = apply_actions(self.checkpointer.store, plan.target.tree, actions)
            for event in self.checkpointer.around_rewind("after_rewind"):
                self.record(event)
        history: list[dict[str, Any]] | None = None
        if plan.conversation:
            if plan.undo:
                history = conversation.uncut(self.history, self.cuts.pop())
            else:
                cut = self._cut(plan.messages_kept, plan.blocks_kept)
                self.cuts.append(cut)
                history = cut.kept
        event = Rewound(
            to_turn=plan.to_turn,
            files=plan.files is not None,
            conversation=plan.conversation,
            checkpoint=checkpoint,
            restored=tuple(applied.restored),
            deleted=tuple(applied.deleted),
            conflicts=tuple(conflicts),
            forced=tuple(forced),
            failed=tuple(applied.failed),
            messages_kept=plan.messages_kept,
            blocks_kept=plan.blocks_kept,
            undo=plan.undo,
        )
        self.record(event)
        return RewindResult(event, applied, history)


def _compacted_since(events: Sequence[Event], mark: Event) -> bool:
    """A compaction replaced the history after `mark`: message counts taken before it mean nothing now."""
    seen = False
    for event in events:
        if event is mark:
            seen = True
        elif seen and isinstance(event, Compacted) and not event.agent_path:
            return True
    return False


def _placeholder(last: Rewound) -> CheckpointSaved:
    return CheckpointSaved(kind="before_rewind", turn=last.to_turn, commit=last.checkpoint, tree="")
