"""What an MCP server offers besides tools: prompts (slash commands `/mcp__server__prompt`) and resources (`@`
mentions and the ReadMcpResourceTool), as plain data, with the requests that list them.

Every name, description and URI here comes from the server: untrusted text that front ends make safe to show.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from workbench.core.mcp.names import PREFIX, normalize

MAX_PAGES = 50
MAX_ITEMS = 500  # prompts or resources per server: a runaway listing is cut here


@dataclass(frozen=True)
class PromptArgument:
    name: str
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class McpPrompt:
    server: str  # the configured server name
    name: str  # the prompt's own name
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()

    @property
    def command(self) -> str:
        """The slash command that expands it, without the slash: `mcp__docs__review`."""
        return f"{PREFIX}{normalize(self.server)}__{normalize(self.name)}"

    @property
    def argument_hint(self) -> str:
        return " ".join(f"<{a.name}>" if a.required else f"[{a.name}]" for a in self.arguments)


@dataclass(frozen=True)
class McpResource:
    server: str
    uri: str
    name: str = ""
    description: str = ""
    mime_type: str = ""

    @property
    def mention(self) -> str:
        """How a prompt names it: `@server:uri`."""
        return f"@{normalize(self.server)}:{self.uri}"


async def list_prompts(server: str, client: Any) -> list[McpPrompt]:
    found: list[McpPrompt] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.list_prompts(cursor=cursor)
        for prompt in page.prompts:
            arguments = tuple(
                PromptArgument(str(a.name), str(a.description or ""), bool(a.required)) for a in prompt.arguments or ()
            )
            found.append(McpPrompt(server, str(prompt.name), str(prompt.description or ""), arguments))
        cursor = page.next_cursor
        if not cursor or len(found) >= MAX_ITEMS:
            break
    return found[:MAX_ITEMS]


async def list_resources(server: str, client: Any) -> list[McpResource]:
    found: list[McpResource] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.list_resources(cursor=cursor)
        for item in page.resources:
            found.append(
                McpResource(
                    server,
                    str(item.uri),
                    str(item.name or ""),
                    str(item.description or ""),
                    str(getattr(item, "mime_type", None) or ""),
                )
            )
        cursor = page.next_cursor
        if not cursor or len(found) >= MAX_ITEMS:
            break
    return found[:MAX_ITEMS]


class PromptArgumentsError(ValueError):
    """The text after a prompt's slash command does not fill its arguments; the message says what it needs."""


def prompt_arguments(prompt: McpPrompt, text: str) -> dict[str, str]:
    """The arguments typed after `/mcp__server__prompt`: `name=value` words by name, the rest in order; a lone
    argument takes the whole text. Raises PromptArgumentsError when a required one is missing."""
    names = [a.name for a in prompt.arguments]
    text = text.strip()
    if len(names) == 1 and text and not text.startswith(f"{names[0]}="):
        values = {names[0]: text}
    else:
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise PromptArgumentsError(f"cannot read the arguments: {exc}") from None
        values = {}
        free = [n for n in names]
        for word in words:
            key, sep, value = word.partition("=")
            if sep and key in names:
                values[key] = value
                if key in free:
                    free.remove(key)
            elif free:
                values[free.pop(0)] = word
            else:
                raise PromptArgumentsError(f"/{prompt.command} takes {len(names)} argument(s): {prompt.argument_hint}")
    missing = [a.name for a in prompt.arguments if a.required and not values.get(a.name)]
    if missing:
        usage = f"/{prompt.command} {prompt.argument_hint}"
        raise PromptArgumentsError(f"/{prompt.command} needs {', '.join(missing)}: {usage}")
    return values
