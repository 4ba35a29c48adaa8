"""The checks behind one segment's verdict: the files it names, the places it writes, where its git works, and
what a read-only git or rg would print.

Each check returns a `Finding` (a verdict, the rule that decided it when there is one, the reason naming the word
that decided it, and whether it keeps asking in every mode) or None when it has nothing to say.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from workbench.core import secrets
from workbench.core.approvals import Verdict
from workbench.core.policy import gitrules
from workbench.core.policy.allowlist import Parsed
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.pathwords import PathUse, ResolvedPath, glob_names, harmless_device, resolve_word
from workbench.core.policy.protected import control_reason, hard_link_reason
from workbench.core.policy.readonly import RENAMERS
from workbench.core.policy.repofacts import RepoFacts
from workbench.core.policy.rules import RuleSet, Target
from workbench.core.policy.shellwords import Segment, Word

MAX_BASES = 8  # more `cd` targets than this in one command line: relative paths are judged as unknown
CHDIR = frozenset({"cd", "pushd", "popd"})
_RG_WALK = frozenset({"-g", "--glob", "--iglob", "-t", "--type", "-T", "--type-not", "--type-add", "--type-clear",
                      "-d", "--max-depth", "--max-filesize", "--ignore-file", "--no-require-git",
                      "--one-file-system", "--glob-case-insensitive", "--no-config"})  # fmt: skip


@dataclass(frozen=True)
class BashFacts:
    workspace: str  # real path
    rules: RuleSet  # settings and persona rules together
    ledger: GrantLedger | None
    # Folders relative paths may be relative to: where the command starts (first), and every folder a `cd`
    # in the same command line moves to (checking all of them is simpler than following subshell scoping).
    bases: tuple[str, ...] = ()
    # True when persona rules or deny/ask rules guard shell commands: a command the parser cannot see into
    # then keeps asking even in bypassPermissions mode, since it might run what those rules guard.
    guarded: bool = False
    # A `cd` in the command goes somewhere unknown: relative paths cannot be checked.
    lost: bool = False
    # Paths already resolved while judging one command line (many segments name the same files).
    cache: dict[tuple[str | None, bool, bool, str], list[ResolvedPath] | None] = field(default_factory=dict)
    repo: RepoFacts | None = None  # the repository, asked at most once per command line


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    reason: str
    rule: str | None = None
    insistent: bool = False  # keeps asking in bypassPermissions mode


def cd_targets(segments: Iterable[Segment], workspace: str, start: str = "") -> tuple[tuple[str, ...], bool]:
    """The folders inside the workspace that `cd` segments of one command line move to (from `start`), and
    whether some `cd` goes somewhere unknown (a variable, `cd -`, `popd`, outside the workspace, or more
    folders than are worth checking every path against)."""
    found: list[str] = []
    lost = False
    for segment in segments:
        if segment.program not in CHDIR:
            continue
        if segment.program == "popd" or not segment.args or segment.args[-1].value in (None, "-"):
            lost = True
            continue
        value = str(segment.args[-1].value)
        target = os.path.realpath(os.path.join(start or workspace, os.path.expanduser(value)))
        if target == workspace or target.startswith(workspace.rstrip("/") + "/"):
            if target not in found:
                found.append(target)
                if len(found) > MAX_BASES:
                    return tuple(found[:MAX_BASES]), True
        else:
            lost = True
    return tuple(found), lost


def resolve_all(word: Word, facts: BashFacts) -> list[ResolvedPath] | None:
    """Every path `word` can stand for from every folder the command may be in; None when unknown."""
    if facts.lost and word.value is not None and not word.tilde and not os.path.isabs(word.value):
        return None
    out: list[ResolvedPath] = []
    for base in facts.bases or (facts.workspace,):
        key = (word.value, word.glob, word.tilde, base)
        if key not in facts.cache:
            facts.cache[key] = resolve_word(word, facts.workspace, base)
        found = facts.cache[key]
        if found is None:
            return None
        out.extend(found)
    return out


def _secret(path: ResolvedPath) -> bool:
    names = (path.rel, path.lexical_rel, path.real or None, path.lexical or None)
    return any(name is not None and secrets.is_secret_path(name) for name in names)


def _explicitly_readable(real: str, facts: BashFacts) -> bool:
    rule = facts.rules.first(Verdict.ALLOW, Target("Read", path=real))
    return rule is not None and rule.specifier is not None


def file_problem(segment: Segment, uses: list[PathUse], facts: BashFacts) -> Finding | None:
    """A secret or denied file the segment reads (DENY, wherever it is: `cat ~/.ssh/id_ed25519` like `cat .env`),
    or a path that makes it unknowable or leaves the workspace (ASK)."""
    ask: Finding | None = None
    if segment.program in CHDIR:
        facts = dataclasses.replace(facts, lost=False)  # where a cd goes is judged from where it starts
    for use in uses:
        if use.mode == "write" or harmless_device(use.word.value):
            continue
        shown = use.word.raw
        resolved = resolve_all(use.word, facts)
        if resolved is None:
            if use.mode != "maybe":
                why = f"asks: {use.word.raw} is only known when the command runs (it could name a secret file)"
                ask = ask or Finding(Verdict.ASK, why, insistent=True)
            continue
        for path in resolved:
            if path.real:
                denied = facts.rules.first(Verdict.DENY, Target("Read", path=path.real))
                if denied is not None:
                    return Finding(Verdict.DENY, f"denied: reads {shown} ({denied.shown})", denied.shown)
            if use.mode != "stat" and _secret(path) and not _explicitly_readable(path.real, facts):
                return Finding(Verdict.DENY, f"denied: reads a secret file ({shown})", "secret-file")
            if path.rel is None and use.mode != "maybe":
                if segment.program in CHDIR:
                    why = f"asks: cd {use.word.raw} leaves the workspace; what follows runs there"
                    ask = ask or Finding(Verdict.ASK, why, insistent=True)
                else:
                    ask = ask or Finding(Verdict.ASK, f"asks: reads {shown}, outside the workspace")
    return ask


def protected_write(segment: Segment, uses: list[PathUse], facts: BashFacts) -> Finding | None:
    """A write outside the workspace, into a control file, through a hard link, or to a file only known when
    the command runs: it asks whatever the rules and the mode say."""
    hooks: str | None = None
    for use in uses:
        if use.mode != "write" or harmless_device(use.word.value):
            continue
        resolved = resolve_all(use.word, facts)
        if resolved is None:
            return _insist(f"writes {use.word.raw}, a file only known when the command runs")
        for path in resolved:
            if path.rel is None or path.lexical_rel is None:
                return _insist(f"writes {use.word.raw}, outside the workspace")
            if hooks is None and facts.repo is not None:
                hooks = facts.repo.hooks_folder() or ""
            control = control_reason(path.rel, hooks) or control_reason(path.lexical_rel, hooks)
            if control is not None:
                return _insist(f"writes {use.word.raw}: {control}")
            linked = hard_link_reason(path.real) if segment.program not in RENAMERS else None
            if linked is not None:
                return _insist(f"writes {use.word.raw}, which {linked}")
    return None


def _insist(why: str) -> Finding:
    return Finding(Verdict.ASK, f"asks: {why}", insistent=True)


def git_place_problem(segment: Segment, call: gitrules.GitCall | None, facts: BashFacts) -> Finding | None:
    """git told to work somewhere (`-C`, `--git-dir`, `--work-tree`, `GIT_DIR=`...) outside the workspace or
    somewhere unknown. The variables count for any program: a build tool's git inherits them."""
    places = call.places if call is not None else gitrules.location_assignments(segment)
    for word, how in places:
        resolved = resolve_all(word, facts)
        shown = f"{how}{word.raw}" if how.endswith("=") else f"git {how} {word.raw}"
        if resolved is None:
            return _insist(f"{shown} points git at a folder only known when the command runs")
        if any(p.rel is None for p in resolved):
            return _insist(f"{shown} points git outside the workspace")
    return None


