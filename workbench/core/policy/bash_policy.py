"""The verdict for each segment of a shell command, before the session mode is applied.

Order for one segment: deny rules (settings and persona) -> secret or denied files it reads -> ask rules
-> opaque commands (`bash -c`, `eval`, a program in a variable) -> writes outside the workspace or into
`.git/`/`.claude/` -> grants -> allow rules -> the read-only set -> ask. A grant or allow rule matches one
segment only, so it never covers a compound command's other segments.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from workbench.core import secrets
from workbench.core.approvals import SegmentVerdict, Verdict
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.readonly import (
    PathUse,
    ResolvedPath,
    harmless_device,
    path_uses,
    read_only_reason,
    resolve_word,
)
from workbench.core.policy.rules import RuleSet, Target
from workbench.core.policy.shell import SHELLS, Segment, Word
from workbench.core.policy.visible import make_visible


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tools with subcommands: an approval may be remembered for "<tool> <subcommand>" and anything after it.
SUBCOMMAND_TOOLS = _names(
    "npm pnpm yarn bun cargo go git docker podman kubectl helm pip pip3 uv poetry pdm hatch make just gradle mvn "
    "dotnet deno composer bundle rake mix gh tox nox rustup brew apt swift flutter dart"
)
# Subcommands that run whatever follows them: remembering "<tool> run:*" would allow any program.
_RUNNERS = frozenset({"run", "exec", "x", "dlx", "eval", "tool", "shell", "script"})
_NOT_PREFIXES = frozenset({"python", "python3", "node", "perl", "ruby", "sh", "bash", "eval", "exec"}) | SHELLS
_SUBCOMMAND = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]*$")
_PROTECTED_DIRS = (".git", ".claude")


@dataclass(frozen=True)
class BashFacts:
    workspace: str  # real path
    rules: RuleSet  # settings and persona rules together
    ledger: GrantLedger | None
    # Folders relative paths may be relative to: the workspace, and every folder a `cd` in the same
    # command line moves to (checking all of them is simpler than following subshell scoping, and safe).
    bases: tuple[str, ...] = ()
    # True when persona rules or deny/ask rules guard shell commands: a command the parser cannot see into
    # then keeps asking even in bypassPermissions mode, since it might run what those rules guard.
    guarded: bool = False
    # A `cd` in the command goes somewhere unknown: relative paths cannot be checked.
    lost: bool = False
    # Paths already resolved while judging one command line (many segments name the same files).
    cache: dict[tuple[str | None, bool, bool, str], list[ResolvedPath] | None] = field(default_factory=dict)


_CHDIR = frozenset({"cd", "pushd", "popd"})


def cd_targets(segments: Iterable[Segment], workspace: str, start: str = "") -> tuple[tuple[str, ...], bool]:
    """The folders inside the workspace that `cd` segments of one command line move to (from `start`), and
    whether some `cd` goes somewhere unknown (a variable, `cd -`, `popd`, outside the workspace)."""
    found: list[str] = []
    lost = False
    for segment in segments:
        if segment.program not in _CHDIR:
            continue
        if segment.program == "popd" or not segment.args or segment.args[-1].value in (None, "-"):
            lost = True
            continue
        value = str(segment.args[-1].value)
        target = os.path.realpath(os.path.join(start or workspace, os.path.expanduser(value)))
        if target == workspace or target.startswith(workspace.rstrip("/") + "/"):
            if target not in found:
                found.append(target)
        else:
            lost = True
    return tuple(found), lost


@dataclass(frozen=True)
class SegmentOutcome:
    verdict: SegmentVerdict
    matched: tuple[str, ...] = ()
    proposal: str | None = None  # the exact rule a remembered approval would store
    rememberable: bool = True
    read_only: bool = False  # allowed because it only reads (the only kind plan mode runs)
    insistent: bool = False  # asks whatever the mode (ask rule, persona rule, protected write)


def _verdict(segment: Segment, verdict: Verdict, rule: str | None, reason: str) -> SegmentVerdict:
    return SegmentVerdict(
        text=segment.text,
        visible=make_visible(segment.text),
        verdict=verdict,
        rule=rule,
        reason=reason,
        program=segment.program,
    )


def evaluate_segment(segment: Segment, facts: BashFacts) -> SegmentOutcome:
    guard = Target("Bash", command_forms=frozenset(segment.guard_texts()))
    allow = Target("Bash", command_forms=frozenset(segment.allow_texts()))
    rules = facts.rules

    denied = rules.first(Verdict.DENY, guard)
    if denied is not None:
        return SegmentOutcome(_verdict(segment, Verdict.DENY, denied.shown, f"denied by {denied.shown}"),
                              matched=(denied.shown,), rememberable=False)  # fmt: skip
    uses = path_uses(segment)
    problem = _file_problem(segment, uses, facts)
    if problem is not None and problem[0] is Verdict.DENY:
        return SegmentOutcome(_verdict(segment, Verdict.DENY, problem[1], problem[2]),
                              matched=(problem[1],) if problem[1] else (), rememberable=False)  # fmt: skip
    asked = rules.first(Verdict.ASK, guard)
    if asked is not None:
        why = f"asks: {asked.shown}" + (f" ({_program_note(segment)})" if segment.program else "")
        return SegmentOutcome(_verdict(segment, Verdict.ASK, asked.shown, why), matched=(asked.shown,),
                              rememberable=False, insistent=True)  # fmt: skip
    if segment.opaque is not None:
        why = f"asks: {segment.opaque}"
        return SegmentOutcome(_verdict(segment, Verdict.ASK, None, why), rememberable=False, insistent=facts.guarded)
    write = _protected_write(uses, facts)
    if write is not None:
        return SegmentOutcome(_verdict(segment, Verdict.ASK, None, write), rememberable=False, insistent=True)
    if not segment.words:
        if segment.redirects:
            return SegmentOutcome(_verdict(segment, Verdict.ASK, None, "asks: writes a file"), rememberable=False)
        return SegmentOutcome(_verdict(segment, Verdict.ALLOW, None, "sets a shell variable"), read_only=True)
    if facts.ledger is not None:
        grant = facts.ledger.matches(allow)
        if grant is not None:
            label = f"grant:{grant.scope} {grant.pattern}"
            return SegmentOutcome(_verdict(segment, Verdict.ALLOW, label, f"allowed by {label}"), matched=(label,))
    allowed = rules.first(Verdict.ALLOW, allow)
    if allowed is not None:
        return SegmentOutcome(_verdict(segment, Verdict.ALLOW, allowed.shown, f"allowed by {allowed.shown}"),
                              matched=(allowed.shown,))  # fmt: skip
    not_read_only = read_only_reason(segment)
    writes = any(u.mode == "write" and not harmless_device(u.word.value) for u in uses)
    if not_read_only is None and not writes and problem is None:
        return SegmentOutcome(_verdict(segment, Verdict.ALLOW, None, "read-only command"), read_only=True)
    if not_read_only is not None:
        reason = f"asks: {not_read_only}"
    elif writes:
        reason = "asks: writes a file through a redirection"
    else:
        reason = problem[2] if problem is not None else "asks"
    proposal = propose(segment)
    return SegmentOutcome(_verdict(segment, Verdict.ASK, None, reason), proposal=proposal,
                          rememberable=proposal is not None)  # fmt: skip


def _program_note(segment: Segment) -> str:
    via = f" via {segment.via}" if segment.via else ""
    wrapped = f" through {', '.join(segment.wrappers)}" if segment.wrappers else ""
    return f"runs {segment.program}{wrapped}{via}"


def _file_problem(segment: Segment, uses: list[PathUse], facts: BashFacts) -> tuple[Verdict, str | None, str] | None:
    """A denied or secret file the segment reads (DENY), or a path that makes it unknowable (ASK)."""
    ask: tuple[Verdict, str | None, str] | None = None
    if segment.program in _CHDIR:
        facts = dataclasses.replace(facts, lost=False)  # where a cd goes is judged from where it starts
    for use in uses:
        if use.mode == "write" or harmless_device(use.word.value):
            continue
        resolved = _resolve_all(use.word, facts)
        if resolved is None:
            ask = ask or (Verdict.ASK, None, f"asks: {use.word.raw} is only known when the command runs")
            continue
        for path in resolved:
            if path.real:
                denied = facts.rules.first(Verdict.DENY, Target("Read", path=path.real))
                if denied is not None:
                    return Verdict.DENY, denied.shown, f"denied: reads {use.word.raw} ({denied.shown})"
            secret = any(rel is not None and secrets.is_secret_path(rel) for rel in (path.rel, path.lexical_rel))
            if secret and use.mode == "read" and not _explicitly_readable(path.real, facts):
                return Verdict.DENY, "secret-file", f"denied: reads a secret file ({use.word.raw})"
            if path.rel is None:
                ask = ask or (Verdict.ASK, None, f"asks: reads {use.word.raw}, outside the workspace")
    return ask


def _resolve_all(word: Word, facts: BashFacts) -> list[ResolvedPath] | None:
    if facts.lost and word.value is not None and not word.tilde and not os.path.isabs(word.value):
        return None
    out: list[ResolvedPath] = []
    for base in (facts.workspace, *facts.bases):
        key = (word.value, word.glob, word.tilde, base)
        found = (
            facts.cache[key]
            if key in facts.cache
            else facts.cache.setdefault(key, resolve_word(word, facts.workspace, base))
        )
        if found is None:
            return None
        out.extend(found)
    return out


def _explicitly_readable(real: str, facts: BashFacts) -> bool:
    rule = facts.rules.first(Verdict.ALLOW, Target("Read", path=real))
    return rule is not None and rule.specifier is not None


def _protected_write(uses: list[PathUse], facts: BashFacts) -> str | None:
    for use in uses:
        if use.mode != "write" or harmless_device(use.word.value):
            continue
        where = _write_place(use, facts)
        if where is not None:
            return f"asks: writes {use.word.raw}, {where}"
    return None


def _write_place(use: PathUse, facts: BashFacts) -> str | None:
    resolved = _resolve_all(use.word, facts)
    if resolved is None:
        return "a file only known when the command runs"
    for path in resolved:
        if path.rel is None or path.lexical_rel is None:
            return "outside the workspace"
        first = path.rel.split("/", 1)[0]
        if first in _PROTECTED_DIRS or path.lexical_rel.split("/", 1)[0] in _PROTECTED_DIRS:
            return f"inside {first}/, which holds repository and workbench settings"
    return None


def propose(segment: Segment) -> str | None:
    """The narrowest useful rule for remembering this segment, or None when it cannot be written exactly.

    `npm test --watch` -> `Bash(npm test:*)`; anything else (rm, sudo, paths, options first) -> the exact
    segment, e.g. `Bash(rm -rf ./tmp)`. Never a bare program prefix such as `Bash(rm:*)`.
    """
    forms = sorted(segment.allow_texts(), key=len)
    if not forms or segment.opaque is not None:
        return None
    words = segment.words
    exact = " ".join(w.raw for w in words) if segment.safe_prefix else forms[0]
    if "*" in exact or "\n" in exact or "\r" in exact or not exact.strip():
        return None
    program = segment.program
    if segment.safe_prefix and program in SUBCOMMAND_TOOLS and len(words) >= 2 and words[0].raw == program:
        sub = words[1]
        if sub.value is not None and sub.raw == sub.value and _SUBCOMMAND.match(sub.value):
            prefix = f"{program} {sub.value}"
            if sub.value in _RUNNERS:
                if len(words) < 3:
                    return f"Bash({exact})"
                target = words[2]
                if target.value is None or target.raw != target.value or not _SUBCOMMAND.match(target.value):
                    return f"Bash({exact})"
                if target.value in _NOT_PREFIXES or target.value in _RUNNERS:
                    return f"Bash({exact})"
                prefix = f"{prefix} {target.value}"
            return f"Bash({prefix}:*)"
    return f"Bash({exact})"
