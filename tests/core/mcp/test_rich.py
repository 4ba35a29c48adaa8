"""What MCP offers beyond text tools, against a real stdio server (servers/rich.py): images and audio, progress,
tool lists that change, tools that need task support, prompts, resources, and a persona's `mcpServers`."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from tests.core.mcp.conftest import BASIC, RICH, stdio
from workbench.core.events import ToolProgress
from workbench.core.mcp.calling import McpRequestError
from workbench.core.mcp.catalog import PromptArgumentsError, prompt_arguments
from workbench.core.mcp.config import ServerConfig, parse_server
from workbench.core.mcp.content import image_block
from workbench.core.mcp.integration import persona_tools
from workbench.core.mcp.manager import McpManager
from workbench.core.personas.loader import load_persona_file
from workbench.core.tools.base import ToolResult

pytestmark = pytest.mark.timeout(60)


def server(name: str, raw: dict[str, object]) -> ServerConfig:
    config, error = parse_server(name, raw, scope="user", source="test", environ={})
    assert error is None and config is not None, error
    return config


@pytest.fixture
async def rich() -> Any:
    manager = McpManager([server("rich", stdio(RICH))])
    await manager.start()
    try:
        yield manager
    finally:
        await manager.stop()


async def test_an_image_becomes_an_image_block(rich: McpManager) -> None:
    result = await rich.call("mcp__rich__snapshot", {})
    [block] = result.media
    assert block["type"] == "image" and block["source"]["media_type"] == "image/png"
    assert base64.b64decode(block["source"]["data"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "the picture" in result.content and "sent to the model as an image" in result.content


async def test_what_cannot_be_sent_is_named(rich: McpManager) -> None:
    bogus = await rich.call("mcp__rich__bogus_image", {})
    assert bogus.media == () and "not sent: its data is not a PNG image" in bogus.content
    audio = await rich.call("mcp__rich__beep", {})
    assert audio.media == () and "audio/wav" in audio.content and "cannot take audio" in audio.content


def test_image_checks() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(8)).decode()
    assert image_block(png, "image/png")[0] is not None
    assert image_block(png, "image/svg+xml")[0] is None
    assert image_block("not base64!!", "image/png")[0] is None
    assert image_block(png, "image/jpeg")[1] == "its data is not a JPEG image"


async def test_a_tool_that_needs_task_support_is_not_offered(rich: McpManager) -> None:
    assert "mcp__rich__needs_task" not in [t.name for t in rich.tools()]
    [status] = rich.statuses()
    assert any("needs_task" in e and "taskSupport" in e for e in status.errors)


async def test_progress_reaches_the_evidence_stream(rich: McpManager) -> None:
    tool = rich.get("mcp__rich__long_job")
    assert tool is not None
    items = [item async for item in tool.run_stream({}, None, call_id="toolu_p")]
    progress = [i for i in items if isinstance(i, ToolProgress)]
    assert progress and all(p.call_id == "toolu_p" and p.total == 3 for p in progress)
    assert progress[-1].progress == 3 and progress[-1].message == "step 3 of 3"
    assert isinstance(items[-1], ToolResult) and items[-1].content == "job done"


async def test_a_changed_tool_list_is_read_again(rich: McpManager) -> None:
    before = rich.generation
    assert rich.get("mcp__rich__extra") is None
    await rich.call("mcp__rich__grow", {})
    for _ in range(100):
        if rich.generation != before:
            break
        await asyncio.sleep(0.05)
    assert rich.generation == before + 1
    extra = rich.get("mcp__rich__extra")
    assert extra is not None and (await extra.run({}, None)).content == "extra here"


async def test_prompts(rich: McpManager) -> None:
    [review] = rich.prompts()
    assert review.command == "mcp__rich__review" and review.argument_hint == "<file> [focus]"
    assert prompt_arguments(review, "src/a.py focus=errors") == {"file": "src/a.py", "focus": "errors"}
    with pytest.raises(PromptArgumentsError, match="needs file"):
        prompt_arguments(review, "")
    rendered = await rich.get_prompt(review, {"file": "src/a.py"})
    assert rendered.text == "Please review src/a.py."


async def test_resources(rich: McpManager) -> None:
    assert [r.mention for r in rich.resources()] == ["@rich:file:///guide.md", "@rich:file:///logo.png"]
    guide = await rich.read_resource("rich", "file:///guide.md")
    assert "Always write tests." in guide.text and guide.media == []
    logo = await rich.read_resource("rich", "file:///logo.png")
    assert logo.media and logo.media[0]["source"]["media_type"] == "image/png"
    with pytest.raises(McpRequestError, match="no resource"):
        await rich.read_resource("rich", "file:///nope")
    with pytest.raises(McpRequestError, match="not configured"):
        await rich.read_resource("other", "file:///guide.md")


async def test_a_personas_mcp_servers_field_limits_its_servers(tmp_path: Path) -> None:
    only_rich = tmp_path / "only-rich.md"
    only_rich.write_text("---\nname: only-rich\ndescription: x\nmcpServers:\n  - rich\n---\nBody.\n")
    anyone = tmp_path / "anyone.md"
    anyone.write_text("---\nname: anyone\ndescription: x\n---\nBody.\n")
    listed = tmp_path / "listed.md"
    listed.write_text("---\nname: listed\ndescription: x\ntools: Read, mcp__basic\n---\nBody.\n")
    manager = McpManager([server("rich", stdio(RICH)), server("basic", stdio(BASIC))])
    async with manager:
        servers = manager.server_tools()
        names = {
            p.stem: [t.name for t in persona_tools(load_persona_file(p, mcp_servers=servers), manager)]
            for p in (only_rich, anyone, listed)
        }
    assert names["only-rich"] and all(n.startswith("mcp__rich__") or "Resource" in n for n in names["only-rich"])
    assert {"ListMcpResourcesTool", "ReadMcpResourceTool"} <= set(names["only-rich"])
    assert any(n.startswith("mcp__basic__") for n in names["anyone"])
    assert names["listed"] and all(n.startswith("mcp__basic__") for n in names["listed"])  # no resource tools
