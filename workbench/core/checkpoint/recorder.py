"""A session's checkpoints: one before each turn, and one before and after each tool call that may change files.

The session and the call gate ask for them; each becomes a `CheckpointSaved` event in the transcript, which is
all a rewind needs later. Git runs in a worker thread, never on the event loop. A store that cannot be used
(no git, a full disk) turns checkpoints off for the session with one notice; the work goes on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.checkpoint import prune, snapshot
from workbench.core.checkpoint.gitstore import GitStore, StoreError
from workbench.core.checkpoint.snapshot import Change, Snapshot
from workbench.core.events import CheckpointSaved, Event, Notice

MB = 1024 * 1024
# Tool kinds whose calls may change files (a subagent's Agent call counts as one call).
CHANGING_KINDS = frozenset({"write", "exec", "external", "delegate"})


@dataclass(frozen=True)
class CheckpointSettings:
    enabled: bool = True
    max_file_bytes: int = 50 * MB  # a bigger file is not kept (a notice says so)
    max_store_bytes: int = 2048 * MB  # over this, the oldest sessions' checkpoints are pruned
    keep_days: float = 30.0  # checkpoints of sessions older than this are pruned

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> CheckpointSettings:
        def number(key: str, default: float) -> float:
            value = section.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return float(value)
            return default

        return cls(
            enabled=section.get("enabled") is not False,
            max_file_bytes=int(number("max_file_mb", cls.max_file_bytes / MB) * MB),
            max_store_bytes=int(number("max_store_mb", cls.max_store_bytes / MB) * MB),
            keep_days=number("keep_days", cls.keep_days),
        )


def last_snapshot(events: Iterable[Event]) -> Snapshot | None:
    found: Snapshot | None = None
    for event in events:
        if isinstance(event, CheckpointSaved) and not event.agent_path:
            found = Snapshot(event.commit, event.tree, dict(event.unkept))
    return found


class Checkpointer:
    """Takes a session's checkpoints in the workspace's private store."""

    def __init__(
        self,
        workspace: Path,
        session_id: str,
        settings: CheckpointSettings | None = None,
        *,
        store: GitStore | None = None,
        past: Sequence[Event] = (),
    ) -> None:
        self.settings = settings or CheckpointSettings()
        self.store = store or GitStore(workspace)
        self.session_id = session_id
        self.enabled = self.settings.enabled
        self.last = last_snapshot(past)
        self.touched: set[str] = set()  # files the agent's own tools wrote: kept even when ignored
        self.turn = 0
        self._ready = False
        self.pruned: prune.Pruned | None = None
        self._lock = threading.Lock()

    # -- what the session and the gate call ----------------------------------------------------------

    async def turn_start(self, turn: int, messages: int, blocks: int) -> list[Event]:
        self.turn = turn
        return await self._checkpoint("turn", messages=messages, blocks=blocks)

    async def before_call(self, call_id: str, tool: str, kind: str, paths: Sequence[str]) -> list[Event]:
        if str(kind) not in CHANGING_KINDS:
            return []
        if str(kind) == "write":
            self.touched.update(paths)
        return await self._checkpoint("before_call", call_id=call_id, tool=tool)

    async def after_call(
        self, call_id: str, tool: str, kind: str, paths: Sequence[str]
    ) -> tuple[list[Event], list[Change]]:
        """The checkpoint after a call, and what changed in the workspace while it ran."""
        if str(kind) not in CHANGING_KINDS or not self.enabled:
            return [], []
        if str(kind) == "write":
            self.touched.update(paths)
        before = self.last
        events = await self._checkpoint("after_call", call_id=call_id, tool=tool)
        after = self.last
        if before is None or after is None or not events or before == after:
            return events, []
        try:
            changes = await asyncio.to_thread(snapshot.diff, self.store, before, after)
        except (StoreError, OSError):
            changes = []
        return events, changes

    def around_rewind(self, kind: str) -> list[Event]:
        """The `before_rewind` / `after_rewind` checkpoint (synchronous: a rewind runs in a worker thread)."""
        return self.checkpoint_now(kind)

    def take_now(self) -> Snapshot:
        """A snapshot of the workspace as it is (for a rewind's plan), outside any event."""
        with self._lock, self.store.locked():
            self._ensure()
            return snapshot.take(
                self.store,
                max_file_bytes=self.settings.max_file_bytes,
                extra=sorted(self.touched),
                previous=self.last,
                ref=f"{self.session_id}/head",
                message={"kind": "now", "session": self.session_id},
            ).snapshot

    # -- inside ----------------------------------------------------------------------------------------

    def _ensure(self) -> None:
        if not self._ready:
            self.store.ensure()
            self._ready = True
            s = self.settings
            self.pruned = prune.maintain(
                self.store, max_bytes=s.max_store_bytes, keep_days=s.keep_days, current=self.session_id
            )

    def _take(self, kind: str, call_id: str) -> snapshot.Taken:
        with self._lock, self.store.locked():
            self._ensure()
            taken = snapshot.take(
                self.store,
                max_file_bytes=self.settings.max_file_bytes,
                extra=sorted(self.touched),
                previous=self.last,
                ref=f"{self.session_id}/head",
                message={"kind": kind, "session": self.session_id, "turn": self.turn, "call_id": call_id},
            )
            if kind == "turn":  # a turn's checkpoint stays reachable by name
                snapshot.add_ref(self.store, f"{self.session_id}/turn-{self.turn}", taken.snapshot.commit)
            return taken

    async def _checkpoint(
        self, kind: str, *, call_id: str = "", tool: str = "", messages: int = -1, blocks: int = -1
    ) -> list[Event]:
        if not self.enabled:
            return []
        return await asyncio.to_thread(
            self.checkpoint_now, kind, call_id=call_id, tool=tool, messages=messages, blocks=blocks
        )

    def checkpoint_now(
        self, kind: str, *, call_id: str = "", tool: str = "", messages: int = -1, blocks: int = -1
    ) -> list[Event]:
        if not self.enabled:
            return []
        try:
            taken = self._take(kind, call_id)
        except (StoreError, OSError) as exc:
            self.enabled = False
            message = f"checkpoints are off for this session, so a rewind cannot cover what follows: {exc}"
            return [Notice(level="warning", message=message)]
        self.last = taken.snapshot
        out: list[Event] = [
            CheckpointSaved(
                kind=kind,
                turn=self.turn,
                commit=taken.snapshot.commit,
                tree=taken.snapshot.tree,
                call_id=call_id,
                tool=tool,
                messages=messages,
                blocks=blocks,
                unkept=dict(taken.snapshot.unkept),
            )
        ]
        for path, size in taken.too_large:
            limit = self.settings.max_file_bytes // MB
            out.append(
                Notice(
                    level="warning",
                    message=f"checkpoint: {path} ({size / MB:.1f} MB) is over the {limit} MB limit and was not kept; "
                    "a rewind cannot bring back its content ([checkpoints] max_file_mb raises the limit)",
                )
            )
        return out
