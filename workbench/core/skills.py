"""Skills, as Claude Code reads them: a folder with a `SKILL.md` (frontmatter `name` and `description`, then the
instructions), in `.claude/skills/<folder>/` (the project's, from the working folder up to the repository root,
closest first) and `~/.claude/skills/<folder>/`.

Only the name and description of each skill go into the system prompt; the model reads a skill's instructions
and its other files when it needs them, through the `Skill` tool (read-only, fenced to the skill's folder, secret
files refused). A project skill hides a user skill of the same name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from workbench.core.claude_files import claude_folders, plain_text, read_markdown, tool_entries
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult

MAX_SKILL_BYTES = 512 * 1024
MAX_SKILLS = 200
MAX_NAME = 64
MAX_DESCRIPTION = 1024
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    folder: Path
    scope: str  # project | user
    allowed_tools: tuple[str, ...] = ()


@dataclass
class SkillSet:
    skills: dict[str, Skill] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    hidden: list[Skill] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.skills)


def discover_skills(workspace: Path) -> SkillSet:
    found = SkillSet()
    for root, scope in claude_folders(workspace, "skills"):
        if not root.is_dir():
            continue
        try:
            entries = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError as exc:
            found.problems.append(f"{root}: cannot be listed ({exc.strerror or exc})")
            continue
        for folder in entries[:MAX_SKILLS]:
            skill = _load(folder, scope, found.problems)
            if skill is None:
                continue
            if skill.name in found.skills:
                found.hidden.append(skill)
            else:
                found.skills[skill.name] = skill
    return found


def _load(folder: Path, scope: str, problems: list[str]) -> Skill | None:
    file = folder / "SKILL.md"
    if not file.is_file():
        return None
    read = read_markdown(file, MAX_SKILL_BYTES, problems)
    if read is None:
        return None
    data = read[0]
    name = plain_text(data.get("name")) or folder.name
    description = plain_text(data.get("description"))
    if not _NAME.match(name) or len(name) > MAX_NAME:
        problems.append(f"{file}: name {name[:80]!r} is not lower-case letters, digits and hyphens; skipped")
        return None
    if not description:
        problems.append(f"{file}: no description, so the model could not know when to use it; skipped")
        return None
    return Skill(name, description[:MAX_DESCRIPTION], folder, scope, tuple(tool_entries(data.get("allowed-tools"))))


def prompt_section(skills: SkillSet) -> str:
    """What the system prompt says about the skills: names and descriptions only."""
    if not skills:
        return ""
    lines = [f"- {s.name}: {s.description}" for s in skills.skills.values()]
    return (
        "Skills you can use (call the Skill tool with a skill's name to read its instructions before you follow "
        "them; its other files are read with the same tool, by their path in the skill's folder):\n" + "\n".join(lines)
    )


class SkillTool(Tool):
    name: ClassVar[str] = "Skill"
    description: ClassVar[str] = (
        "Read a skill's instructions (its SKILL.md), or one of its other files with `file` (a path inside the "
        "skill's folder). The skills are listed in the system prompt."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "skill": {"type": "string", "description": "the skill's name"},
            "file": {"type": "string", "description": "a file of the skill, relative to its folder"},
        },
        "required": ["skill"],
    }
    kind: ClassVar[ToolKind] = ToolKind.STATE  # reads the skill's own folder only; never the workspace

    def __init__(self, skills: SkillSet) -> None:
        self.skills = skills

    def _target(self, args: dict[str, Any]) -> tuple[Skill, Path]:
        name = args.get("skill")
        skill = self.skills.skills.get(name) if isinstance(name, str) else None
        if skill is None:
            known = ", ".join(self.skills.skills) or "none"
            raise ToolError(f"Skill: no skill named {str(name)[:60]!r} (skills: {known})")
        rel = args.get("file") or "SKILL.md"
        if not isinstance(rel, str):
            raise ToolError("Skill: file must be a path inside the skill's folder")
        from workbench.core.secrets import is_secret_path

        root = os.path.realpath(skill.folder)
        real = os.path.realpath(os.path.join(root, rel))
        if not real.startswith(root + os.sep):
            raise ToolError(f"Skill: {rel!r} is outside the skill's folder")
        if is_secret_path(os.path.relpath(real, root)):
            raise ToolError(f"Skill: {rel!r} looks like a secret file; it is not read")
        return skill, Path(real)

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        skill, _ = self._target(args)
        return CallPreview(summary=f"Skill {skill.name}" + (f" · {args['file']}" if args.get("file") else ""))

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        from workbench.core.personas.files import read_persona_bytes
        from workbench.core.secrets import redact
        from workbench.core.tools.limits import cap_text

        skill, path = self._target(args)
        data, error, _ = read_persona_bytes(path)  # regular files only, capped
        if data is None:
            why = error.message if error is not None else "cannot be read"
            raise ToolError(f"Skill: {args.get('file') or 'SKILL.md'}: {why}")
        if b"\x00" in data:
            raise ToolError("Skill: that file is not text")
        text = redact(data.decode("utf-8", errors="replace"))
        text = cap_text(text, MAX_SKILL_BYTES, "the file was cut")
        head = f"Skill {skill.name} ({skill.folder}):\n\n" if not args.get("file") else ""
        return ToolResult(content=head + text, files_read=(str(path),))
