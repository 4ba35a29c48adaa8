"""Reading the Markdown files a Claude Code folder holds (`.claude/commands/`, `.claude/skills/`): where they
are, and their frontmatter and body, read as leniently as persona files (BOMs, CRLF, odd YAML) and capped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench import paths


def claude_folders(workspace: Path, kind: str) -> list[tuple[Path, str]]:
    """`.claude/<kind>` in the project's folders (closest first), then the user's; with their scope."""
    from workbench.core.personas.discovery import project_dirs

    home = paths.user_home()
    out = [(folder / ".claude" / kind, "project") for folder in project_dirs(workspace) if folder != home]
    out.append((home / ".claude" / kind, "user"))
    return out


def read_markdown(file: Path, limit: int, problems: list[str]) -> tuple[dict[str, Any], str] | None:
    """(frontmatter keys, body) of one file; None, with the reason in `problems`, when it cannot be used."""
    from workbench.core.personas.decode import decode_bytes
    from workbench.core.personas.files import read_persona_bytes
    from workbench.core.personas.frontmatter import split_frontmatter
    from workbench.core.personas.yamlparse import parse_frontmatter

    raw, error, _ = read_persona_bytes(file)  # regular files only, capped: no FIFO or device is read
    if raw is None:
        problems.append(f"{file}: {error.message if error else 'cannot be read'}; skipped")
        return None
    if len(raw) > limit:
        problems.append(f"{file}: larger than {limit} bytes; skipped")
        return None
    decoded = decode_bytes(raw)
    if decoded.binary:
        problems.append(f"{file}: not a text file; skipped")
        return None
    split = split_frontmatter(decoded.text)
    data: dict[str, Any] = {}
    if split.frontmatter is not None:
        fm = parse_frontmatter(split.frontmatter, split.fm_first_line)
        data = fm.data if not fm.not_mapping else {}
    return data, split.body


def plain_text(value: Any) -> str:
    """A frontmatter value as one line of text; empty for anything that is not a string or a number."""
    return " ".join(str(value).split()) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def tool_entries(value: Any) -> list[str]:
    """An `allowed-tools` value (a comma string or a list) as tool entries."""
    from workbench.core.toolnames import split_tool_list

    if isinstance(value, list):
        return [e for item in value if isinstance(item, str) for e in split_tool_list(item)]
    return split_tool_list(value) if isinstance(value, str) else []
