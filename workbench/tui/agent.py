"""The screen driving an external ACP agent (`workbench --agent acp:COMMAND`): sessions from the core's ACP client.

The agent's events are our events, so the chat, the evidence cards and the plan panel show them as they show
a persona's; its permission requests arrive at the screen's approver as approval cards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from workbench.tui.host import SessionFactory, SessionLike, SessionRequest

Closer = Callable[[], Awaitable[None]]


def agent_factory(spec: str, closers: list[Closer]) -> SessionFactory:
    """Sessions with the agent `spec` names; each one's `aclose` joins `closers` (the app runs them on exit)."""

    async def make(request: SessionRequest) -> SessionLike:
        from workbench.core.acp.client import AgentRequest, open_agent

        agent = await open_agent(
            AgentRequest(request.workspace, spec, request.approver, mode=request.mode, config=request.config)
        )
        closers.append(agent.aclose)
        return agent

    return make


def agent_label(spec: str) -> str:
    """What the status bar calls the agent before it has started."""
    from workbench.config import load_config
    from workbench.core.acp.presets import resolve

    return f"{resolve(spec, load_config()).name} (ACP)"
