"""`workbench personas list|show|check`: what the workbench understood from each persona file."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from workbench.core.models import model_table, session_model
from workbench.core.personas.discovery import LoadSet, discover, scan_dir
from workbench.core.personas.model import Diagnostic, Persona, Severity

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Untrusted text made safe for a terminal: control and bidi characters become visible escapes."""
    return _UNSAFE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text
    )


def dump_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench personas", description="List, show and check persona files.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--agents", action="append", default=[], metavar="PATH", help="extra persona file or folder")
        p.add_argument("--cwd", default=".", metavar="DIR", help="working directory for discovery (default: .)")
        p.add_argument("--all-ext", action="store_true", help="also read *.txt files when scanning folders")
        p.add_argument("--mcp-server", action="append", default=[], metavar="NAME", help="treat NAME as configured")
        p.add_argument(
            "--tool-conflict",
            choices=("frontmatter", "strict", "union"),
            default="frontmatter",
            help="what a tool list in the body does next to the frontmatter list (default: frontmatter wins)",
        )
        p.add_argument("--trust-persona-tools", action="store_true", help="allow --tool-conflict union")
        p.add_argument(
            "--trust-persona-permission-mode", action="store_true", help="honour bypassPermissions/auto from files"
        )

    listing = sub.add_parser("list", help="every persona visible from the working directory")
    listing.add_argument("--json", action="store_true", help="JSON output")
    common(listing)
    show = sub.add_parser("show", help="the effective persona for an id, name or file")
    show.add_argument("ref", metavar="ID|PATH")
    show.add_argument("--json", action="store_true", help="JSON output")
    common(show)
    check = sub.add_parser("check", help="lint persona files: one line per diagnostic, exit 1 on errors")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--verbose", "-v", action="store_true", help="include debug diagnostics")
    common(check)
    return parser


def _load(args: argparse.Namespace, extra: list[Path]) -> LoadSet:
    cwd = Path(args.cwd)
    if not cwd.is_dir():
        raise SystemExit(f"workbench personas: --cwd {clean(str(cwd))!s} is not a folder")
    from workbench.config import load_config
    from workbench.core.mcp.persona_servers import explain_withheld, listed_servers, project_trusted

    config = load_config()
    servers, withheld = listed_servers(cwd, config=config, trusted=project_trusted(cwd, config))
    servers.update({name: None for name in args.mcp_server})
    loaded = discover(
        cwd,
        [*(Path(p) for p in args.agents), *extra],
        include_txt=args.all_ext,
        mcp_servers=servers,
        tool_conflict=args.tool_conflict,
        trust_persona_tools=args.trust_persona_tools,
        trust_permission_mode=args.trust_persona_permission_mode,
        config=config,
    )
    explain_withheld(loaded.personas, {k: v for k, v in withheld.items() if k not in servers})
    return loaded


def _summary_json(persona: Persona) -> dict[str, Any]:
    data = persona.to_json()
    data.pop("system_prompt", None)
    data["tool_count"] = None if persona.tools.inherit_all and not persona.tools.disallowed else _tool_count(persona)
    worst = persona.worst
    data["worst"] = worst.to_json() if worst is not None and worst.severity.rank >= Severity.WARNING.rank else None
    return data


def _tool_count(persona: Persona) -> int:
    return len(persona.tools.granted) + len(persona.tools.mcp)


def _model_text(persona: Persona, default: str | None = None) -> str:
    if persona.model.resolved:
        return persona.model.resolved
    return f"inherit ({default or session_model()})"


def _tools_text(persona: Persona) -> str:
    if persona.tools.inherit_all and not persona.tools.disallowed:
        return "all"
    return str(_tool_count(persona))


