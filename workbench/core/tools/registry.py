"""The tool registry: canonical tools by name, their API specs in a stable order, and what is unavailable.

registry = build_registry(network=False)
registry.get("Read")            -> Tool | None
registry.names()                -> ["Read", "LS", ...]   (canonical order; only available tools)
registry.specs(["Bash", "Read"])-> [Read spec, Bash spec] (always in registry order: byte-stable prompts)
registry.tools(names)           -> {name: Tool} for the agent loop's gate
registry.unavailable()          -> {"WebSearch": "...", "NotebookEdit": "...", ...}
registry.register(tool)         -> add another tool (Agent, MCP tools) after the built-ins
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.core.tools.base import Tool
from workbench.core.tools.bash import Bash
from workbench.core.tools.edit import Edit, MultiEdit, Write
from workbench.core.tools.grep import Grep
from workbench.core.tools.listing import LS, Glob
from workbench.core.tools.memory import SaveMemory
from workbench.core.tools.plan import TodoWrite
from workbench.core.tools.read import Read, ReadManyFiles
from workbench.core.tools.web import NETWORK_OFF, SEARCH_UNAVAILABLE, WebFetch

UNSUPPORTED: dict[str, str] = {
    "WebSearch": SEARCH_UNAVAILABLE,
    "NotebookEdit": "NotebookEdit is not supported in this version of the workbench (notebooks are read-only)",
    "ImageGeneration": "image generation is not supported: the workbench has no image backend",
}


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool] = (), unavailable: dict[str, str] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._unavailable: dict[str, str] = dict(unavailable or {})
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool) -> None:
        if tool.name in self._tools:
            raise ValueError(f"a tool named {tool.name!r} is already registered")
        self._tools[tool.name] = tool
        self._unavailable.pop(tool.name, None)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """API tool definitions for `names` (all when None), in registry order whatever the order asked."""
        wanted = None if names is None else set(names)
        return [t.api_spec() for n, t in self._tools.items() if wanted is None or n in wanted]

    def tools(self, names: Iterable[str] | None = None) -> dict[str, Tool]:
        wanted = None if names is None else set(names)
        return {n: t for n, t in self._tools.items() if wanted is None or n in wanted}

    def unavailable(self) -> dict[str, str]:
        """Names the model never sees, with the reason to give when one is asked for."""
        return dict(self._unavailable)

    def unavailable_reason(self, name: str) -> str | None:
        return self._unavailable.get(name)


def build_registry(network: bool = False, *, use_rg: bool = True) -> ToolRegistry:
    """The canonical tools. WebFetch is listed only with `network=True` (otherwise it is unavailable)."""
    tools: list[Tool] = [
        Read(),
        LS(),
        Glob(),
        Grep(use_rg=use_rg),
        ReadManyFiles(),
        Write(),
        Edit(),
        MultiEdit(),
        Bash(),
        TodoWrite(),
    ]
    unavailable = dict(UNSUPPORTED)
    if network:
        tools.append(WebFetch())
    else:
        unavailable["WebFetch"] = NETWORK_OFF
    tools.append(SaveMemory())
    return ToolRegistry(tools, unavailable)
