"""The transcript store: append, fsync, torn last lines, resolve ids, list and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.core.agent.report import session_markdown
from workbench.core.events import AssistantText, PlanItem, PlanUpdated, TextDelta, ToolCallFinished, TurnStarted
from workbench.core.markdown_safe import fenced
from workbench.core.session_store import SessionNotFound, SessionStore, list_sessions, load


def _write_session(store: SessionStore, sid: str) -> None:
    t = store.create(sid, {"workspace": str(store.workspace), "persona": {"id": "p", "path": "/x"}, "model": "m"})
    t.event(TurnStarted(turn=1, prompt="first prompt", persona_id="p", model="m"))
    t.message({"role": "user", "content": [{"type": "text", "text": "first prompt"}]})
    t.event(TextDelta(text="not stored"))
    t.event(AssistantText(text="answer ```with fence```"))
    t.event(PlanUpdated(items=(PlanItem(content="step one", status="in_progress"),)))
    t.event(
        ToolCallFinished(
            call_id="c1", tool="Bash", input={"command": "ls"}, output="\x1b[31mred", is_error=False, duration_ms=3.0
        )
    )
    t.message({"role": "user", "content": [{"type": "text", "text": "more"}], "merge": True})
    t.close()


def test_round_trip_skips_deltas_and_merges(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    _write_session(store, "20260101-000000-aaaaaa")
    loaded = store.load("20260101")
    assert loaded.meta["model"] == "m" and loaded.skipped_lines == 0
    assert [e.type for e in loaded.events] == ["turn_started", "assistant_text", "plan_updated", "tool_call_finished"]
    assert loaded.messages == [
        {"role": "user", "content": [{"type": "text", "text": "first prompt"}, {"type": "text", "text": "more"}]}
    ]
    assert loaded.plan == [PlanItem(content="step one", status="in_progress")]
    assert (store.path(loaded.id).stat().st_mode & 0o777) == 0o600


def test_torn_last_line_is_skipped_and_cut_before_appending(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    sid = "20260101-000000-bbbbbb"
    _write_session(store, sid)
    with open(store.path(sid), "a", encoding="utf-8") as fh:
        fh.write('{"k":"event","e":{"type":"assistant_text","te')
    loaded = store.load(sid)
    assert loaded.skipped_lines == 1 and len(loaded.events) == 4
    t = store.reopen(sid)
    t.event(AssistantText(text="after the crash"))
    t.close()
    again = store.load(sid)
    assert again.skipped_lines == 0 and again.events[-1] == AssistantText(text="after the crash")
    for line in store.path(sid).read_text().splitlines():
        json.loads(line)


def test_latest_prefixes_and_unknown_ids(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    _write_session(store, "20260101-000000-aaaaaa")
    _write_session(store, "20260102-000000-bbbbbb")
    assert store.resolve("latest") in store.ids()
    with pytest.raises(SessionNotFound, match="no session 'zzz'"):
        store.load("zzz")
    with pytest.raises(SessionNotFound, match="matches several"):
        store.load("2026010")
    with pytest.raises(SessionNotFound, match="no sessions yet"):
        SessionStore(tmp_path / "other").load("latest")
    rows = list_sessions(tmp_path)
    assert {r.id for r in rows} == set(store.ids()) and rows[0].first_prompt == "first prompt"
    assert load("20260102-000000-bbbbbb").id == "20260102-000000-bbbbbb"  # found without naming the project


def test_markdown_export_fences_untrusted_text(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    _write_session(store, "20260101-000000-cccccc")
    report = session_markdown(store.load("20260101"), store.audit_path("none"))
    assert "## Plan" in report and "[~] `step one`" in report
    assert "#### `Bash` (ok, `allow`, 3 ms)" in report
    assert "````markdown\nanswer ```with fence```\n````" in report
    assert "_No audit log for this session._" in report
    assert fenced("a ````` b").startswith("``````\n")


def test_secrets_are_redacted_in_the_transcript_but_thinking_stays_verbatim(tmp_path: Path) -> None:
    from workbench.core.events import ToolCallReady

    store = SessionStore(tmp_path)
    t = store.create("20260101-000000-eeeeee", {"workspace": str(tmp_path)})
    token = "sk-ant-api03-" + "x" * 30
    t.event(ToolCallReady(call_id="c", tool="Bash", input={"command": f"curl -H 'x-api-key: {token}' https://e"}))
    t.message(
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": f"the key {token}", "signature": "sig"},
                {"type": "text", "text": f"use {token}"},
            ],
        }
    )
    t.close()
    raw = store.path("20260101-000000-eeeeee").read_text()
    loaded = store.load("20260101")
    assert raw.count(token) == 1  # only inside the signed thinking block
    assert loaded.messages[0]["content"][0]["thinking"] == f"the key {token}"
    assert token not in loaded.messages[0]["content"][1]["text"]
    assert token not in json.dumps(loaded.events[0].to_json())


def test_what_the_transcript_repeats_is_shared_when_loaded_and_kept_when_it_differs(tmp_path: Path) -> None:
    """A turn's end repeats its last answer and a finished call repeats its input: loaded, equal values are one
    object (memory in long sessions), unequal ones stay as written, and odd agent paths do not break loading."""
    from workbench.core.events import ToolCallReady, TurnDone, UsageInfo

    store = SessionStore(tmp_path)
    sid = "20260101-000000-eeeeee"
    t = store.create(sid, {"workspace": str(tmp_path), "persona": {"id": "p", "path": "/x"}, "model": "m"})
    answer = "The answer, " + "long " * 50
    t.event(ToolCallReady(call_id="c1", tool="Bash", input={"command": "ls -la"}))
    t.event(
        ToolCallFinished(
            call_id="c1", tool="Bash", input={"command": "ls -la"}, output="x", is_error=False, duration_ms=1.0
        )
    )
    t.event(ToolCallReady(call_id="c2", tool="Bash", input={"command": "pwd"}))
    t.event(
        ToolCallFinished(
            call_id="c2", tool="Bash", input={"command": "whoami"}, output="y", is_error=False, duration_ms=1.0
        )
    )
    t.event(AssistantText(text=answer))
    t.event(AssistantText(text="a subagent's answer", agent_path=("helper",)))
    t.event(TurnDone(stop_reason="end_turn", final_text=answer, usage=UsageInfo()))
    t.event(TurnDone(stop_reason="end_turn", final_text="something else", usage=UsageInfo()))
    t.close()
    with open(store.path(sid), "a", encoding="utf-8") as fh:  # agent paths no writer makes: still loaded
        fh.write(json.dumps({"k": "event", "e": {"type": "assistant_text", "text": "odd", "agent_path": {"a": [1]}}}))
        fh.write("\n")
        fh.write(
            json.dumps(
                {
                    "k": "event",
                    "e": {
                        "type": "turn_done",
                        "stop_reason": "end_turn",
                        "final_text": "odd",
                        "usage": {},
                        "agent_path": {"a": [1]},
                    },
                }
            )
        )
        fh.write("\n")
    events = store.load(sid).events
    ready, finished, ready2, finished2, text, _sub, done, other, odd_text, odd_done = events
    assert finished.input is ready.input and finished.input == {"command": "ls -la"}
    assert finished2.input == {"command": "whoami"} and ready2.input == {"command": "pwd"}
    assert done.final_text is text.text and done.final_text == answer
    assert other.final_text == "something else"
    assert odd_done.final_text == odd_text.text == "odd"


def test_a_hand_edited_rewind_record_still_shows(tmp_path: Path) -> None:
    """A saved rewind whose `failed` list holds odd shapes is still listed, not a crash."""
    from workbench.core.checkpoint.report import event_lines
    from workbench.core.events import Rewound

    store = SessionStore(tmp_path)
    sid = "20260101-000000-ffffff"
    store.create(sid, {"workspace": str(tmp_path), "persona": {"id": "p", "path": "/x"}, "model": "m"}).close()
    odd = {"type": "rewound", "to_turn": 1, "files": True, "conversation": False,
           "failed": [["a.py", "it is a folder now"], [1, 2, 3], "plain", []]}  # fmt: skip
    with open(store.path(sid), "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"k": "event", "e": odd}) + "\n")
    (event,) = store.load(sid).events
    assert isinstance(event, Rewound)
    lines = event_lines(event)
    assert "  failed   a.py: it is a folder now" in lines
    assert len([line for line in lines if line.startswith("  failed")]) == 4
