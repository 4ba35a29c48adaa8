"""What a session is made of before it is made: the persona, the approver, the model and mode, the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import Config
from workbench.core.approvals import Approver
from workbench.core.personas.model import Persona
from workbench.core.session_store import SessionStore

if TYPE_CHECKING:
    import anthropic
    import httpx2


def session_model_for(persona: Persona, override: str | None) -> str:
    from workbench.core.models import persona_model

    return persona_model(persona.model, override)


@dataclass
class SessionParts:
    workspace: Path
    persona: Persona
    approver: Approver
    model: str
    mode: str
    allow: Sequence[str]
    deny: Sequence[str]
    max_turns: int
    transport: httpx2.AsyncBaseTransport | None
    store: SessionStore
    config: Config
    client: anthropic.AsyncAnthropic | None
    personas: Sequence[Persona] | None = None  # the load set subagents come from (None: discover them)
    project_trusted: bool = False  # the repository's own settings may widen permissions (workbench.core.trust)
