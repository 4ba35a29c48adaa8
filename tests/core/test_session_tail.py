"""A transcript's tail read without the rest: the same events `load` ends with, whatever the file holds."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.core.events import (
    AssistantText,
    Event,
    Notice,
    ToolCallFinished,
    ToolCallReady,
    TurnStarted,
)
from workbench.core.session_store import SessionStore, counts_before


def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path, root=tmp_path / "sessions")


def write(st: SessionStore, events: list[Event], *, padding: int = 0) -> Path:
    t = st.create("s1", {"persona": {"id": "p"}, "model": "m"})
    for ev in events:
        t.event(ev)
        if padding:
            t.message({"role": "user", "content": "x" * padding})
    t.close()
    return st.path("s1")


def notices(count: int) -> list[Event]:
    return [Notice(level="info", message=f"note {i}") for i in range(count)]


def test_a_long_transcript_gives_its_last_events_reading_only_its_end(tmp_path: Path) -> None:
    st = store(tmp_path)
    path = write(st, notices(3000), padding=400)
    tail = st.tail("s1", max_events=50)
    assert tail.events == st.load("s1").events[-50:]
    size = path.stat().st_size
    assert size - tail.start < 64 * 1024  # one block from the end was enough
    assert path.read_bytes()[tail.start :].startswith(b'{"k":"event"')


def test_max_bytes_stops_the_reading_first(tmp_path: Path) -> None:
    st = store(tmp_path)
    write(st, notices(3000), padding=4000)
    tail = st.tail("s1", max_events=500, max_bytes=20_000)
    assert 0 < len(tail.events) < 10
    assert tail.events == st.load("s1").events[-len(tail.events) :]


def test_a_torn_last_line_and_bad_lines_are_skipped_as_load_skips_them(tmp_path: Path) -> None:
    st = store(tmp_path)
    path = write(st, notices(20))
    with open(path, "ab") as fh:
        fh.write(b"{not json\n")
        fh.write(b'{"k":"event","e":{"type":"no_such_event"}}\n')
        fh.write(b'{"k":"event","e":"not an object"}\n')
        fh.write(b"[1, 2]\n")
        spaced = {"k": "event", "e": Notice(level="info", message="note 19").to_json()}
        fh.write(json.dumps(spaced).encode() + b"\n")  # not the writer's spacing: still an event
        fh.write(b'{"k":"event","e":{"type":"notice","agent_path":[],"level":"info","mess')  # torn
    loaded = st.load("s1")
    tail = st.tail("s1")
    assert tail.events == loaded.events
    assert tail.events[-1] == Notice(level="info", message="note 19")
    assert tail.events[-2] == tail.events[-1]
    assert tail.skipped_lines == loaded.skipped_lines == 3  # bad JSON, an unknown event, the torn line


def test_a_file_smaller_than_a_block_is_read_whole(tmp_path: Path) -> None:
    st = store(tmp_path)
    write(st, notices(3))
    tail = st.tail("s1")
    assert tail.events == notices(3)
    assert tail.start == 0


def test_a_transcript_with_no_events_gives_none(tmp_path: Path) -> None:
    st = store(tmp_path)
    write(st, [])
    tail = st.tail("s1")
    assert tail.events == []
    assert tail.plan == []


def test_counts_before_the_tail_match_the_events_before_it(tmp_path: Path) -> None:
    events: list[Event] = []
    for n in range(40):
        events.append(TurnStarted(turn=n + 1, prompt=f"p{n}", persona_id="p", model="m"))
        events.append(ToolCallReady(call_id=f"c{n}", tool="Read", input={}))
        events.append(
            ToolCallFinished(call_id=f"c{n}", tool="Read", input={}, output="x", is_error=False, duration_ms=1)
        )
        events.append(
            ToolCallFinished(call_id=f"d{n}", tool="Bash", input={}, output="y", is_error=False, duration_ms=1)
        )
        sub = ToolCallReady(call_id=f"s{n}", tool="Read", input={}, agent_path=("child",))
        events.append(sub)  # a subagent's call: numbered on its own card, not here
        events.append(AssistantText(text='"type":"tool_call_ready" in an answer is only text'))
    st = store(tmp_path)
    write(st, events)
    tail = st.tail("s1", max_events=60)
    assert tail.events == events[-60:]
    assert counts_before(tail) == (2 * 30, 30)  # 30 turns before the last 60 events, two calls each
