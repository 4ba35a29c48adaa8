"""The registry, TodoWrite, SaveMemory, and WebFetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from workbench import paths
from workbench.core.tools.base import ToolError, ToolKind
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.limits import Limits
from workbench.core.tools.registry import ToolRegistry, build_registry
from workbench.core.tools.web import WebFetch, WebSearch, html_to_text

CANONICAL = ["Read", "LS", "Glob", "Grep", "ReadManyFiles", "Write", "Edit", "MultiEdit", "Bash", "TodoWrite"]


def test_registry_names_and_kinds() -> None:
    reg = build_registry()
    assert reg.names() == [*CANONICAL, "SaveMemory"]
    assert "WebFetch" not in reg and "WebFetch" in reg.unavailable()
    assert reg.unavailable_reason("NotebookEdit") and reg.unavailable_reason("ImageGeneration")
    assert "no search backend" in (reg.unavailable_reason("WebSearch") or "")
    kinds = {n: reg.get(n).kind for n in reg.names()}  # type: ignore[union-attr]
    assert kinds["Read"] is ToolKind.READ and kinds["Grep"] is ToolKind.READ
    assert kinds["Edit"] is ToolKind.WRITE and kinds["Bash"] is ToolKind.EXEC
    assert kinds["TodoWrite"] is ToolKind.STATE and kinds["SaveMemory"] is ToolKind.MEMORY
    net = build_registry(network=True)
    assert net.names() == [*CANONICAL, "WebFetch", "SaveMemory"]
    assert net.get("WebFetch").kind is ToolKind.NETWORK  # type: ignore[union-attr]
    assert net.get("Nope") is None


def test_specs_are_stable_and_ordered() -> None:
    reg = build_registry()
    a = reg.specs(["Bash", "Read", "Edit"])
    b = reg.specs(["Edit", "Read", "Bash", "Missing"])
    assert [s["name"] for s in a] == ["Read", "Edit", "Bash"]
    assert json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False)
    assert json.dumps(build_registry().specs()) == json.dumps(reg.specs())
    for spec in reg.specs():
        assert set(spec) == {"name", "description", "input_schema"}
        assert spec["input_schema"]["type"] == "object" and spec["description"]
    assert list(reg.tools(["Grep", "Read"])) == ["Read", "Grep"]


def test_register_refuses_duplicates() -> None:
    reg = ToolRegistry(unavailable={"WebSearch": "no"})
    reg.register(WebSearch())
    assert "WebSearch" in reg and reg.unavailable_reason("WebSearch") is None
    with pytest.raises(ValueError):
        reg.register(WebSearch())


async def test_todowrite_validates_and_carries_the_plan(tmp_path: Path) -> None:
    ctx = ToolContext(tmp_path)
    todo = build_registry().get("TodoWrite")
    assert todo is not None
    items = [
        {"content": "Read code", "status": "completed", "activeForm": "Reading code"},
        {"content": "Fix bug", "status": "in_progress", "activeForm": "Fixing bug"},
        {"content": "Run tests", "status": "pending"},
    ]
    result = await todo.run({"todos": items}, ctx)
    assert result.meta["plan"][1] == {"content": "Fix bug", "status": "in_progress", "active_form": "Fixing bug"}
    assert [i.content for i in ctx.plan] == ["Read code", "Fix bug", "Run tests"]
    assert "[x] Read code" in result.content and "[~] Fix bug" in result.content and not result.meta["warnings"]
    two = await todo.run({"todos": [{"content": "a", "status": "in_progress"}] * 2}, ctx)
    assert "warning" in two.content and two.meta["warnings"]
    for bad in (
        {"todos": "x"},
        {"todos": [{"content": "", "status": "pending"}]},
        {"todos": [{"content": "a", "status": "done"}]},
    ):
        with pytest.raises(ToolError):
            await todo.preview(bad, ctx)


async def test_savememory_appends_under_a_heading(tmp_path: Path) -> None:
    ctx = ToolContext(tmp_path)
    assert ctx.memory_file == paths.data_dir() / "memory.md"
    mem = build_registry().get("SaveMemory")
    assert mem is not None
    preview = await mem.preview({"fact": "The user prefers tabs"}, ctx)
    assert preview.paths == () and not ctx.memory_file.exists()
    await mem.run({"fact": "The user prefers tabs"}, ctx)
    await mem.run({"fact": "Multi\nline\n## not a heading"}, ctx)
    await mem.run({"fact": "key sk-ant-api03-" + "x" * 40}, ctx)
    text = ctx.memory_file.read_text()
    assert text == (
        "## Workbench Added Memories\n\n- The user prefers tabs\n- Multi line ## not a heading\n- key [REDACTED]\n"
    )
    assert ctx.memory_file.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ToolError):
        await mem.run({"fact": "   "}, ctx)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/page":
            body = (
                b"<html><head><title>T</title><script>alert(1)</script></head><body><h1>Title</h1>"
                b"<p>Hello &amp; welcome</p><ul><li>one</li><li>two</li></ul></body></html>"
            )
            self._send(200, "text/html; charset=utf-8", body)
        elif self.path == "/big":
            self._send(200, "text/plain", b"z" * 300_000)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self._send(404, "text/plain", b"not here")

    def _send(self, code: int, ctype: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_webfetch_is_off_unless_network_is_enabled(tmp_path: Path, server: str) -> None:
    with pytest.raises(ToolError, match="network tools are disabled"):
        await WebFetch().run({"url": f"{server}/page"}, ToolContext(tmp_path))


async def test_webfetch_gets_text(tmp_path: Path, server: str) -> None:
    ctx = ToolContext(tmp_path, settings=ToolSettings(network=True, limits=Limits(web_max_bytes=100_000)))
    fetch = WebFetch()
    preview = await fetch.preview({"url": f"{server}/redirect", "prompt": "what"}, ctx)
    assert preview.url == f"{server}/redirect" and preview.meta["domain"] == "127.0.0.1"
    page = await fetch.run({"url": f"{server}/redirect", "prompt": "what is it"}, ctx)
    assert "# Title" in page.content and "Hello & welcome" in page.content and "- one" in page.content
    assert "alert" not in page.content and f"URL: {server}/page" in page.content
    big = await fetch.run({"url": f"{server}/big"}, ctx)
    assert "page cut at 100,000 bytes" in big.content and len(big.content) < 31_000
    missing = await fetch.run({"url": f"{server}/nope"}, ctx)
    assert missing.is_error and "Status: 404" in missing.content
    with pytest.raises(ToolError, match="redirects"):
        await fetch.run({"url": f"{server}/loop"}, ctx)
    for bad in ("file:///etc/passwd", "ftp://x", "http://user:pw@host/", "nonsense"):
        with pytest.raises(ToolError):
            await fetch.preview({"url": bad}, ctx)


async def test_webfetch_unreachable_is_a_clear_error(tmp_path: Path) -> None:
    ctx = ToolContext(tmp_path, settings=ToolSettings(network=True, limits=Limits(web_timeout_s=2)))
    with pytest.raises(ToolError, match="request failed"):
        await WebFetch().run({"url": "http://127.0.0.1:9/"}, ctx)


async def test_websearch_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="unavailable"):
        await WebSearch().preview({"query": "x"}, ToolContext(tmp_path))


def test_html_to_text_survives_garbage() -> None:
    assert html_to_text("<p>a</p><<<>>><div>b").replace("\n", " ").split() == ["a", "<<<>>>", "b"]
