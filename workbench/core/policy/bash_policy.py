"""The verdict for each segment of a shell command, before the session mode is applied.

Order for one segment: deny rules (settings and persona) -> secret or denied files it reads, wherever they are
-> ask rules -> writes outside the workspace, into a control file (core.policy.protected) or through a hard
link -> git pointed outside the workspace (`-C`, `--git-dir`, `GIT_DIR=`...) -> opaque commands (`bash -c`,
`eval`, a program in a variable) -> destructive git (only a rule naming the exact command lets it run) ->
grants -> allow rules -> the read-only allowlist (every flag listed, every path inside and not secret, nothing
known only at run time, no secret a git or rg read would print) -> ask. A grant or allow rule matches one
segment only, so it never covers a compound command's other segments. Asks that keep asking in
bypassPermissions mode are marked `insistent`: ask rules, persona rules, protected writes, git outside the
workspace, destructive git, and words known only at run time where a file is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from workbench.core.approvals import SegmentVerdict, Verdict
from workbench.core.policy import gitrules, readonly
from workbench.core.policy.allowlist import Parsed
from workbench.core.policy.bash_checks import (
    BashFacts,
    Finding,
    cd_targets,
    file_problem,
    git_place_problem,
    git_read_problem,
    glob_flag_problem,
    protected_write,
    rg_problem,
)
from workbench.core.policy.pathwords import harmless_device
from workbench.core.policy.rules import Target
from workbench.core.policy.shell import SHELLS, Segment
from workbench.core.policy.visible import make_visible

__all__ = ["BashFacts", "SegmentOutcome", "cd_targets", "evaluate_segment", "propose"]


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


@dataclass(frozen=True)
class SegmentOutcome:
    verdict: SegmentVerdict
    matched: tuple[str, ...] = ()
    proposal: str | None = None  # the exact rule a remembered approval would store
    rememberable: bool = True
    read_only: bool = False  # allowed because it only reads (the only kind plan mode runs)
    insistent: bool = False  # asks whatever the mode (ask rule, persona rule, protected write, ...)


def _verdict(segment: Segment, verdict: Verdict, rule: str | None, reason: str) -> SegmentVerdict:
    return SegmentVerdict(
        text=segment.text,
        visible=make_visible(segment.text),
        verdict=verdict,
        rule=rule,
        reason=reason,
        program=segment.program,
    )


def _outcome(segment: Segment, found: Finding, **kw: object) -> SegmentOutcome:
    matched = (found.rule,) if found.rule else ()
    return SegmentOutcome(_verdict(segment, found.verdict, found.rule, found.reason), matched=matched,
                          insistent=found.insistent, **kw)  # type: ignore[arg-type]  # fmt: skip


def evaluate_segment(segment: Segment, facts: BashFacts) -> SegmentOutcome:
    guard = Target("Bash", command_forms=frozenset(segment.guard_texts()))
    allow = Target("Bash", command_forms=frozenset(segment.allow_texts()))
    rules = facts.rules

    denied = rules.first(Verdict.DENY, guard)
    if denied is not None:
        return _outcome(segment, Finding(Verdict.DENY, f"denied by {denied.shown}", denied.shown), rememberable=False)
    call = gitrules.analyse(segment) if segment.program == "git" and not segment.lookup_only else None
    args = _parsed(segment)
    uses = readonly.path_uses(segment, call, args)
    problem = file_problem(segment, uses, facts)
    if problem is not None and problem.verdict is Verdict.DENY:
        return _outcome(segment, problem, rememberable=False)
    asked = rules.first(Verdict.ASK, guard)
    if asked is not None:
        why = f"asks: {asked.shown}" + (f" ({_program_note(segment)})" if segment.program else "")
        return _outcome(segment, Finding(Verdict.ASK, why, asked.shown, True), rememberable=False)
    stop = protected_write(segment, uses, facts) or git_place_problem(segment, call, facts)
    if stop is not None:
        return _outcome(segment, stop, rememberable=False)
    if segment.opaque is not None:
        found = Finding(Verdict.ASK, f"asks: {segment.opaque}", insistent=facts.guarded)
        return _outcome(segment, found, rememberable=False)
    if not segment.words:
        if segment.redirects:
            return _outcome(segment, Finding(Verdict.ASK, "asks: writes a file"), rememberable=False)
        return _outcome(segment, Finding(Verdict.ALLOW, "sets a shell variable"), read_only=True)
    if call is not None:
        loses = gitrules.destructive(call, lambda text: _exists(text, facts))
        if loses is not None:
            return _destructive(segment, allow, loses, facts)
    granted = _granted(segment, allow, facts, exact=False)
    if granted is not None:
        return granted
    not_read_only = readonly.read_only_reason(segment, call, args)
    writes = any(u.mode == "write" and not harmless_device(u.word.value) for u in uses)
    if not_read_only is None and not writes and problem is None:
        not_read_only = _read_only_extra(segment, call, args, facts)
        if not_read_only is None:
            return _outcome(segment, Finding(Verdict.ALLOW, "read-only command"), read_only=True)
    insistent = problem is not None and problem.insistent
    if problem is not None and (insistent or not_read_only is None):
        reason = problem.reason  # the word that keeps it asking in every mode comes first
    elif not_read_only is not None:
        reason = f"asks: {not_read_only}"
    else:
        reason = "asks: writes a file through a redirection" if writes else "asks"
    proposal = propose(segment)
    return SegmentOutcome(_verdict(segment, Verdict.ASK, None, reason), proposal=proposal,
                          rememberable=proposal is not None, insistent=insistent)  # fmt: skip


def _parsed(segment: Segment) -> Parsed | None:
    if segment.lookup_only or not segment.words or segment.program not in readonly.PARSED:
        return None
    return readonly.parsed(segment)


def _exists(text: str, facts: BashFacts) -> bool:
    return bool(text) and any(os.path.lexists(os.path.join(b, text)) for b in facts.bases or (facts.workspace,))


def _granted(segment: Segment, allow: Target, facts: BashFacts, *, exact: bool) -> SegmentOutcome | None:
    """A grant or an allow rule for this segment (with `exact`, only one naming the command without `*`)."""
    if facts.ledger is not None:
        grant = facts.ledger.matches(allow, exact=exact)
        if grant is not None:
            label = f"grant:{grant.scope} {grant.pattern}"
            return _outcome(segment, Finding(Verdict.ALLOW, f"allowed by {label}", label))
    allowed = facts.rules.first(Verdict.ALLOW, allow, exact=exact)
    if allowed is not None:
        return _outcome(segment, Finding(Verdict.ALLOW, f"allowed by {allowed.shown}", allowed.shown))
    return None


def _destructive(segment: Segment, allow: Target, why: str, facts: BashFacts) -> SegmentOutcome:
    """Destructive git asks in every mode; only a grant or rule naming this exact command lets it run."""
    exact = _granted(segment, allow, facts, exact=True)
    if exact is not None:
        return exact
    proposal = _exact(segment)
    found = Finding(Verdict.ASK, f"asks every time: {why}", insistent=True)
    return _outcome(segment, found, proposal=proposal, rememberable=proposal is not None)


def _read_only_extra(
    segment: Segment, call: gitrules.GitCall | None, args: Parsed | None, facts: BashFacts
) -> str | None:
    """What only the files on disk can tell about an allowlisted command: a glob naming an option, and what
    git or rg would print."""
    problem = glob_flag_problem(segment, facts)
    if problem is None and call is not None:
        problem = git_read_problem(call, facts)
    if problem is None and segment.program == "rg" and args is not None:
        problem = rg_problem(args, facts)
    return problem


def _program_note(segment: Segment) -> str:
    via = f" via {segment.via}" if segment.via else ""
    wrapped = f" through {', '.join(segment.wrappers)}" if segment.wrappers else ""
    return f"runs {segment.program}{wrapped}{via}"


def _exact(segment: Segment) -> str | None:
    """The segment as an exact rule (`Bash(git reset --hard)`), or None when it cannot be written as one."""
    forms = sorted(segment.allow_texts(), key=len)
    if not forms or segment.opaque is not None:
        return None
    exact = " ".join(w.raw for w in segment.words) if segment.safe_prefix else forms[0]
    if "*" in exact or "\n" in exact or "\r" in exact or not exact.strip():
        return None
    return f"Bash({exact})"


def propose(segment: Segment) -> str | None:
    """The narrowest useful rule for remembering this segment, or None when it cannot be written exactly.

    `npm test --watch` -> `Bash(npm test:*)`; anything else (rm, sudo, paths, options first) -> the exact
    segment, e.g. `Bash(rm -rf ./tmp)`. Never a bare program prefix such as `Bash(rm:*)`.
    """
    exact_rule = _exact(segment)
    if exact_rule is None:
        return None
    words = segment.words
    program = segment.program
    if segment.safe_prefix and program in SUBCOMMAND_TOOLS and len(words) >= 2 and words[0].raw == program:
        sub = words[1]
        if sub.value is not None and sub.raw == sub.value and _SUBCOMMAND.match(sub.value):
            prefix = f"{program} {sub.value}"
            if sub.value in _RUNNERS:
                if len(words) < 3:
                    return exact_rule
                target = words[2]
                if target.value is None or target.raw != target.value or not _SUBCOMMAND.match(target.value):
                    return exact_rule
                if target.value in _NOT_PREFIXES or target.value in _RUNNERS:
                    return exact_rule
                prefix = f"{prefix} {target.value}"
            return f"Bash({prefix}:*)"
    return exact_rule
