"""Crash-safe session transcripts: one JSONL file per session under `paths.sessions_dir(workspace)`.

Each line is one record: `meta` (first line), `event` (every completed event, deltas excluded), `msg` (a
message appended to the model history), `grant`/`revoke` (a session grant given or revoked), `compact` (the
model history starting over as a summary). Lines are written and flushed one at a time, and fsynced at turn
boundaries, so a killed process loses at most a torn last line; that line is skipped on load and nothing before
it is lost. The policy audit log sits beside the transcript as `<id>.audit.jsonl`; `<id>.lock` is held by the one
process writing the session (see session_lock).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import mmap
import os
import re
import secrets
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from workbench import paths
from workbench.core.agent.codec import DecodeError, event_from_json
from workbench.core.checkpoint.conversation import replay_rewind
from workbench.core.events import (
    Event,
    PlanItem,
    PlanUpdated,
    RetryCountdown,
    Rewound,
    TextDelta,
    ToolInputDelta,
    ToolProgress,
)
from workbench.core.secrets import redact as secrets_redact
from workbench.core.session_lock import SessionLock

FORMAT_VERSION = 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_EVENT_LINE = b'{"k":"event"'  # how the writer begins an event line (other kinds need not be decoded to skip)
_COUNTED = re.compile(
    rb'\n\{"k":"event","e":\{"type":"(tool_call_ready|tool_call_finished|turn_started)","agent_path":\[\],'
    rb'(?:"call_id":"([^"\\]*)"|"turn":(\d+))'
)
_BLOCK = 64 * 1024
TAIL_EVENTS = 200  # a screenful and more, for a resume's first frame
TAIL_BYTES = 256 * 1024
_SYNC_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcript-fsync")
# rebuilt from complete events; not stored
TRANSIENT_EVENTS = (TextDelta, ToolInputDelta, RetryCountdown, ToolProgress)


# Tool output is redacted by the tools themselves; thinking blocks are signed and must go back verbatim.
_ALREADY_REDACTED = frozenset({"output"})
_VERBATIM_BLOCKS = frozenset({"thinking", "redacted_thinking", "tool_result"})


def scrub(value: Any) -> Any:
    """A copy of a record with secret values in its strings redacted (API keys, tokens, KEY=value, keys)."""
    if isinstance(value, str):
        return secrets_redact(value)
    if isinstance(value, dict):
        if value.get("type") in _VERBATIM_BLOCKS:
            return value
        return {k: v if k in _ALREADY_REDACTED else scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def latest_plan(events: list[Event]) -> list[PlanItem]:
    for event in reversed(events):
        if isinstance(event, PlanUpdated):
            return list(event.items)
    return []


class SessionNotFound(LookupError):
    pass


def new_session_id() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


@dataclass
class LoadedSession:
    id: str
    path: Path
    meta: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)  # grant and revoke records, in order
    system: dict[str, Any] | None = None  # the latest system prompt record
    model: str | None = None  # the model chosen last with set_model
    mode: str | None = None  # the permission mode last put in force (a resume's --mode, set_mode)
    skipped_lines: int = 0  # torn or unreadable lines
    cuts: list[Any] = field(default_factory=list)  # conversation rewinds applied to `messages`, for undo

    @property
    def plan(self) -> list[PlanItem]:
        return latest_plan(self.events)


@dataclass(frozen=True)
class SessionSummary:
    id: str
    path: Path
    created: str
    updated: float
    persona_id: str
    model: str
    first_prompt: str
    turns: int


@dataclass
class SessionTail:
    """The end of a transcript, read without the rest: enough events for a screenful (see `SessionStore.tail`)."""

    id: str
    path: Path
    events: list[Event]
    start: int  # the byte offset of the first line read; everything before it was not
    skipped_lines: int = 0

    @property
    def plan(self) -> list[PlanItem]:
        """The newest plan among these events ([] when the tail holds none)."""
        return latest_plan(self.events)


class Transcript:
    """An open transcript: append records, flush each, fsync on `sync()`."""

    def __init__(self, path: Path, handle: IO[str], lock: SessionLock | None = None) -> None:
        self.path = path
        self._fh = handle
        self.lock = lock
        self._syncing: Future[None] | None = None
        self.failure: str | None = None

    def _write(self, record: dict[str, Any]) -> None:
        if self.failure is not None:
            return
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        if not line.isascii() and _SURROGATE.search(line):  # bytes that are not UTF-8: kept, as JSON escapes
            line = json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str)
        try:
            self._fh.write(line + "\n")
            self._fh.flush()
        except (OSError, ValueError) as exc:  # disk full, file gone: the session goes on unsaved, and says so
            self.failure = f"the transcript {self.path} could not be written ({exc}); this session is not being saved"

    def meta(self, data: dict[str, Any]) -> None:
        self._write({"k": "meta", "v": FORMAT_VERSION, **data})

    def event(self, event: Event) -> None:
        if not isinstance(event, TRANSIENT_EVENTS):
            self._write({"k": "event", "e": scrub(event.to_json())})

    def message(self, message: dict[str, Any]) -> None:
        self._write({"k": "msg", "m": scrub(message)})

    def model(self, model: str) -> None:
        self._write({"k": "model", "model": model})

    def mode(self, mode: str) -> None:
        self._write({"k": "mode", "mode": mode})

    def compacted(self, messages: list[dict[str, Any]]) -> None:
        """The model's history from here on starts over as `messages` (a compaction summary)."""
        self._write({"k": "compact", "m": scrub(messages)})

    def system(self, data: dict[str, Any]) -> None:
        self._write({"k": "system", **scrub(data)})

    def ledger(self, kind: str, grant: dict[str, Any]) -> None:
        """A session grant given ("grant") or revoked ("revoke"); values are redacted: a grant whose pattern held a
        secret comes back as one that never matches, so it asks again."""
        self._write({"k": kind, "grant": scrub(grant)})

    def sync(self) -> None:
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except (OSError, ValueError) as exc:
            self.failure = self.failure or f"the transcript {self.path} could not be saved ({exc})"

    def sync_soon(self) -> None:
        """Flush now and fsync on a worker thread: a turn's end does not wait for the disk.

        Every line is already with the OS once flushed (a killed process loses nothing); the fsync is
        for power loss, so it may finish a few milliseconds after the turn. `close()` waits for it.
        """
        try:
            self._fh.flush()
        except (OSError, ValueError) as exc:
            self.failure = self.failure or f"the transcript {self.path} could not be saved ({exc})"
            return
        if self._syncing is not None and not self._syncing.done():
            return  # one in flight covers everything flushed before it runs
        self._syncing = _SYNC_POOL.submit(os.fsync, self._fh.fileno())

    def close(self) -> None:
        if not self._fh.closed:
            if self._syncing is not None:
                with contextlib.suppress(OSError):
                    self._syncing.result()
            self.sync()
            with contextlib.suppress(OSError, ValueError):
                self._fh.close()
        if self.lock is not None:
            self.lock.release()


