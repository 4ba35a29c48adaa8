"""How the SDK is loaded: without the aiohttp transport the workbench never uses, with the collector held off
and what it loaded frozen; and an SDK that does need the transport still loads, whole."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.core.agent.helpers import run_python
from workbench.testing import MessagesPeer, reply, text

LOAD_AND_ASK = """
import asyncio, gc, json, sys
from workbench.core.agent.client import import_sdk, make_client

gc_before = gc.isenabled()
import_sdk()
import anthropic

async def ask() -> str:
    client = make_client()
    async with client.messages.stream(
        model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        answer = await stream.get_final_text()
    await client.close()
    return answer

try:
    anthropic.DefaultAioHttpClient()
    aio = "built"
except RuntimeError as exc:
    aio = str(exc)
print(json.dumps({
    "answer": asyncio.run(ask()),
    "aiohttp_loaded": "aiohttp" in sys.modules,
    "aio_client": aio,
    "gc_enabled": gc.isenabled() and gc_before,
    "frozen": gc.get_freeze_count(),
}))
"""


def _python(code: str, home: Path, *, base_url: str | None = None, path: Path | None = None) -> dict[str, object]:
    """Run `code` in a fresh interpreter (`path` first on sys.path) and read the JSON its last line prints."""
    first = f"import sys; sys.path.insert(0, {str(path)!r})\n" if path is not None else ""
    done = run_python(["-c", first + code], base_url=base_url, home=home, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_sdk_loads_without_its_aiohttp_transport_and_answers(tmp_path: Path) -> None:
    with MessagesPeer([reply(text("Hello from the peer."))]) as peer:
        seen = _python(LOAD_AND_ASK, tmp_path, base_url=peer.url)
    assert seen["answer"] == "Hello from the peer."
    assert seen["aiohttp_loaded"] is False, "the aiohttp transport was imported"
    assert "aiohttp" in str(seen["aio_client"]), "the SDK should say its aiohttp extra is missing"
    assert seen["gc_enabled"] is True, "the garbage collector was left off"
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 10_000, "the loaded SDK was not frozen"


# A stand-in for an SDK release that imports its aiohttp transport without a fallback.
NEEDY_SDK = {
    "anthropic/__init__.py": (
        "from ._vendor import httpx_aiohttp\n\nclass AsyncAnthropic:\n    transport = httpx_aiohttp.NAME\n"
    ),
    "anthropic/_vendor/__init__.py": "",
    "anthropic/_vendor/httpx_aiohttp.py": "NAME = 'aiohttp transport'\n",
}


def test_an_sdk_that_needs_the_transport_is_loaded_whole(tmp_path: Path) -> None:
    for name, body in NEEDY_SDK.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    code = textwrap.dedent("""
        import json, sys
        from workbench.core.agent.client import import_sdk
        import_sdk()
        import anthropic
        print(json.dumps({"transport": anthropic.AsyncAnthropic.transport, "file": anthropic.__file__}))
    """)
    seen = _python(code, tmp_path, path=tmp_path)
    assert seen["transport"] == "aiohttp transport"
    assert str(seen["file"]).startswith(str(tmp_path))


def test_a_missing_sdk_still_raises_import_error(tmp_path: Path) -> None:
    (tmp_path / "anthropic").mkdir()
    (tmp_path / "anthropic" / "__init__.py").write_text("import no_such_module_here\n")
    code = textwrap.dedent("""
        import json
        from workbench.core.agent.client import import_sdk
        try:
            import_sdk()
            print(json.dumps({"raised": None}))
        except ImportError as exc:
            print(json.dumps({"raised": str(exc)}))
    """)
    seen = _python(code, tmp_path, path=tmp_path)
    assert "no_such_module_here" in str(seen["raised"])


def test_the_background_import_runs_once_and_loads_the_sdk(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import json, sys
        from workbench.core.agent.client import import_sdk_in_background
        first = import_sdk_in_background()
        again = import_sdk_in_background()
        first.join(60)
        print(json.dumps({"same": first is again, "daemon": first.daemon, "loaded": "anthropic" in sys.modules}))
    """)
    seen = _python(code, tmp_path)
    assert seen == {"same": True, "daemon": True, "loaded": True}