def git_dirs(call: gitrules.GitCall, facts: BashFacts) -> list[str]:
    """The folders git runs in: each folder the command may be in, or the `-C` targets from there."""
    bases = list(facts.bases or (facts.workspace,))
    for word, how in call.places:
        if how == "-C":
            found = resolve_all(word, facts) or []
            bases = [p.real for p in found if p.real]
    return bases


def git_read_problem(call: gitrules.GitCall, facts: BashFacts) -> str | None:
    """Why an allowlisted git read should still ask: it runs in another repository (whose drivers are not
    switched off), would run the repository's external diff, or would print a secret file from history."""
    repo = facts.repo
    if repo is None:
        return None
    start = repo.repo_root((facts.bases or (facts.workspace,))[0])
    sub = call.subcommand
    for folder in git_dirs(call, facts):
        root = repo.repo_root(folder)
        if root != start:
            return f"git runs in another repository ({root or folder}), whose programs are not switched off"
        if not gitrules.prints_contents(call):
            continue
        parsed = call.parsed
        if sub == "diff" and parsed is not None and not parsed.has("--no-ext-diff"):
            external = repo.external_diff(folder)
            if external is not None:
                return f"git diff would run the repository's external diff ({external}); add --no-ext-diff"
        exists = functools.partial(_exists_in, folder)
        history = gitrules.reads_history(call, exists)
        found = repo.secret_history(folder) if history else repo.secret_current(folder)
        if found is None:
            return f"git {sub} prints file contents, and git's history could not be checked for secret files"
        if not found:
            continue
        specs = gitrules.pathspecs(call, exists)
        prefix = os.path.relpath(folder, root) if root is not None else "."
        hit = _history_hit(found, specs, prefix)
        if hit is not None:
            where = "history" if history else "index"
            return f"git {sub} could print {hit}, a secret file in the repository's {where} (name the files to show)"
    return None


