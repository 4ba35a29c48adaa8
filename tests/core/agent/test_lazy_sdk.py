"""Opening a saved session does not import the SDK (over a second); the first request does, and works."""

from __future__ import annotations

from pathlib import Path

from tests.core.agent.helpers import probe_a_saved_session

# Run in a fresh interpreter: the session module, then the saved session opened as the screen opens it.
PROBE = """
import asyncio, json, sys
from pathlib import Path

import workbench.core.agent.session
from workbench.core.approvals import DenyAll
from workbench.core.assembly import OpenRequest, open_session

seen = {"imported": "anthropic" in sys.modules}


async def main() -> None:
    opened = await open_session(OpenRequest(Path(sys.argv[1]), approver=DenyAll(), resume="latest"))
    session = opened.session
    seen["opened"] = "anthropic" in sys.modules
    seen["shown"] = [e.text for e in session.events if e.type == "assistant_text"]
    events = [e async for e in session.run_turn("and again")]
    seen["answers"] = [e.text for e in events if e.type == "assistant_text"]
    seen["stop"] = [e.stop_reason for e in events if e.type == "turn_done"]
    seen["after_turn"] = "anthropic" in sys.modules
    await opened.aclose()


asyncio.run(main())
print(json.dumps(seen))
"""


def test_resume_leaves_the_sdk_unimported_until_the_first_request(tmp_path: Path) -> None:
    probed = probe_a_saved_session(tmp_path, PROBE)
    seen, sent = probed.seen, probed.requests[-1]
    assert seen["imported"] is False, "importing workbench.core.agent.session imported the SDK"
    assert seen["opened"] is False, "opening a saved session imported the SDK"
    assert seen["shown"] == ["First answer."]
    assert seen["answers"] == ["Second answer."] and seen["stop"] == ["end_turn"]
    assert seen["after_turn"] is True
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"][0]["text"] == "First answer."