class SessionStore:
    def __init__(self, workspace: Path, root: Path | None = None) -> None:
        self.workspace = workspace
        self.root = root or paths.sessions_dir(workspace)

    def path(self, session_id: str) -> Path:
        return self.root / f"{session_id}.jsonl"

    def audit_path(self, session_id: str) -> Path:
        return self.root / f"{session_id}.audit.jsonl"

    def lock_path(self, session_id: str) -> Path:
        return self.root / f"{session_id}.lock"

    def create(self, session_id: str, meta: dict[str, Any]) -> Transcript:
        paths.private_dir(self.root)
        target = self.path(session_id)
        lock = self.lock(session_id)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        transcript = Transcript(target, os.fdopen(fd, "a", encoding="utf-8"), lock)
        transcript.meta({"id": session_id, "created": dt.datetime.now(dt.UTC).isoformat(), **meta})
        transcript.sync()
        return transcript

    def lock(self, session_id: str) -> SessionLock:
        """The session's writer lock; SessionBusy when another process holds it."""
        return SessionLock(self.lock_path(session_id), session_id)

    def reopen(self, session_id: str, lock: SessionLock | None = None) -> Transcript:
        """Append to an existing transcript under its lock (taken here unless given), first cutting a torn last
        line so new records start clean."""
        held = lock or self.lock(session_id)
        target = self.path(session_id)
        try:
            with open(target, "rb+") as fh:
                data = fh.read()
                if data and not data.endswith(b"\n"):
                    fh.truncate(data.rfind(b"\n") + 1)
            return Transcript(target, open(target, "a", encoding="utf-8"), held)
        except BaseException:
            held.release()
            raise

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        names = (p.name[: -len(".jsonl")] for p in self.root.glob("*.jsonl") if not p.name.endswith(".audit.jsonl"))
        return sorted(names)

    def resolve(self, session_id: str) -> str:
        """An exact id, a unique prefix, or "latest" (the most recently written session)."""
        known = self.ids()
        if session_id == "latest":
            if not known:
                raise SessionNotFound(f"no sessions yet for {self.workspace}")
            return max(known, key=lambda s: (self.path(s).stat().st_mtime, s))
        if session_id in known:
            return session_id
        matches = [s for s in known if s.startswith(session_id)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            listing = paths.command("sessions", "list")
            raise SessionNotFound(f"no session {session_id!r} for {self.workspace} (see `{listing}`)")
        raise SessionNotFound(f"{session_id!r} matches several sessions: {', '.join(matches[:5])}")

    def load(self, session_id: str) -> LoadedSession:
        sid = self.resolve(session_id)
        target = self.path(sid)
        loaded = LoadedSession(id=sid, path=target, meta={})
        repeats = _Repeats()
        for record in _records(target, loaded):
            kind = record.get("k")
            if kind == "meta" and not loaded.meta:
                loaded.meta = record
            elif kind == "msg" and isinstance(record.get("m"), dict):
                _add_message(loaded.messages, record["m"])
            elif kind == "compact" and isinstance(record.get("m"), list):
                loaded.messages = [m for m in record["m"] if isinstance(m, dict)]
            elif kind == "event" and isinstance(record.get("e"), dict):
                repeats.share(record["e"])
                try:
                    loaded.events.append(event_from_json(record["e"]))
                except DecodeError:
                    loaded.skipped_lines += 1
                    continue
                if isinstance(loaded.events[-1], Rewound):  # a conversation rewind cuts the history here
                    loaded.messages = replay_rewind(loaded.messages, loaded.events[-1], loaded.cuts)
            elif kind in ("grant", "revoke"):
                loaded.grants.append(record)
            elif kind == "system":
                loaded.system = record
            elif kind == "model" and isinstance(record.get("model"), str):
                loaded.model = record["model"]
            elif kind == "mode" and isinstance(record.get("mode"), str):
                loaded.mode = record["mode"]
        if not loaded.meta:
            raise SessionNotFound(f"{target} is not a workbench session transcript")
        return loaded

    def tail(self, session_id: str, *, max_events: int = TAIL_EVENTS, max_bytes: int = TAIL_BYTES) -> SessionTail:
        """The last `max_events` events of a transcript, reading it backwards in blocks until it holds that many
        complete event lines or `max_bytes`, whichever comes first; only those lines are decoded. Lines `load`
        skips are skipped here too (a torn last line, bad JSON, an event that does not decode). A rewind or a
        compaction in the tail is an event like any other: what it did to the history is `load`'s business."""
        sid = self.resolve(session_id)
        target = self.path(sid)
        with open(target, "rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            start, data = _read_back(fh, end, max_events, max_bytes)
        lines = data.split(b"\n")
        torn = lines.pop()  # after the last newline: empty, or a line the writer did not finish
        if start > 0 and lines:  # the first piece is the end of a line that began before the bytes read: not used
            lines.pop(0)
        out = SessionTail(id=sid, path=target, events=[], start=end - len(torn), skipped_lines=1 if torn else 0)
        for raw in reversed(lines):
            if len(out.events) >= max_events:
                break
            out.start -= len(raw) + 1
            if raw.startswith(b'{"k":"') and not raw.startswith(_EVENT_LINE):
                continue  # the writer's own prefix names another kind of record: not decoded
            try:
                record = json.loads(raw)
            except ValueError:
                out.skipped_lines += 1
                continue
            if not isinstance(record, dict) or record.get("k") != "event" or not isinstance(record.get("e"), dict):
                continue
            try:
                out.events.append(event_from_json(record["e"]))
            except DecodeError:
                out.skipped_lines += 1
        out.events.reverse()
        return out

    def summaries(self) -> list[SessionSummary]:
        out: list[SessionSummary] = []
        for sid in self.ids():
            try:
                loaded = self.load(sid)
            except (SessionNotFound, OSError):
                continue
            prompts = [e for e in loaded.events if e.type == "turn_started"]
            first = str(getattr(prompts[0], "prompt", "")) if prompts else ""
            meta = loaded.meta
            out.append(
                SessionSummary(
                    id=sid,
                    path=loaded.path,
                    created=str(meta.get("created", "")),
                    updated=loaded.path.stat().st_mtime,
                    persona_id=str(meta.get("persona", {}).get("id", "")),
                    model=str(meta.get("model", "")),
                    first_prompt=first,
                    turns=len(prompts),
                )
            )
        out.sort(key=lambda s: (s.updated, s.id), reverse=True)
        return out


class _Repeats:
    """What the transcript writes twice, decoded once: a turn's `turn_done` repeats its last answer's text, and a
    call's `tool_call_finished` repeats the input its `tool_call_ready` gave. Equal values share one object (a
    10,000-entry session holds megabytes of them twice otherwise); what differs stays as written."""

    def __init__(self) -> None:
        self._answers: dict[str, str] = {}  # agent path (as text: any JSON may be there) -> its latest answer
        self._inputs: dict[str, Any] = {}  # call id -> the input its ready event gave, until it finishes

    def share(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "assistant_text" and isinstance(event.get("text"), str):
            self._answers[str(event.get("agent_path"))] = event["text"]
        elif kind == "turn_done":
            last = self._answers.get(str(event.get("agent_path")))
            if last is not None and event.get("final_text") == last:
                event["final_text"] = last
        elif kind == "tool_call_ready" and isinstance(event.get("input"), dict):
            self._inputs[str(event.get("call_id"))] = event["input"]
        elif kind == "tool_call_finished":
            given = self._inputs.pop(str(event.get("call_id")), None)
            if given is not None and event.get("input") == given:
                event["input"] = given


def _add_message(messages: list[dict[str, Any]], message: dict[str, Any]) -> None:
    if message.get("merge") and messages and messages[-1].get("role") == message.get("role"):
        last = messages[-1]
        messages[-1] = {**last, "content": [*list(last.get("content") or []), *list(message.get("content") or [])]}
    else:
        messages.append({k: v for k, v in message.items() if k != "merge"})


def counts_before(tail: SessionTail) -> tuple[int, int]:
    """(tool calls, turn) of the top-level events before `tail`, from the lines' prefixes, without decoding them:
    a call counts once whether its ready event, its finished event or both were written; the turn is the last
    turn number, as `turn_started` events give it. A hint (content shaped like a prefix can mislead it): a front
    end that shows the tail with these numbers checks them against the full load."""
    if tail.start <= 0:
        return 0, 0
    with open(tail.path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as head:
        first = _COUNTED.findall(b"\n" + head[: min(tail.start, 4096)].split(b"\n", 1)[0])  # the file's first line
        found = first + _COUNTED.findall(head, 0, tail.start)  # the pattern starts at a newline: no copy of the file
    calls, turn = 0, 0
    ready: set[bytes] = set()
    for kind, call_id, number in found:
        if kind == b"turn_started":
            turn = max(turn + 1, int(number))
        elif kind == b"tool_call_ready":
            ready.add(call_id)
            calls += 1
        elif call_id not in ready:
            calls += 1
    return calls, turn


def _read_back(fh: IO[bytes], end: int, max_events: int, max_bytes: int) -> tuple[int, bytes]:
    """(offset, bytes) from the end of `fh` back to where it holds more than `max_events` event lines (one more
    than asked: the first may be cut), `max_bytes`, or the start of the file."""
    data = b""
    start = end
    while start > 0 and len(data) < max_bytes and data.count(b"\n" + _EVENT_LINE) <= max_events:
        step = min(_BLOCK, start, max(1, max_bytes - len(data)))
        start -= step
        fh.seek(start)
        data = fh.read(step) + data
    return start, data


def _records(path: Path, loaded: LoadedSession) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):  # a torn last line: the process died while writing it
                loaded.skipped_lines += 1
                return
            try:
                record = json.loads(raw)
            except ValueError:
                loaded.skipped_lines += 1
                continue
            if isinstance(record, dict):
                yield record


def list_sessions(workspace: Path) -> list[SessionSummary]:
    return SessionStore(workspace).summaries()


def find_store(session_id: str, workspace: Path | None = None) -> SessionStore:
    """The store holding `session_id`: the workspace's, or any project's when no workspace is given."""
    if workspace is not None:
        return SessionStore(workspace)
    projects = paths.data_dir() / "projects"
    for folder in sorted(projects.glob("*/sessions")) if projects.is_dir() else []:
        store = SessionStore(Path(folder.parent.name), root=folder)
        if any(s == session_id or s.startswith(session_id) for s in store.ids()):
            return store
    raise SessionNotFound(f"no session {session_id!r} in any project")


def load(session_id: str, workspace: Path | None = None) -> LoadedSession:
    return find_store(session_id, workspace).load(session_id)


def export_markdown(session_id: str, workspace: Path | None = None) -> str:
    from workbench.core.agent.report import session_markdown

    store = find_store(session_id, workspace)
    loaded = store.load(session_id)
    return session_markdown(loaded, store.audit_path(loaded.id))
