"""A resumed session's end is on screen before the SDK is imported; the screen imports it in the background
afterwards, and the first prompt then reaches the model."""

from __future__ import annotations

from pathlib import Path

from tests.core.agent.helpers import probe_a_saved_session

# A fresh interpreter: the app resumes the latest session, headless.
PROBE = """
import asyncio, json, sys
from pathlib import Path
from textual.screen import Screen
from workbench.config import Config
from workbench.tui.app import create_app

seen = {}
draw = Screen._compositor_refresh


def refresh(self):  # after each drawn frame: is the resumed session's last message on screen yet?
    draw(self)
    screen = self.app.screen
    entries = getattr(getattr(screen, "chat", None), "transcript", None)
    last = entries.entries[-1].widget if entries is not None and entries.entries else None
    if "shown" not in seen and last is not None and last in self._compositor.visible_widgets:
        seen["shown"] = [e.kind for e in entries.entries]
        seen["sdk_when_shown"] = "anthropic" in sys.modules


Screen._compositor_refresh = refresh


async def until(pilot, condition, timeout=30.0):
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return False


async def main():
    app = create_app(Path(sys.argv[1]), continue_=True, config=Config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await until(pilot, lambda: "shown" in seen)
        seen["warmed"] = await until(pilot, lambda: "anthropic" in sys.modules)
        await pilot.press(*"and again", "enter")
        await until(pilot, lambda: any(e.type == "turn_done" for e in screen.events))
        seen["after"] = [e.kind for e in screen.chat.transcript.entries if e.kind in ("user", "answer")]


asyncio.run(main())
print(json.dumps(seen))
"""


def test_resume_draws_the_last_message_before_the_sdk_is_imported(tmp_path: Path) -> None:
    probed = probe_a_saved_session(tmp_path, PROBE, timeout=120)
    seen = probed.seen
    assert seen["shown"] == ["user", "answer"]
    assert seen["sdk_when_shown"] is False, "the SDK was imported before the resumed session's end was drawn"
    assert seen["warmed"] is True, "the screen did not import the SDK in the background"
    assert seen["after"] == ["user", "answer", "user", "answer"]
    assert len(probed.requests) == 2 and [m["role"] for m in probed.requests[-1]] == ["user", "assistant", "user"]
