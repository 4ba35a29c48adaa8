"""Mandates in the body that can be enforced mechanically (docs/personas.md, "Mandates become rules").

Heuristic by design: what isn't recognized stays in the system prompt, where Claude Code leaves all of it.
Extracted rules only add restrictions or logging; nothing here can relax an approval.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.personas.model import Advisory, OutputContract, PathRef, PolicyRule

if TYPE_CHECKING:
    from workbench.config_sections import PersonasSection

GIT_RULES = ("Bash(git *)", "Bash(git)")
_GIT = re.compile(
    r"\bgit\b[^.\n]*\b(approv\w*|permission|consent|confirm\w*|authori[sz]\w*)\b"
    r"|\b(approv\w*|permission|consent|confirm\w*)\b[^.\n]*\bgit\b"
    r"|\b(no|never)\s+(unauthori[sz]ed\s+)?git\b",
    re.IGNORECASE,
)
_AUDIT = re.compile(r"\b(must|shall|required?|always)\b[^.\n]*\baudit\s+(trails?|logs?|logging)\b", re.IGNORECASE)
_AUDIT_HEADING = re.compile(r"^#{1,6}\s*audit\s+(requirements?|trail|log(ging)?)\b", re.IGNORECASE)
_SAVE_MEMORY = re.compile(r"save[ _]?memory", re.IGNORECASE)
_SAVE_MEMORY_LIMIT = re.compile(r"\b(only when|explicitly|request\w*|approv\w*|ask\w*|permission)\b", re.IGNORECASE)
_DESCRIBE_COMMANDS = re.compile(r"describe commands before running", re.IGNORECASE)
_ADVISORY = re.compile(
    r"\b(MUST|NON-NEGOTIABLE|NEVER|ALWAYS)\b|\bproduction changes\b|minimal human intervention|take initiative"
    r"|clarifying questions|response time|[<>]\s?\d+\s?(s|ms|%)\b",
)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_CONTRACT_HEADING = re.compile(
    r"\b(output|response|answer|report|deliverable)s?\s+(structure|format|template)\b", re.IGNORECASE
)
_MANDATE = re.compile(r"\b(must|mandated?|required?|always|shall)\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.+?)\s*$")
_PATH = re.compile(r"(?<![\w.:/~@<{$-])((?:~|\.{1,2})?/[\w.@+-]+(?:/[\w.@*+-]*)+|\.[\w-]+/[\w.@*+-]+(?:/[\w.@*+-]*)*)")
_HTTP_VERB = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s*$")
_AGENT_MENTION = re.compile(
    r"\b(?i:consult(?:ing)?|delegat(?:e|ing) to|hand(?:ing)? (?:it )?off to|escalat(?:e|ing) to)\s+(?i:the\s+)?"
    r"((?:[A-Z][\w]*)(?:[ -][A-Z][\w]*){0,3})"
    r"|\b(?:use|launch|invoke|call)\s+the\s+([a-z0-9]+(?:-[a-z0-9]+)+)\s+(?:sub)?agent\b"
)
# People and roles that follow "consult the ..." without being agents.
_NOT_AGENTS = frozenset(
    {"user", "users", "human", "humans", "team", "main", "developer", "developers", "maintainer", "maintainers"}
    | {"owner", "owners", "lead", "manager", "stakeholder", "stakeholders", "customer", "customers", "docs"}
)
MAX_ADVISORIES = 40
MAX_PATHS = 50


@dataclass
class Extracted:
    policies: list[PolicyRule] = field(default_factory=list)
    advisories: list[Advisory] = field(default_factory=list)
    output_contract: OutputContract | None = None
    referenced_paths: list[PathRef] = field(default_factory=list)
    agent_mentions: list[tuple[str, int]] = field(default_factory=list)  # (slug, line)


def _lines(body: str, first_line: int) -> list[tuple[int, str, bool]]:
    """(file line, text, inside fenced code) for every body line."""
    out = []
    fenced = False
    for i, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            out.append((first_line + i, line, True))
            continue
        out.append((first_line + i, line, fenced))
    return out


def _clean(text: str) -> str:
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    return " ".join(text.replace("**", "").replace("`", "").split())[:300]


_PRODUCTION = re.compile(r"\bproduction\b[^.\n]*\b(approv\w*|permission|consent|confirm\w*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class PolicyOptions:
    """Config `[personas]`: `git_commands` (also guarded by a git mandate, e.g. ["gh", "hub"]) and
    `production_ask` (rules that "no production changes without approval" turns into asks, e.g.
    ["Bash(kubectl *)", "Bash(terraform apply*)"]; empty by default, so the mandate stays advisory)."""

    git_commands: tuple[str, ...] = ()
    production_ask: tuple[str, ...] = ()
    bash_description: bool = False  # `require_bash_description`: "describe commands before running them" binds

    @classmethod
    def from_section(cls, section: PersonasSection) -> PolicyOptions:
        def strings(values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(v.strip() for v in values if v.strip())

        required = section.require_bash_description is True
        return cls(strings(section.git_commands), strings(section.production_ask), required)


def extract(
    body: str,
    first_line: int,
    description: str = "",
    description_line: int | None = None,
    base_dir: Path | None = None,
    options: PolicyOptions | None = None,
) -> Extracted:
    options = options or PolicyOptions()
    found = Extracted()
    lines = _lines(body, first_line)
    prose = [(n, t, t.lower()) for n, t, fenced in lines if not fenced]  # cheap substring tests gate the regexes
    git_lines = [(n, t) for n, t, low in prose if "git" in low and _GIT.search(t)]
    if git_lines:
        found.policies.append(
            PolicyRule(
                "git-approval",
                "ask",
                GIT_RULES + tuple(r for c in options.git_commands for r in (f"Bash({c} *)", f"Bash({c})")),
                False,
                git_lines[0][0],
                " | ".join(_clean(t) for _, t in git_lines[:4]),
            )
        )
    audit = [(n, t) for n, t, low in prose if "audit" in low and (_AUDIT.search(t) or _AUDIT_HEADING.match(t.strip()))]
    if audit:
        found.policies.append(PolicyRule("audit-log", "audit", (), False, audit[0][0], _clean(audit[0][1])))
    production = [(n, t) for n, t, low in prose if "production" in low and _PRODUCTION.search(t)]
    if production and options.production_ask:
        found.policies.append(
            PolicyRule(
                "production-approval", "ask", options.production_ask, False, production[0][0], _clean(production[0][1])
            )
        )
    describe = [(n, t) for n, t, low in prose if "describe" in low and _DESCRIBE_COMMANDS.search(t)]
    if describe and options.bash_description:
        found.policies.append(
            PolicyRule("bash-description", "require", ("Bash",), True, describe[0][0], _clean(describe[0][1]))
        )
    memory = [
        (n, t) for n, t, low in prose if "memory" in low and _SAVE_MEMORY.search(t) and _SAVE_MEMORY_LIMIT.search(t)
    ]
    if memory:
        found.policies.append(
            PolicyRule("save-memory-ask", "ask", ("SaveMemory",), False, memory[0][0], _clean(memory[0][1]))
        )
    seen: set[str] = set()
    for n, t, fenced in lines:
        if fenced or len(found.advisories) >= MAX_ADVISORIES:
            continue
        if _DESCRIBE_COMMANDS.search(t) or (_ADVISORY.search(t) and not _HEADING.match(t.strip())):
            text = _clean(t)
            if text and text not in seen:
                seen.add(text)
                found.advisories.append(Advisory(text, n))
    found.output_contract = output_contract(lines)
    found.referenced_paths = referenced_paths(lines, base_dir)
    found.agent_mentions = agent_mentions(description, description_line or 1, lines)
    return found


def output_contract(lines: list[tuple[int, str, bool]]) -> OutputContract | None:
    """A heading like "Mandated Output Structure" with a mandate, followed by two or more section titles."""
    for index, (_, text, fenced) in enumerate(lines):
        heading = None if fenced else _HEADING.match(text.strip())
        if not heading or not _CONTRACT_HEADING.search(heading.group(2)):
            continue
        level = len(heading.group(1))
        mandated = bool(_MANDATE.search(heading.group(2)))
        titles: list[str] = []
        numbered: list[str] = []
        sub_level: int | None = None  # only the first level of subheadings are sections; deeper ones are detail
        for _, other, other_fenced in lines[index + 1 :]:
            if other_fenced:
                continue
            sub = _HEADING.match(other.strip())
            if sub and len(sub.group(1)) <= level:
                break
            if sub:
                sub_level = sub_level or len(sub.group(1))
                if len(sub.group(1)) == sub_level:
                    titles.append(sub.group(2).strip())
            elif not titles:
                item = _NUMBERED.match(other)
                if item:
                    bold = re.match(r"\*\*(.+?)\*\*", item.group(2))
                    numbered.append((bold.group(1) if bold else item.group(2)).strip().rstrip(":"))
                elif _MANDATE.search(other):
                    mandated = True
        headings = titles or numbered
        if mandated and len(headings) >= 2:
            return OutputContract(tuple(headings), tuple(_heading_pattern(h) for h in headings))
    return None


def _heading_pattern(title: str) -> str:
    """A case-insensitive regex that finds the section in an answer, with or without its number and subtitle."""
    core = re.sub(r"^\s*\d+[.)]\s*", "", title)
    core = re.split(r"\s*[:—–]\s*|\s+-\s+", core, maxsplit=1)[0].strip() or core
    words = r"\s+".join(re.escape(w) for w in core.split())
    return rf"(?im)^\s*(?:#{{1,6}}\s*|\*\*)?\s*(?:\d+[.)]\s*)?{words}\b"


def referenced_paths(lines: list[tuple[int, str, bool]], base_dir: Path | None) -> list[PathRef]:
    """Absolute, home and dot-relative paths mentioned in prose (not in code blocks), checked for existence.

    Left out, since a missing file says nothing about them: API routes, library ids such as context7's
    `/rails/rails`, and files the persona is told to create or write."""
    refs: list[PathRef] = []
    seen: set[str] = set()
    for n, text, fenced in lines:
        if fenced:
            continue
        if "/" not in text:
            continue
        for match in _PATH.finditer(text):
            before = text[: match.start()]
            if _HTTP_VERB.search(before) or _CREATES.search(before):
                continue
            path = match.group(1).rstrip(".,;:)")
            if path in seen or "//" in path or len(refs) >= MAX_PATHS or not _file_like(path):
                continue
            seen.add(path)
            refs.append(PathRef(path, n, _exists(path, base_dir)))
    return refs


# Verbs that make the path something the persona will produce, not read.
_CREATES = re.compile(
    r"\b(?:creat|writ|generat|sav|output|produc|emit|export|stor|append|updat|record|dump|render)\w*\b[^.;]*$"
    r"|\b(?:into|to)\s*[`'\"]?$",
    re.IGNORECASE,
)
_ROUTE_PART = re.compile(r"^(?::\w+|\{[^}]*\}|<[^>]*>|\[[^\]]*\])$")
# Top-level folders whose absence on this machine still makes a path a path (a dev container, another OS).
_ROOTS = frozenset(
    {"workspaces", "workspace", "home", "Users", "tmp", "var", "etc", "opt", "usr", "srv", "mnt", "root", "private"}
    | {"Volumes", "app", "data", "code", "src", "project", "projects", "repo", "repos", "github", "builds"}
)


_VERSION = re.compile(r"^v?\d+(?:\.\d+)*$")
_ROUTE_ROOTS = frozenset({"api", "graphql", "auth", "oauth", "admin", "health", "webhook", "webhooks", "rest", "rpc"})


def _file_like(path: str) -> bool:
    """Whether a slashed token names a file or folder rather than an API route (`/users/:id`, `/api/v1/users`)
    or a library id (`/vercel/next.js`, `/facebook/react/v18.3.1`). An absolute path under a folder that is
    neither on this machine nor a usual root counts only with three or more parts and no version part."""
    parts = [p for p in path.split("/") if p]
    if any(_ROUTE_PART.match(p) for p in parts):
        return False
    if not path.startswith("/") or not parts:
        return True
    if parts[0] in _ROOTS or os.path.isdir("/" + parts[0]):
        return True
    return len(parts) >= 3 and parts[0].lower() not in _ROUTE_ROOTS and not any(_VERSION.match(p) for p in parts)


def _exists(text: str, base_dir: Path | None) -> bool:
    try:
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        if any(c in text for c in "*?["):
            parent = path
            while any(c in parent.name for c in "*?[") and parent != parent.parent:
                parent = parent.parent
            return parent.is_dir() and any(parent.glob(str(path.relative_to(parent))))
        return path.exists()
    except (OSError, ValueError, RuntimeError):
        return False


def agent_mentions(
    description: str, description_line: int, lines: list[tuple[int, str, bool]]
) -> list[tuple[str, int]]:
    """Other agents the persona expects to work with ("first consulting the Context Manager")."""
    from workbench.core.personas.fields import slugify

    found: list[tuple[str, int]] = []
    sources = [(description_line, description)] + [(n, t) for n, t, fenced in lines if not fenced]
    for n, text in sources:
        for match in _AGENT_MENTION.finditer(text):
            slug = slugify(match.group(1) or match.group(2) or "")
            if slug and slug not in _NOT_AGENTS and slug not in {s for s, _ in found}:
                found.append((slug, n))
    return found
