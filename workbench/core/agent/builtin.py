"""The persona a session uses when none is chosen: a plain coding assistant with every runnable tool."""

from __future__ import annotations

from pathlib import Path

from workbench.core.personas.model import Persona

BUILTIN_PATH = "<builtin>/workbench.md"
BUILTIN_TEXT = """---
name: workbench
description: The workbench's general coding assistant, used when no persona is chosen.
---
You are a careful software engineer working in the user's repository through the workbench's tools.
Read before you change anything, keep changes small and explain what you did and how you checked it.
"""


def builtin_persona() -> Persona:
    from workbench.core.personas.loader import parse_persona

    persona = parse_persona(BUILTIN_TEXT.encode(), Path(BUILTIN_PATH), scope="bundled")
    persona.id = "workbench"
    return persona
