"""Where personas come from, which one a bare name means, and checks across the whole load set.

Precedence (docs/personas.md, "Where personas come from"), highest first: explicit files and folders (the command line),
project `.claude/agents/` (closest to the working directory first, up to the repository root), the user's
`~/.claude/agents/`, OpenCode folders, Gemini folders, and last the bundled `agents/`. Within one folder the
path order decides (Claude Code uses filesystem order, which isn't deterministic).

The repository's own folders (`.claude/agents/`, `.opencode/agent(s)/`, `.gemini/agents/` from the working
folder up to the root) are repository input (workbench.core.trust). Until the user trusts the project their
personas still load, marked `source.untrusted`, but they come after every other persona and never take a name
another persona has: a repository's `code-reviewer.md` is `code-reviewer~code-reviewer` next to the bundled
`code-reviewer`, so neither a bare name nor a subagent type reaches it by accident (docs/permissions.md).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import Config, load_config
from workbench.core.models import model_table
from workbench.core.personas.grants import ConflictPolicy
from workbench.core.personas.loader import READ_ERRORS, load_persona_file
from workbench.core.personas.model import Diagnostic, Persona, Severity
from workbench.core.personas.policies import PolicyOptions
from workbench.core.personas.sources import MAX_FILES, SCOPE_RANK, Source, default_sources, scan_dir
from workbench.core.trust import assess, project_dirs, repo_root

__all__ = [
    "MAX_FILES",
    "SCOPE_RANK",
    "LoadSet",
    "Source",
    "default_sources",
    "discover",
    "project_dirs",
    "repo_root",
    "scan_dir",
]

@dataclass
class LoadSet:
    personas: list[Persona] = field(default_factory=list)
    failures: list[tuple[Path, Diagnostic]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    repo_trusted: bool = True  # False: the repository's personas come last and never shadow another by name

    def get(self, ref: str) -> Persona | None:
        """By id, then by path, then by bare name with scope precedence."""
        for persona in self.personas:
            if persona.id == ref:
                return persona
        as_path = _real(Path(ref).expanduser())
        for persona in self.personas:
            if _real(Path(persona.source.path)) == as_path:
                return persona
        named = [p for p in self.personas if p.name == ref]
        return named[0] if named else None

    def by_path(self, path: Path) -> Persona | None:
        real = _real(path)
        return next((p for p in self.personas if _real(Path(p.source.path)) == real), None)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def discover(
    cwd: Path,
    extra: Sequence[Path] = (),
    *,
    include_txt: bool = False,
    mcp_servers: Mapping[str, Sequence[str] | None] | None = None,
    include_defaults: bool = True,
    trust_permission_mode: bool = False,
    tool_conflict: ConflictPolicy = "frontmatter",
    trust_persona_tools: bool = False,
    config: Config | None = None,
    repo_trusted: bool | None = None,
) -> LoadSet:
    """Load every persona visible from `cwd`, plus `extra` files and folders (explicit: highest precedence).

    The keyword options are passed to `load_persona_file` for every file; `include_defaults=False` reads only
    `extra` (no project, user or bundled folders). `config` is the workbench config (read here when None).
    `repo_trusted` None asks the project trust store (only when the repository has a persona folder).
    """
    config = config if config is not None else load_config()  # read once for the whole set
    common: dict[str, Any] = {
        "mcp_servers": mcp_servers,
        "models": model_table(config),
        "policy_options": PolicyOptions.from_section(config.personas),
        "trust_permission_mode": trust_permission_mode,
        "tool_conflict": tool_conflict,
        "trust_persona_tools": trust_persona_tools,
    }
    sources = [Source(Path(p), "explicit", explicit_file=not Path(p).is_dir()) for p in extra]
    if include_defaults:
        sources += default_sources(cwd)
    if repo_trusted is None:
        has_repo = any(source.repo and source.path.is_dir() for source in sources)
        repo_trusted = not has_repo or assess(cwd, config=config).trusted
    result = LoadSet(sources=sources, repo_trusted=repo_trusted)
    untrusted: list[Persona] = []
    origins: dict[int, Origin] = {}
    seen: set[Path] = set()
    for rank, source in enumerate(sources):
        folder = None if source.explicit_file else source.path
        if source.explicit_file:
            files = [source.path]
        elif source.path.is_dir():
            # A folder named on the command line is explicit: its .txt files count too (the seeds are .txt).
            files = scan_dir(source.path, include_txt or source.scope == "explicit")
        else:
            continue
        for file in files:
            real = _real(file)
            if real in seen:
                continue
            seen.add(real)
            if source.explicit_file and file.suffix.lower() == ".json":
                from workbench.core.personas.agentsjson import load_agents_json

                loaded_json, problems = load_agents_json(file, scope=source.scope, **common)
                origins.update((id(p), (rank, None)) for p in loaded_json)
                result.personas.extend(loaded_json)
                result.failures.extend((file, problem) for problem in problems)
                continue
            persona = load_persona_file(file, scope=source.scope, **common)
            fatal = next((d for d in persona.diagnostics if d.code in READ_ERRORS), None)
            if fatal is not None:
                result.failures.append((file, fatal))
            elif source.repo and not repo_trusted:
                persona.source = dataclasses.replace(persona.source, untrusted=True)
                origins[id(persona)] = (rank, folder)
                untrusted.append(persona)
            else:
                origins[id(persona)] = (rank, folder)
                result.personas.append(persona)
    assign_ids(result.personas, origins)
    reserved = {p.id for p in result.personas} | {p.name for p in result.personas}
    assign_ids(untrusted, origins, reserved=reserved)
    result.personas.extend(untrusted)
    check_agent_mentions(result.personas)
    return result


Origin = tuple[int, Path | None]  # a persona's source: its precedence (0 is highest) and its folder


def assign_ids(
    personas: list[Persona], origins: Mapping[int, Origin] | None = None, reserved: Collection[str] = ()
) -> None:
    """Unique ids. A name used once is the id. A name used more than once is the id of the persona from the
    highest-precedence source (a project's `debugger.md` overrides the bundled `debugger`, as in Claude Code);
    the others are `name~<where>`: the scope they come from (`debugger~bundled`, I_OVERRIDDEN), or, for files
    of the same folder, their path in it (`api~backend/api`, W_DUPLICATE_NAME, and none takes the bare name).

    `origins` maps `id(persona)` to its source; without it every persona ranks the same. A name in `reserved`
    belongs to a persona the user trusts: a persona here with that name never gets it (W_UNTRUSTED_SHADOW).
    """
    where = origins or {}
    by_name: dict[str, list[Persona]] = {}
    for persona in personas:
        by_name.setdefault(persona.name, []).append(persona)
    taken: set[str] = set(reserved)
    for name, group in by_name.items():
        if name in reserved:
            _untrusted_shadows(name, group, where, taken)
            continue
        if len(group) == 1:
            group[0].id = name
            continue
        ranks = [where.get(id(p), (0, None))[0] for p in group]
        leaders = [p for p, rank in zip(group, ranks, strict=True) if rank == min(ranks)]
        places = [_place(p, where.get(id(p), (0, None))[1], suffix=True) for p in leaders] if len(leaders) > 1 else []
        winner = leaders[0] if len(leaders) == 1 else None
        tied_ids = {id(p) for p in leaders} if winner is None else set()
        scopes = Counter(p.source.scope for p in group if id(p) not in tied_ids and p is not winner)
        for persona in group:
            if persona is winner:
                persona.id = name
                continue
            tied = id(persona) in tied_ids
            label = _place(persona, where.get(id(persona), (0, None))[1])
            if not tied and scopes[persona.source.scope] == 1:
                label = persona.source.scope
            persona.id = _unused(f"{name}~{label}", taken)
            if tied:
                others = [place for other, place in zip(leaders, places, strict=True) if other is not persona]
                text = f"name {name!r} is also used by {', '.join(others[:3])}" + (
                    f" and {len(others) - 3} more" if len(others) > 3 else ""
                )
                persona.diagnostics.append(
                    Diagnostic(
                        "W_DUPLICATE_NAME",
                        Severity.WARNING,
                        f"{text} in the same folder; this one is {persona.id!r}",
                        persona.name_line or 1,
                        {"others": [p.source.path for p in leaders if p is not persona]},
                    )
                )
                continue
            first = leaders[0]
            persona.diagnostics.append(
                Diagnostic(
                    "I_OVERRIDDEN",
                    Severity.INFO,
                    f"{first.source.path} ({first.source.scope}) is also named {name!r} and takes precedence; "
                    f"this one is {persona.id!r}",
                    persona.name_line or 1,
                    {"by": first.source.path},
                )
            )
        if winner is not None:
            shadowed = [p.id for p in group if p is not winner]
            winner.diagnostics.append(
                Diagnostic(
                    "I_OVERRIDES",
                    Severity.INFO,
                    f"takes precedence over {len(shadowed)} other persona(s) named {name!r}: {', '.join(shadowed[:4])}",
                    winner.name_line or 1,
                    {"overrides": shadowed},
                )
            )


def _untrusted_shadows(name: str, group: list[Persona], where: Mapping[int, Origin], taken: set[str]) -> None:
    """Personas of an untrusted repository named like one the user trusts: never the bare name."""
    for persona in group:
        persona.id = _unused(f"{name}~{_place(persona, where.get(id(persona), (0, None))[1])}", taken)
        persona.diagnostics.append(
            Diagnostic(
                "W_UNTRUSTED_SHADOW",
                Severity.WARNING,
                f"name {name!r} is taken by a persona outside this repository; this one comes from a "
                f"project you have not trusted, so it is {persona.id!r} until you trust the project",
                persona.name_line or 1,
                {"name": name},
            )
        )


def _place(persona: Persona, folder: Path | None, *, suffix: bool = False) -> str:
    """Where a persona is inside the folder it was found in: `backend/api` for backend/api.md; the file's name
    when it was named on its own; the entry's name for an --agents JSON entry. `suffix` keeps the extension."""
    path_text, _, entry = persona.source.path.partition("#")
    path = Path(path_text)
    if entry:
        return f"{path.name if suffix else path.stem}/{entry}"
    if folder is not None:
        try:
            inside = path.relative_to(folder)
            return (inside if suffix else inside.with_suffix("")).as_posix()
        except ValueError:
            pass
    return path.name if suffix else path.stem


def _unused(candidate: str, taken: set[str]) -> str:
    base, n = candidate, 2
    while candidate in taken:
        candidate, n = f"{base}~{n}", n + 1
    taken.add(candidate)
    return candidate


def check_agent_mentions(personas: list[Persona]) -> None:
    """W_MISSING_AGENT for agents a persona expects ("consult the Context Manager") that aren't loaded."""
    names = {p.name for p in personas} | {p.id for p in personas}
    for persona in personas:
        for slug, line in persona.agent_mentions:
            if slug not in names:
                persona.diagnostics.append(
                    Diagnostic(
                        "W_MISSING_AGENT",
                        Severity.WARNING,
                        f"the persona refers to agent {slug!r}, which is not loaded",
                        line,
                        {"agent": slug},
                    )
                )
