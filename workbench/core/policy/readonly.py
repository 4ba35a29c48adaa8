"""Which shell segments only read, and which files a segment reads, looks at or writes.

A segment is read-only when its program and every one of its flags are on the allowlist (core.policy.allowlist,
core.policy.gitrules for git; `find`, `test`/`[` and `cd` are read here), it runs through no `sudo`/`xargs`/
`watch` and no environment variable that changes what runs, and no word of it is only known at run time. The
policy then checks every file it names (`path_uses`): inside the workspace, not secret.

For programs off the list, `path_uses` still finds the files they name, so that a secret read is denied and a
write outside the workspace or into a control file asks, whatever the rules allow: operands by position, the
values of `--opt=VALUE` options, redirections, and the operands of known writers (`cp`, `rm`, `tee`, `sed -i`...).
"""

from __future__ import annotations

from workbench.core.policy import gitrules
from workbench.core.policy.allowlist import PROGRAMS, Parsed, parse, spec
from workbench.core.policy.pathwords import PathUse
from workbench.core.policy.shellwords import Segment, Word


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Read-only programs with a grammar of their own.
SPECIAL = _names("git find test [ [[ cd command")
# Programs whose words `parsed` sorts out.
PARSED = frozenset(PROGRAMS) | _names("find test [")
SYSTEM_DIRS = ("/usr/bin/", "/bin/", "/usr/local/bin/", "/opt/homebrew/bin/", "/usr/sbin/", "/sbin/")
# Programs whose arguments never name files they read.
_NO_PATH_ARGS = _names("echo printf which type true false : exit command basename dirname pwd seq uname whoami id")
_FIND_GLOBAL = _names("-P -H -D -O")
_FIND_FLAGS = _names(
    "-print -print0 -ls -prune -quit -true -false -empty -readable -writable -executable -nouser -nogroup -depth "
    "-d -xdev -mount -noleaf -ignore_readdir_race -noignore_readdir_race -daystart -not ! ( ) , -a -and -o -or"
)
_FIND_VALUES = _names(
    "-name -iname -path -ipath -wholename -iwholename -regex -iregex -regextype -type -xtype -maxdepth -mindepth "
    "-size -mtime -mmin -atime -amin -ctime -cmin -perm -user -group -uid -gid -links -inum -printf -fstype -used "
    "-lname -ilname -context"
)
_FIND_FILES = _names("-newer -anewer -cnewer -samefile")
_TEST = spec(
    "-a -b -c -d -e -f -g -h -k -p -r -s -t -u -w -x -O -G -L -S -N -z -n -o -eq -ne -lt -le -gt -ge -nt -ot -ef",
    operands="stat",
)
# For programs off the list: options whose next word is their value, not a file (so it is not taken for one).
_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "git": _names("-m --message -C -c --author --date --format --pretty -b -B --branch --grep -n --depth -o"),
    "sed": _names("-e --expression -l --line-length"),
    "tar": _names("-C --directory -b --blocking-factor --exclude"),
}


def read_only_reason(segment: Segment, call: gitrules.GitCall | None, args: Parsed | None) -> str | None:
    """None when the segment only reads (as far as its program, flags and words go), else the word that makes
    it ask. `call` is the segment's git analysis when it runs git, `args` its words sorted out (`parsed`)."""
    if segment.lookup_only:
        return None
    program = segment.program
    if program not in PROGRAMS and program not in SPECIAL:
        return f"{program or 'this command'} is not on the read-only list"
    if program == "command":
        return "command runs another program"
    first = segment.words[0].value or ""
    if "/" in first and not first.startswith(SYSTEM_DIRS):
        return f"{first} is not the system {program}"
    if any(w in ("sudo", "doas", "xargs", "watch") for w in segment.wrappers):
        return f"{program} runs through {', '.join(segment.wrappers)}"
    if not segment.safe_prefix:
        return "an environment variable changes how it runs"
    if program == "git":
        return call.problem if call is not None else "git"
    if program == "cd":
        if not segment.args:
            return "cd without a folder goes to the home folder"
        return _dynamic(segment.args)
    if program == "[[":
        return None
    return (args if args is not None else parsed(segment)).problem


