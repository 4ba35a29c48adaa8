"""What a project folder adds to a session besides its personas and permission settings: Claude Code hooks, custom
slash commands, the MCP servers' prompts and resources, and skills (docs/project-folder.md has the whole list,
in precedence order, and what trust unlocks).

`attach_project(session, trusted=..., manager=...)` is called once for every session `workbench.core.assembly`
opens, before its first turn; it returns the notices the user should read. `slash_entries` and
`resource_mentions` are plain data for a front end's command palette and completions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.agent.expand import Expander, Expansion, ExpansionError

if TYPE_CHECKING:
    from workbench.core.agent.session import AgentSession
    from workbench.core.commands import CommandSet
    from workbench.core.mcp.manager import McpManager


def attach_project(session: AgentSession, *, trusted: bool, manager: McpManager | None = None) -> list[str]:
    """Hooks (a project's only when `trusted`), commands, MCP prompts and resources, skills."""
    from workbench.core.commands import discover_commands
    from workbench.core.hooks.config import load_hooks
    from workbench.core.hooks.session import SessionHooks

    workspace = session.workspace
    notices: list[str] = []
    hooks = load_hooks(workspace, trusted=trusted)  # an untrusted project's are in the trust notice's list
    notices += [f"hooks: {problem}" for problem in hooks.problems]
    if hooks:
        session.set_hooks(
            SessionHooks(
                hooks,
                workspace,
                session_id=session.id,
                transcript=session.transcript.path,
                mode=lambda: str(session.policy.mode),
                audit=session.audit,
            )
        )
    commands = discover_commands(workspace)
    notices += [f"commands: {problem}" for problem in commands.problems]
    if manager is not None:  # `/mcp__server__prompt` names are the servers': a command file cannot take one
        session.expanders.append(mcp_prompt_expander(manager))
        session.attachers.append(mention_attacher(manager))
    session.expanders.append(command_expander(commands, workspace))
    notices += _attach_skills(session)
    return notices


def _attach_skills(session: AgentSession) -> list[str]:
    from workbench.core.skills import SkillTool, discover_skills, prompt_section

    skills = discover_skills(session.workspace)
    grant = session.persona.tools
    wanted = (grant.inherit_all or "Skill" in grant.granted) and "Skill" not in grant.disallowed
    if skills and wanted:
        session.prompt_extras.append(prompt_section(skills))
        session.add_tools([SkillTool(skills)])
    return [f"skills: {problem}" for problem in skills.problems]


def command_expander(commands: CommandSet, workspace: Path) -> Expander:
    from workbench.core.commands import expand, split_command

    async def expander(prompt: str) -> Expansion | None:
        parts = split_command(prompt)
        if parts is None:
            return None
        command = commands.get(parts[0])
        return expand(command, parts[1], workspace=workspace) if command is not None else None

    return expander


def mcp_prompt_expander(manager: McpManager) -> Expander:
    """`/mcp__server__prompt args`: the server's prompt, filled in, as the user's message."""
    from workbench.core.commands import split_command
    from workbench.core.mcp.calling import McpRequestError
    from workbench.core.mcp.catalog import PromptArgumentsError, prompt_arguments

    async def expander(prompt: str) -> Expansion | None:
        parts = split_command(prompt)
        if parts is None or not parts[0].startswith("mcp__"):
            return None
        chosen = next((p for p in manager.prompts() if p.command == parts[0]), None)
        if chosen is None:
            return None
        try:
            rendered = await manager.get_prompt(chosen, prompt_arguments(chosen, parts[1]))
        except (PromptArgumentsError, McpRequestError) as exc:
            raise ExpansionError(str(exc)) from None
        source = f"/{chosen.command} from MCP server {chosen.server}"
        return Expansion(rendered.text, list(rendered.media), source=source)

    return expander


def mention_attacher(manager: McpManager) -> Expander:
    """`@server:uri` in a prompt: the resource's text and images go with it (the user named it: no approval)."""

    async def attacher(text: str) -> Expansion | None:
        named = [r for r in manager.resources() if _mentioned(r.mention, text)]
        if not named:
            return None
        from workbench.core.mcp.calling import McpRequestError

        extra = Expansion("")
        parts: list[str] = []
        for resource in named:
            try:
                rendered = await manager.read_resource(resource.server, resource.uri)
            except McpRequestError as exc:
                extra.notes.append(f"{resource.mention} was not attached: {exc}")
                continue
            head = f'<mcp-resource server="{resource.server}" uri="{resource.uri}">'
            parts.append(f"{head}\n{rendered.text}\n</mcp-resource>")
            extra.media += rendered.media
        extra.text = "\n\n".join(parts)
        return extra

    return attacher


def _mentioned(mention: str, text: str) -> bool:
    """`@server:uri` as a whole word: `@docs:file:///a.md` is not mentioned by `@docs:file:///a.md.bak`."""
    start = text.find(mention)
    while start >= 0:
        end = start + len(mention)
        before_ok = start == 0 or text[start - 1].isspace() or text[start - 1] in "([{\"'"
        after = text[end : end + 2]
        if before_ok and (not after or after[0].isspace() or (after[0] in ".,;:!?)]}\"'" and after[1:2].strip() == "")):
            return True
        start = text.find(mention, start + 1)
    return False


@dataclass(frozen=True)
class SlashEntry:
    """One slash command for a palette or a completion list (untrusted text: make it safe to show)."""

    name: str  # without the slash
    description: str
    argument_hint: str
    source: str  # "(project)", "(user:git)", "(MCP server docs)"


def slash_entries(workspace: Path, manager: McpManager | None = None) -> list[SlashEntry]:
    """The custom commands, then the MCP prompts: what typing `/` can complete to."""
    from workbench.core.commands import discover_commands

    commands = discover_commands(workspace).commands.values()
    out = [SlashEntry(c.name, c.description, c.argument_hint, c.label) for c in commands]
    if manager is not None:
        out += [
            SlashEntry(p.command, p.description, p.argument_hint, f"(MCP server {p.server})") for p in manager.prompts()
        ]
    return out


def resource_mentions(manager: McpManager | None) -> list[str]:
    """`@server:uri` for every resource the running servers offer, for `@` completion."""
    return [r.mention for r in manager.resources()] if manager is not None else []
