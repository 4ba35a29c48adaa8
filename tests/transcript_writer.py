"""Appends turns to a saved session through SessionStore as fast as it can, until it is killed.

`python -m tests.transcript_writer ROOT SESSION_ID SEED`: resumes the session the way AgentSession does (the
writer's lock, a torn last line cut, the next turn numbered after the last one started, a prompt after an
unanswered prompt merged into it), prints "ready", then writes turns with payloads of random size, so a kill
lands anywhere: inside a line, between the records of a turn, during an fsync. The disk here is a slow one: it
takes at most 1 KiB per write(), a fraction of a millisecond each, as a loaded or networked disk may (a local
disk takes a whole line in one write(), and a kill never lands inside it), so a record is written in pieces.
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
from pathlib import Path

from workbench.core.events import AssistantText, TurnDone, TurnStarted, UsageInfo
from workbench.core.session_store import SessionStore


class _Pieces(io.RawIOBase):
    """A slow file descriptor: at most 1 KiB per write(); the buffered writer above loops for the rest."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, data: bytes) -> int:  # type: ignore[override]
        time.sleep(0.0002)
        return os.write(self.fd, bytes(data[:1024]))


def main(root: str, session_id: str, seed: str) -> None:
    rng = random.Random(int(seed))
    store = SessionStore(Path("."), root=Path(root))
    transcript = store.reopen(session_id)
    pieces = _Pieces(os.dup(transcript._fh.fileno()))  # the same open file (O_APPEND), written in pieces
    transcript._fh = io.TextIOWrapper(io.BufferedWriter(pieces), encoding="utf-8")
    loaded = store.load(session_id)
    turn = sum(1 for e in loaded.events if isinstance(e, TurnStarted))
    last_role = loaded.messages[-1]["role"] if loaded.messages else "assistant"
    print("ready", flush=True)
    while True:
        turn += 1
        payload = "x" * rng.randint(1, 12_000)  # most records take several pieces
        prompt = {"type": "text", "text": f"prompt {turn} {payload}"}
        transcript.event(TurnStarted(turn=turn, prompt=f"prompt {turn}", persona_id="p", model="m"))
        if last_role == "user":  # the previous turn never got its answer
            transcript.message({"role": "user", "content": [prompt], "merge": True})
        else:
            transcript.message({"role": "user", "content": [prompt]})
        last_role = "user"
        answer = f"answer {turn} {payload}"
        transcript.event(AssistantText(text=answer))
        transcript.message({"role": "assistant", "content": [{"type": "text", "text": answer}]})
        last_role = "assistant"
        transcript.event(TurnDone(stop_reason="end_turn", final_text=answer, usage=UsageInfo(), session_id=session_id))
        transcript.sync_soon()
        if transcript.failure:
            sys.exit(transcript.failure)


if __name__ == "__main__":
    main(*sys.argv[1:4])