def _exists_in(folder: str, text: str) -> bool:
    return bool(text) and os.path.lexists(os.path.join(folder, text))


def _history_hit(found: frozenset[str], specs: list[str] | None, prefix: str) -> str | None:
    if specs is None:
        return min(found)
    for spec in specs:
        target = os.path.normpath(os.path.join(prefix, spec)).replace(os.sep, "/")
        for secret in sorted(found):
            if target in (".", secret) or secret.startswith(target + "/"):
                return secret
    return None


def rg_problem(args: Parsed, facts: BashFacts) -> str | None:
    """rg reads every file under its folders that the ignore rules let through: a glob that lets more through,
    or a secret file it would read, makes it ask."""
    walk: list[str] = []
    for name, value in args.options:
        if name in ("-g", "--glob", "--iglob") and not (value or "").startswith("!"):
            return f"rg {name} {value} searches files the ignore rules would skip"
        if name in _RG_WALK:
            walk += [name] if value is None else [name, value]
    if args.has("--files", "--type-list") or facts.repo is None:
        return None
    paths = [u.word.value for u in args.uses if u.mode == "read" and not u.how and u.word.value is not None]
    for base in facts.bases or (facts.workspace,):
        found = facts.repo.rg_secrets(base, walk, paths)
        if found is None:
            return "rg could not list the files it would search"
        if found:
            return f"rg would search {found[0]}, a secret file"
    return None


def glob_flag_problem(segment: Segment, facts: BashFacts) -> str | None:
    """A glob that matches a file named like an option (`-rf`) turns into that option when the command runs."""
    for word in segment.args:
        if not word.glob:
            continue
        for base in facts.bases or (facts.workspace,):
            named = next((n for n in glob_names(word, base) if n.startswith("-")), None)
            if named is not None:
                return f"{word.raw} matches {named}, which {segment.program} would read as an option"
    return None
