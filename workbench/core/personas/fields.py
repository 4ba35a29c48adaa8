"""Name and description: declared, validated, or derived (docs/personas.md, "Reading a file", step 6)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.personas.model import Diagnostic, NameSource, Severity

_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_EXAMPLE = re.compile(r"<example>(.*?)</example>", re.DOTALL | re.IGNORECASE)
_COMMENTARY = re.compile(r"<commentary>(.*?)</commentary>", re.DOTALL | re.IGNORECASE)
_ROLE_LINE = re.compile(r"^[-*\s]*\*\*(Role|Mission|Purpose)\*\*\s*:?\s*(.+)$", re.IGNORECASE)
_SENTENCE = re.compile(r"^(.+?[.!?])(?=\s|$)", re.DOTALL)
DESCRIPTION_MAX = 300


def slugify(text: str) -> str:
    """Lower case, every run of characters outside `[a-z0-9]` becomes one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def first_h1(body: str) -> tuple[str, int] | None:
    """The first `# Title` outside fenced code, with its 0-based line index in `body`."""
    fenced = False
    for i, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = _H1.match(line) if not fenced else None
        if match:
            return match.group(1).strip(), i
    return None


@dataclass
class NameResult:
    name: str
    source: NameSource
    diagnostics: list[Diagnostic] = field(default_factory=list)
    declared: bool = True  # False: Claude Code would treat the file as documentation and skip it
    line: int | None = None
    unverified: bool = False  # a name Claude Code's documentation says nothing about (dots, spaces, capitals)


def derive_name(raw: Any, line: int | None, body: str, body_first_line: int, path: Path | None) -> NameResult:
    diags: list[Diagnostic] = []
    if isinstance(raw, str) and raw.strip() and "\n" not in raw.strip():
        declared = raw.strip()
        if _VALID_NAME.match(declared):
            return NameResult(declared, "frontmatter", line=line)
        slug = slugify(declared)
        if slug:
            # Claude Code documents skipping only names with ':' (reserved for plugin:agent) or a leading '-'.
            skipped = ":" in declared or declared.startswith("-")
            why = (
                "Claude Code skips names with ':' or a leading '-'"
                if skipped
                else "Claude Code's rule is not documented"
            )
            diags.append(
                Diagnostic(
                    "W_NAME_NORMALIZED",
                    Severity.WARNING,
                    f"name {declared[:80]!r} is not lower-case letters, digits and hyphens; using {slug!r} ({why})",
                    line,
                )
            )
            return NameResult(slug, "frontmatter", diags, declared=not skipped, line=line, unverified=not skipped)
    elif raw is not None and not (isinstance(raw, str) and not raw.strip()):
        diags.append(Diagnostic("W_NAME_INVALID", Severity.WARNING, "name is not a one-line text; derived", line))
    h1 = first_h1(body)
    if h1 is not None:
        title = re.sub(r"\s+agent\s*$", "", h1[0], flags=re.IGNORECASE)
        slug = slugify(title)
        if slug:
            diags.append(
                Diagnostic(
                    "I_NAME_DERIVED", Severity.INFO, f"name derived from the title: {slug!r}", body_first_line + h1[1]
                )
            )
            return NameResult(slug, "h1", diags, declared=False, line=body_first_line + h1[1])
    stem = slugify(path.stem) if path is not None else ""
    name = stem or "persona"
    diags.append(Diagnostic("I_NAME_DERIVED", Severity.INFO, f"name derived from the file name: {name!r}", 1))
    return NameResult(name, "filename", diags, declared=False, line=1)


def unescape_newlines(text: str) -> str:
    """Claude Code's rule for descriptions: a literal backslash-n becomes a newline."""
    return text.replace("\\n", "\n")


def coerce_text(raw: Any) -> str | None:
    """A frontmatter value as text: strings as is, lists joined by lines, None when absent or empty."""
    if raw is None:
        return None
    if isinstance(raw, list):
        text = "\n".join(str(x) for x in raw)
    elif isinstance(raw, dict):
        text = "\n".join(f"{k}: {v}" for k, v in raw.items())
    else:
        text = str(raw)
    return text.strip() or None


def parse_examples(description: str) -> list[dict[str, str]]:
    """`<example>` blocks: context, user, assistant and commentary when present, plus the raw text."""
    examples: list[dict[str, str]] = []
    for match in _EXAMPLE.finditer(description):
        raw = match.group(1).strip()
        item: dict[str, str] = {"text": raw}
        commentary = _COMMENTARY.search(raw)
        if commentary:
            item["commentary"] = commentary.group(1).strip()
        rest = _COMMENTARY.sub("", raw)
        for line in rest.split("\n"):
            label, sep, value = line.partition(":")
            key = label.strip().lower()
            if sep and key in ("context", "user", "assistant") and key not in item:
                item[key] = value.strip().strip('"').strip()
        examples.append(item)
    return examples


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = _SENTENCE.match(text)
    sentence = match.group(1) if match else text
    if len(sentence) > DESCRIPTION_MAX:
        sentence = sentence[: DESCRIPTION_MAX - 1].rstrip() + "…"
    return sentence


def _paragraphs(lines: list[str]) -> list[tuple[str, int]]:
    """Prose paragraphs (no headings, rules, fences, list markers kept) with their first line index."""
    out: list[tuple[str, int]] = []
    current: list[str] = []
    start = 0
    fenced = False
    for i, line in enumerate([*lines, ""]):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        boring = not stripped or _HEADING.match(stripped) or re.fullmatch(r"[-=*_ ]{3,}", stripped)
        if fenced or boring or stripped.upper().startswith("OUROBOROS SPECIALIST SPEC"):
            if current:
                out.append((" ".join(current), start))
                current = []
            continue
        if not current:
            start = i
        current.append(stripped)
    return out


def derive_description(body: str, body_first_line: int) -> tuple[str, int] | None:
    """First sentence of `## Mission` / `## Role`, a `**Role**:` line, or the first paragraph."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        heading = _HEADING.match(line.strip())
        if heading and len(heading.group(1)) >= 2 and heading.group(2).strip().lower() in ("mission", "role"):
            paras = _paragraphs(lines[i + 1 :])
            section_end = next(
                (j for j, other in enumerate(lines[i + 1 :]) if _HEADING.match(other.strip())), len(lines)
            )
            if paras and paras[0][1] < section_end:
                return _first_sentence(paras[0][0]), body_first_line + i + 1 + paras[0][1]
    for i, line in enumerate(lines):
        role = _ROLE_LINE.match(line)
        if role:
            return _first_sentence(role.group(2)), body_first_line + i
    paras = _paragraphs(lines)
    if paras:
        return _first_sentence(paras[0][0]), body_first_line + paras[0][1]
    return None