def _worst(persona: Persona) -> str:
    worst = [d for d in persona.diagnostics if d.severity.rank >= Severity.WARNING.rank]
    if not worst:
        return "ok"
    top = max(worst, key=lambda d: d.severity.rank)
    count = sum(1 for d in worst if d.severity is top.severity)
    return f"{top.code}" + (f" (+{count - 1})" if count > 1 else "")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def cmd_list(args: argparse.Namespace) -> int:
    loaded = _load(args, [])
    if args.json:
        out = {
            "personas": [_summary_json(p) for p in loaded.personas],
            "failures": [{"path": str(path), **diag.to_json()} for path, diag in loaded.failures],
        }
        print(dump_json(out))
        return 0
    rows = [["ID", "NAME", "DIALECT", "MODEL", "TOOLS", "WORST", "SOURCE"]]
    default = session_model()
    for p in loaded.personas:
        rows.append(
            [
                p.id,
                p.name,
                p.dialect,
                _model_text(p, default),
                _tools_text(p),
                _worst(p),
                f"{p.source.scope}:{p.source.path}",
            ]
        )
    print(clean(_table(rows)) if loaded.personas else "no personas found")
    for path, diag in loaded.failures:
        print(clean(f"not loaded: {path}: {diag.severity} {diag.code} {diag.message}"))
    return 0


def _block(label: str, text: str) -> list[str]:
    lines = text.split("\n") or [""]
    pad = " " * 14
    return [f"  {label:<12}{lines[0]}".rstrip()] + [(pad + line).rstrip() for line in lines[1:]]


def render_persona(p: Persona) -> str:
    """The human-readable `show` output."""
    out = [p.id, *_block("name", f"{p.name} (from {p.name_source})"), *_block("dialect", p.dialect)]
    out += _block("source", f"{p.source.path} ({p.source.scope}), sha256 {p.source.sha256[:16]}")
    description = re.sub(r"\s*<example>.*?</example>\s*", "\n\n", p.description, flags=re.DOTALL | re.IGNORECASE)
    out += _block("description", re.sub(r"\n{3,}", "\n\n", description).strip() or "(none)")
    if p.description_examples:
        shown = [
            f"{i}. {e.get('user') or e.get('context') or e['text']}"[:160]
            for i, e in enumerate(p.description_examples, 1)
        ]
        out += _block("examples", "\n".join(shown))
    requested = p.model.requested or "(not set)"
    out += _block("model", f"{requested} -> {_model_text(p)}")
    if p.tools.inherit_all and not p.tools.disallowed:
        tools = "all (inherited: no tool list)" if p.tools.declared == "absent" else "all (*)"
    else:
        tools = ", ".join(p.tools.granted + p.tools.mcp) or "none"
    out += _block("tools", tools)
    if p.tools.unavailable:
        out += _block("unavailable", "\n".join(f"{u.name}: {u.reason}" for u in p.tools.unavailable))
    if p.tools.disallowed:
        out += _block("disallowed", ", ".join(p.tools.disallowed))
    if p.tools.rules:
        out += _block("rules", ", ".join(p.tools.rules))
    if p.tools.advisory_tools:
        out += _block("body only", ", ".join(p.tools.advisory_tools))
    if p.permission_mode:
        out += _block("mode", p.permission_mode)
    if p.color:
        out += _block("color", p.color)
    if p.max_turns:
        out += _block("max turns", str(p.max_turns))
    if p.policies:
        lines = []
        for rule in p.policies:
            detail = ", ".join(rule.rules) or "on"
            memo = "" if rule.remember or rule.kind == "audit" else ", never remembered"
            lines.append(f"{rule.id}: {rule.kind} {detail}{memo} (line {rule.source_line})")
        out += _block("policies", "\n".join(lines))
    if p.output_contract:
        out += _block("output", "\n".join(["required sections, in order:", *p.output_contract.headings]))
    if p.tool_name_note:
        out += _block("tool note", p.tool_name_note)
    out += _block("claude code", p.compat.get("claude_code", "?") + _reason(p))
    diags = sorted((d for d in p.diagnostics if d.severity is not Severity.DEBUG), key=lambda d: d.line or 0)
    if diags:
        out += _block("diagnostics", "\n".join(_diag_text(d) for d in diags))
    return clean("\n".join(out))


