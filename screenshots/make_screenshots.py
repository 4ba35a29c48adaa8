"""Regenerate the screenshots in this folder from the same app states the snapshot tests use.

    .venv/bin/python screenshots/make_screenshots.py     (or: make screenshots)

Each state of tests/tui/states.py is driven by a pilot on a fresh sample repository, at 160x48 and 80x24, and
saved as an SVG. Nothing here is hand-edited.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.tui.samples import make_repo  # noqa: E402
from tests.tui.scripted import make_persona, scripted_factory  # noqa: E402
from tests.tui.states import STATES, State  # noqa: E402
from workbench.config import Config  # noqa: E402
from workbench.tui.app import create_app  # noqa: E402

SIZES = ((160, 48), (80, 24))


async def shoot(state: State, size: tuple[int, int], root: Path) -> Path:
    repo = make_repo(root / f"{state.name}-{size[0]}", name="myservice")
    factory = scripted_factory([list(t) for t in state.turns], **state.extras)
    app = create_app(
        repo, persona=make_persona(), factory=factory, config=Config(), credentials=lambda: (True, "screenshots")
    )
    target = HERE / f"{state.name}-{size[0]}x{size[1]}.svg"
    async with app.run_test(size=size) as pilot:
        await state.drive(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(filename=target.name, path=str(HERE))
    return target


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        os.environ["HOME"] = str(Path(tmp) / "home")
        for key in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
            os.environ.pop(key, None)
        for state in STATES.values():
            for size in SIZES:
                path = await shoot(state, size, Path(tmp))
                print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
