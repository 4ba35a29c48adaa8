"""Which shell segments only read, and which files a segment reads or writes.

A read-only command (`ls cat head tail grep rg find wc pwd echo which diff stat du file tree sort uniq cut`,
`git status/log/diff/show/branch/rev-parse`, ...) runs without asking only when no dangerous flag is present
(`find -exec/-delete/-fprint`, `rg --pre`, `git -c`, `sort -o`, `--output`, output redirection, ...), when
every path it names stays inside the workspace, and when none of its arguments is only known at run time.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

from workbench.core.policy.shell import Segment, Word


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


READ_ONLY = _names(
    "ls cat head tail grep egrep fgrep rg find wc pwd echo printf which type diff stat du file tree sort uniq cut "
    "true false : exit test [ [[ basename dirname realpath readlink tac nl sha256sum sha1sum md5sum cd git command"
)
# Programs whose arguments are never file names they read.
_NO_PATH_ARGS = _names("echo printf which type true false : exit command basename dirname pwd")
# Programs that look at files' names, sizes or types, never their contents: a secret file is no secret to them.
_METADATA_ONLY = _names("ls stat du file find tree realpath readlink test [ [[ cd")
READ_ONLY_GIT = frozenset({"status", "log", "diff", "show", "branch", "rev-parse", "ls-files", "blame"})

# Options that take the next word as their value (so that word is not taken for a path), per program.
_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    name: frozenset(text.split())
    for name, text in {
        "grep": "-e -f -m -A -B -C -d -D --label --include --exclude",
        "rg": "-e -f -g --glob --iglob -t --type -T --type-not -m -A -B -C -M -j -E --encoding --max-depth -d "
        "--sort --sortr --type-add -r --replace --max-count --context --threads --color --colors",
        "head": "-n -c",
        "tail": "-n -c -s --pid",
        "cut": "-d -f -c -b --output-delimiter",
        "sort": "-k -t -S -T --parallel --key --field-separator",
        "uniq": "-f -s -w",
        "du": "-d --max-depth -B --exclude",
        "tree": "-L -P -I --filelimit --charset",
        "ls": "-I --ignore -w --width -T --tabsize --hide --sort --format",
        "stat": "-c --format --printf",
        "file": "-m -F -e -P",
        "diff": "-U -C --label -L -I -x -X",
    }.items()
}
_VALUE_OPTIONS["egrep"] = _VALUE_OPTIONS["fgrep"] = _VALUE_OPTIONS["grep"]

_DANGEROUS: dict[str, tuple[str, ...]] = {
    name: tuple(text.split())
    for name, text in {
        "find": "-exec -execdir -ok -okdir -delete -fprint -fprint0 -fprintf -fls",
        "rg": "--pre --pre-glob --hidden --no-ignore --no-ignore-dot --no-ignore-files --no-ignore-vcs "
        "--no-ignore-global --no-ignore-parent --no-config",
        "grep": "-r -R --recursive --dereference-recursive --directories=recurse",
        "sort": "-o --output --compress-program",
        "tree": "-o -R",
        "file": "-C --compile",
        "printf": "-v",
        "test": "-v",
        "[": "-v",
    }.items()
}
_DANGEROUS["egrep"] = _DANGEROUS["fgrep"] = _DANGEROUS["grep"]
_GIT_GLOBAL_DANGER = ("-c", "--config-env", "--exec-path", "--git-dir", "--work-tree", "--namespace", "--super-prefix")
_GIT_DANGER = ("--output", "--ext-diff", "-o", "--exec", "--upload-pack", "--receive-pack")
_GIT_BRANCH_LIST = _names(
    "-a --all -r --remotes -l --list -v -vv --verbose --show-current --contains --no-contains --merged "
    "--no-merged --points-at --no-color --color -i --ignore-case --omit-empty --column --no-column -q --quiet"
)
_GIT_BRANCH_VALUE = frozenset({"--contains", "--no-contains", "--merged", "--no-merged", "--points-at"})


@dataclass(frozen=True)
class PathUse:
    word: Word
    mode: str  # "read" | "write" | "stat" (names, sizes and types only)


def _option_name(value: str) -> str:
    return value.split("=", 1)[0]


def dangerous_flag(segment: Segment) -> str | None:
    """The first flag that makes a read-only program write, run something, or read past the usual fences."""
    program = segment.program
    args = [a.value or "" for a in segment.args]
    if program == "git":
        return _git_danger(args)
    if program == "rg":
        for value in args:
            if (value.startswith("-u") and not value.startswith("--")) or value == "-.":
                return value
    flags = _DANGEROUS.get(program, ())
    for value in args:
        if value == "--":
            break
        name = _option_name(value)
        if name in flags or value in flags:
            return value
        short = value.startswith("-") and not value.startswith("--")
        if program in ("grep", "egrep", "fgrep") and short and ("r" in value[1:] or "R" in value[1:]):
            return value
        if program == "sort" and value.startswith("-o"):
            return value
        if value.startswith("--output"):
            return value
    if program == "uniq" and len(_positionals(segment)) > 1:
        return "a second file name (uniq writes its output there)"
    return None


def _git_danger(args: list[str]) -> str | None:
    index = 0
    while index < len(args) and args[index].startswith("-"):
        name = _option_name(args[index])
        if name in _GIT_GLOBAL_DANGER:
            return args[index]
        index += 2 if name == "-C" else 1
    for value in args[index + 1 :]:
        if _option_name(value) in _GIT_DANGER:
            return value
    return None


def git_subcommand(segment: Segment) -> tuple[str | None, list[Word]]:
    """The git subcommand and the words after it (global options skipped)."""
    args = list(segment.args)
    index = 0
    while index < len(args):
        value = args[index].value
        if value is None or not value.startswith("-"):
            break
        index += 2 if value == "-C" else 1
    if index >= len(args) or args[index].value is None:
        return None, []
    return args[index].value, args[index + 1 :]


def read_only_reason(segment: Segment) -> str | None:
    """None when the segment only reads (as far as its program and flags go), else why it does not."""
    if segment.lookup_only:
        return None
    program = segment.program
    if program not in READ_ONLY:
        return f"{program or 'this command'} is not a read-only command"
    if program == "command":
        return "command runs another program"
    first = segment.words[0].value or ""
    if "/" in first and not first.startswith(("/usr/bin/", "/bin/", "/usr/local/bin/", "/opt/homebrew/bin/")):
        return f"{first} is not the system {program}"
    if any(w in ("sudo", "doas", "xargs", "watch") for w in segment.wrappers):
        return f"{program} runs through {', '.join(segment.wrappers)}"
    if not segment.safe_prefix:
        return "an environment variable changes how it runs"
    flag = dangerous_flag(segment)
    if flag is not None:
        return f"{program} with {flag} is not read-only"
    if program == "git":
        sub, rest = git_subcommand(segment)
        if sub not in READ_ONLY_GIT:
            return f"git {sub or ''} is not a read-only git command".replace("  ", " ")
        if sub == "branch":
            expect_value = False
            listing = any(w.value in ("-l", "--list") for w in rest)
            for word in rest:
                value = word.value or ""
                if expect_value:
                    expect_value = False
                    continue
                if value.startswith("-"):
                    if _option_name(value) not in _GIT_BRANCH_LIST and not value.startswith(("--sort", "--format")):
                        return f"git branch {value} changes branches"
                    expect_value = value in _GIT_BRANCH_VALUE
                elif not listing:
                    return "git branch with a name creates a branch"
    if program == "cd" and not segment.args:
        return "cd without a folder goes to the home folder"
    return None


def _positionals(segment: Segment) -> list[Word]:
    program = segment.program
    values = _VALUE_OPTIONS.get(program, frozenset())
    out: list[Word] = []
    skip = False
    ended = False
    for word in segment.args:
        value = word.value
        if skip:
            skip = False
            continue
        if not ended and value is not None and value.startswith("-") and value != "-":
            if value == "--":
                ended = True
            elif value in values:
                skip = True
            continue
        out.append(word)
    return out


def path_uses(segment: Segment) -> list[PathUse]:
    """Files the segment names as reads or writes: arguments (per program), redirects, wrapper files."""
    uses: list[PathUse] = [PathUse(w, "read") for w in segment.extra_reads]
    uses += [PathUse(w, "write") for w in segment.extra_writes]
    for redirect in segment.redirects:
        if redirect.target is None or redirect.dup:
            continue
        if redirect.reads:
            uses.append(PathUse(redirect.target, "read"))
        if redirect.writes:
            uses.append(PathUse(redirect.target, "write"))
    program = segment.program
    if not segment.words or program in _NO_PATH_ARGS or segment.lookup_only:
        return uses
    if program == "git":
        git_args = segment.args
        for index, word in enumerate(git_args[:-1]):
            if word.value == "-C":  # git -C DIR works in DIR
                uses.append(PathUse(git_args[index + 1], "read"))
            if word.value is None or not word.value.startswith("-"):
                break
        _sub, rest = git_subcommand(segment)
        for word in rest:
            value = word.value
            if value is None:
                uses.append(PathUse(word, "read"))
            elif not value.startswith("-"):
                # `HEAD:path` reads a file from history; a bare word is a ref or a path
                target = value.split(":", 1)[1] if ":" in value else value
                uses.append(PathUse(Word(word.raw, target, word.glob, word.tilde), "read"))
        return uses
    positionals = _positionals(segment)
    writes = _writer_uses(segment, positionals)
    if writes is not None:
        return uses + writes
    if program in ("grep", "egrep", "fgrep", "rg"):
        explicit = any((w.value or "").startswith(("-e", "-f", "--regexp", "--file")) for w in segment.args)
        if not explicit and positionals:
            positionals = positionals[1:]
        args = list(segment.args)
        for index, word in enumerate(args):
            value = word.value or ""
            if value in ("-f", "--file") and index + 1 < len(args):
                uses.append(PathUse(args[index + 1], "read"))
            elif value.startswith("--file="):
                uses.append(PathUse(Word(word.raw, value[7:]), "read"))
            elif value.startswith("-f") and len(value) > 2 and not value.startswith("--"):
                uses.append(PathUse(Word(word.raw, value[2:]), "read"))
    if program == "find":
        starts: list[Word] = []
        for word in segment.args:
            value = word.value or ""
            if value.startswith(("-", "(", "!", ")")):
                break
            starts.append(word)
        positionals = starts
    mode = "stat" if program in _METADATA_ONLY else "read"
    uses += [PathUse(w, mode) for w in positionals]
    return uses


# Programs that change the files they name: every operand, or the last one (the destination).
_WRITES_ALL = _names("rm rmdir touch mkdir chmod chown chgrp truncate shred unlink tee")
_WRITES_LAST = _names("cp mv install ln rsync")


def _writer_uses(segment: Segment, positionals: list[Word]) -> list[PathUse] | None:
    """The reads and writes of a file-changing program (cp, mv, rm, tee, sed -i, dd, ...); None for others."""
    program = segment.program
    args = segment.args
    if program in _WRITES_ALL:
        return [PathUse(w, "write") for w in positionals]
    if program in _WRITES_LAST:
        target = next((a for i, a in enumerate(args[1:]) if args[i].value in ("-t", "--target-directory")), None)
        target = target or next((Word(a.raw, a.value.split("=", 1)[1]) for a in args
                                 if a.value and a.value.startswith("--target-directory=")), None)  # fmt: skip
        if target is not None:
            return [PathUse(w, "read") for w in positionals if w is not target] + [PathUse(target, "write")]
        if not positionals:
            return []
        # a link is a way to write where it points: ln's targets count as writes
        source_mode = "write" if program == "ln" else "read"
        return [PathUse(w, source_mode) for w in positionals[:-1]] + [PathUse(positionals[-1], "write")]
    if program == "sed" and any((a.value or "").startswith(("-i", "--in-place")) for a in args):
        explicit = any(a.value in ("-e", "-f", "--expression", "--file") for a in args)
        return [PathUse(w, "write") for w in (positionals if explicit else positionals[1:])]
    if program == "dd":
        out: list[PathUse] = []
        for arg in args:
            value = arg.value or ""
            if value.startswith(("if=", "of=")):
                word = Word(arg.raw, value[3:], arg.glob, value[3:].startswith("~"))
                out.append(PathUse(word, "read" if value.startswith("if=") else "write"))
        return out
    return None


@dataclass(frozen=True)
class ResolvedPath:
    real: str  # absolute real path ("" when unknown)
    rel: str | None  # workspace-relative POSIX path, None when outside
    lexical_rel: str | None  # relative path as written (before symlinks), None when outside


def resolve_word(word: Word, workspace: str, base: str = "", limit: int = 500) -> list[ResolvedPath] | None:
    """Every path a word can stand for (globs expanded in `base`, default the workspace); None when only known
    at run time."""
    value = word.value
    if value is None:
        return None
    if word.tilde:
        home = os.path.expanduser("~")
        value = home + value[1:] if value == "~" or value.startswith("~/") else value
        if value.startswith("~"):
            return [ResolvedPath("", None, None)]
    if word.glob:
        pattern = value if os.path.isabs(value) else os.path.join(base or workspace, value)
        found = []
        for index, match in enumerate(glob.iglob(pattern)):
            if index >= limit:
                return None  # too many files to check one by one: judged as unknown
            found.append(match)
        candidates = found or [pattern]
    else:
        candidates = [value if os.path.isabs(value) else os.path.join(base or workspace, value)]
    out: list[ResolvedPath] = []
    for candidate in candidates:
        lexical = os.path.normpath(candidate)
        real = os.path.realpath(candidate)
        out.append(ResolvedPath(real, _inside(real, workspace), _inside(lexical, workspace)))
    return out


def _inside(path: str, workspace: str) -> str | None:
    if path == workspace:
        return "."
    if path.startswith(workspace.rstrip("/") + "/"):
        return path[len(workspace.rstrip("/")) + 1 :]
    return None


def harmless_device(value: str | None) -> bool:
    return value in ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty")