def _reason(p: Persona) -> str:
    reason = p.compat.get("claude_code_reason")
    return f" ({reason})" if reason else ""


def _diag_text(d: Diagnostic) -> str:
    line = f"line {d.line}: " if d.line else ""
    return f"{line}{d.severity} {d.code} {d.message}"


def cmd_show(args: argparse.Namespace) -> int:
    ref = Path(args.ref)
    if ref.is_dir():
        print(clean(f"workbench personas: {args.ref} is a folder; give a persona file or an id"), file=sys.stderr)
        return 2
    is_path = ref.exists() or ref.is_symlink() or "/" in args.ref or ref.suffix in (".md", ".txt")
    loaded = _load(args, [ref] if is_path else [])
    persona = loaded.by_path(ref) if is_path else loaded.get(args.ref)
    if persona is None and is_path:
        failure = next((d for path, d in loaded.failures if path == ref), None)
        if failure is not None:
            print(clean(f"{args.ref}: {failure.severity} {failure.code} {failure.message}"), file=sys.stderr)
            return 1
    if persona is None:
        known = ", ".join(p.id for p in loaded.personas[:20]) or "none"
        print(clean(f"workbench personas: no persona {args.ref!r} (known: {known})"), file=sys.stderr)
        return 2
    skills = _skills_for(persona, Path(args.cwd))
    if args.json:
        data = persona.to_json()
        data["model"]["session"] = session_model(None, model_table())
        data["skills"] = skills
        print(dump_json(data))
    else:
        shown = ", ".join(skills) if skills else "none"
        if not skills and not _grants_skill(persona):
            shown = "none (its tools do not include Skill)"
        print(render_persona(persona) + "\n" + clean("\n".join(_block("skills", shown))))
    return 0


def _grants_skill(persona: Persona) -> bool:
    grant = persona.tools
    return (grant.inherit_all or "Skill" in grant.granted) and "Skill" not in grant.disallowed


def _skills_for(persona: Persona, cwd: Path) -> list[str]:
    """The skills a session in `cwd` would list for this persona (workbench.core.skills)."""
    if not _grants_skill(persona):
        return []
    from workbench.core.skills import discover_skills

    return [f"{s.name} ({s.scope})" for s in discover_skills(cwd).skills.values()]


def cmd_check(args: argparse.Namespace) -> int:
    given = [Path(p) for p in args.paths]
    loaded = _load(args, given)
    wanted: dict[Path, str] = {}
    for path in given:
        files = [path]
        if path.is_dir():
            files = scan_dir(path, args.all_ext)
        for file in files:
            wanted[_resolved(file)] = str(file)
    lines: list[tuple[str, int, int, str]] = []
    errors = 0
    for persona in loaded.personas:
        shown = wanted.get(_resolved(Path(persona.source.path)))
        if shown is None and "#" in persona.source.path:  # an entry of an --agents JSON file
            base = wanted.get(_resolved(Path(persona.source.path.rsplit("#", 1)[0])))
            shown = f"{base}#{persona.name}" if base else None
        if shown is None:
            continue
        for d in persona.diagnostics:
            if d.severity is Severity.DEBUG and not args.verbose:
                continue
            errors += d.severity is Severity.ERROR
            lines.append((shown, d.line or 1, -d.severity.rank, f"{d.severity} {d.code} {d.message}"))
    for path, d in loaded.failures:
        shown = wanted.get(_resolved(path))
        if shown is None:
            continue
        errors += 1
        lines.append((shown, d.line or 1, -d.severity.rank, f"{d.severity} {d.code} {d.message}"))
    for shown, line, _, text in sorted(lines, key=lambda x: (x[0], x[1], x[2])):
        print(clean(f"{shown}:{line}: {text}"))
    return 1 if errors else 0


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    commands = {"list": cmd_list, "show": cmd_show, "check": cmd_check}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
