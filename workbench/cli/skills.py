"""`workbench skills list`: the skills a session here would offer (SKILL.md folders), and the custom slash
commands (`.claude/commands/`), with where each comes from.

    workbench skills list [--cwd DIR] [--json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench.cli.args import parse
from workbench.cli.personas import clean, dump_json


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench skills", description="Skills and custom slash commands.")
    sub = parser.add_subparsers(dest="command", metavar="{list}")
    listing = sub.add_parser("list", help="every skill and custom command found from the project folder")
    listing.add_argument("--cwd", default=".", metavar="DIR", help="the project folder (default: .)")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str]) -> int:
    opts = parse(_parser(), argv or ["list"])
    if isinstance(opts, int):
        return opts
    workspace = Path(getattr(opts, "cwd", ".")).expanduser()
    if not workspace.is_dir():
        print(clean(f"workbench skills: {workspace}: not a folder"), file=sys.stderr)
        return 2
    from workbench.core.commands import discover_commands
    from workbench.core.skills import discover_skills

    skills = discover_skills(workspace)
    commands = discover_commands(workspace)
    if getattr(opts, "json", False):
        out: dict[str, Any] = {
            "skills": [
                {"name": s.name, "description": s.description, "scope": s.scope, "folder": str(s.folder)}
                for s in skills.skills.values()
            ],
            "commands": [
                {
                    "name": c.name,
                    "description": c.description,
                    "argument_hint": c.argument_hint,
                    "scope": c.scope,
                    "namespace": c.namespace,
                    "path": str(c.path),
                    "allowed_tools": list(c.allowed_tools),
                }
                for c in commands.commands.values()
            ],
            "problems": skills.problems + commands.problems,
        }
        print(dump_json(out))
        return 0
    lines = ["Skills (the model reads one with the Skill tool when it needs it):"]
    lines += [f"  {s.name}  ({s.scope}) {s.description}  [{s.folder}]" for s in skills.skills.values()] or ["  none"]
    lines += ["", "Custom slash commands:"]
    lines += [
        f"  /{c.name}{' ' + c.argument_hint if c.argument_hint else ''}  {c.label} {c.description}"
        for c in commands.commands.values()
    ] or ["  none"]
    problems = skills.problems + commands.problems
    if problems:
        lines += ["", *(f"warning: {p}" for p in problems)]
    print(clean("\n".join(lines)))
    return 0
