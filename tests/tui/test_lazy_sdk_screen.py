"""A resumed session's end is on screen before the SDK is imported; the screen imports it in the background
afterwards, and the first prompt then reaches the model."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.agent.helpers import git_repo, run_cli, run_python
from workbench.testing import MessagesPeer, reply, text

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
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    with MessagesPeer([reply(text("First answer.")), reply(text("Second answer."))]) as peer:
        first = run_cli(["run", "hello", "--cwd", str(repo)], base_url=peer.url, home=home)
        assert first.returncode == 0, first.stderr
        probe = run_python(["-c", PROBE, str(repo)], base_url=peer.url, home=home, timeout=120)
        sent = peer.message_requests[-1].messages
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.splitlines()[-1])
    assert seen["shown"] == ["user", "answer"]
    assert seen["sdk_when_shown"] is False, "the SDK was imported before the resumed session's end was drawn"
    assert seen["warmed"] is True, "the screen did not import the SDK in the background"
    assert seen["after"] == ["user", "answer", "user", "answer"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"] and len(peer.message_requests) == 2