def _dynamic(words: tuple[Word, ...]) -> str | None:
    unknown = next((w for w in words if w.value is None), None)
    return f"{unknown.raw} is only known when the command runs" if unknown is not None else None


def parsed(segment: Segment) -> Parsed:
    """The segment's words against its program's spec (allowlisted programs, find and test only)."""
    program = segment.program
    if program == "find":
        return _find(segment.args)
    if program in ("test", "["):
        words = segment.args[:-1] if program == "[" and segment.args and segment.args[-1].value == "]" else segment.args
        return parse(program, _TEST, words)
    return parse(program, PROGRAMS[program], segment.args)


def _find(args: tuple[Word, ...]) -> Parsed:
    """find [-H|-P] [start...] [expression]: the starts are looked at; `-newer FILE` too; the rest must be on
    the list (no -exec, -delete, -fprint, -L...)."""
    out = Parsed()
    index = 0
    while index < len(args) and args[index].value in _FIND_GLOBAL:
        index += 1
    while index < len(args):
        value = args[index].value
        if value is None or value.startswith(("-", "(", "!", ")", ",")):
            break
        out.uses.append(PathUse(args[index], "stat"))
        out.operands.append(args[index])
        index += 1
    while index < len(args):
        word = args[index]
        value = word.value
        index += 1
        if value is None:
            out.ask(f"{word.raw} is only known when the command runs")
        elif value in _FIND_FLAGS:
            continue
        elif value in _FIND_VALUES or value in _FIND_FILES or value.startswith("-newer"):
            if index < len(args):
                if value in _FIND_FILES:
                    out.uses.append(PathUse(args[index], "stat", value))
                elif args[index].value is None:
                    out.ask(f"{args[index].raw} (the value of {value}) is only known when the command runs")
            out.options.append((value, args[index].value if index < len(args) else None))
            index += 1
        else:
            out.ask(f"find {value} is not on the read-only list")
    return out


def path_uses(segment: Segment, call: gitrules.GitCall | None, args: Parsed | None) -> list[PathUse]:
    """Files the segment names as reads, looks or writes: its arguments (per program), redirects, the files
    its wrappers read or write."""
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
    if program == "git" and call is not None:
        config = gitrules.written_config(call)
        if config is not None:
            return [*uses, PathUse(config, "write")]
        if call.parsed is not None:
            return uses + call.uses
        return uses + _generic(segment, call.rest, "git") + gitrules.revision_paths(call.rest)
    if program in PARSED:
        return uses + (args if args is not None else parsed(segment)).uses
    if program in ("cd", "pushd"):
        return uses + [PathUse(w, "stat") for w in segment.args[-1:]]
    return uses + _generic(segment, segment.args, program)


def _generic(segment: Segment, args: tuple[Word, ...], program: str) -> list[PathUse]:
    values = _VALUE_OPTIONS.get(program, frozenset())
    positionals: list[Word] = []
    options: list[PathUse] = []
    skip = ended = False
    for word in args:
        value = word.value
        if skip:
            skip = False
            continue
        if ended or value is None or not value.startswith("-") or value == "-":
            positionals.append(word)
        elif value == "--":
            ended = True
        elif value in values:
            skip = True
        elif value.startswith("--") and "=" in value and "://" not in value:
            # `--opt=FILE` may name a file it reads: checked for secrets and denied paths
            name, _, attached = value.partition("=")
            options.append(PathUse(Word(word.raw, attached), "maybe", name))
    writes = _writer_uses(segment, positionals)
    if writes is not None:
        return writes + options
    return [PathUse(w, "read") for w in positionals] + options


# Programs that change the files they name: every operand, or the last one (the destination).
_WRITES_ALL = _names("rm rmdir touch mkdir chmod chown chgrp truncate shred unlink tee")
_WRITES_LAST = _names("cp mv install ln rsync")
# Writers that replace or remove a name rather than change the file behind it (a hard link stays intact).
RENAMERS = _names("rm rmdir unlink mv")


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
