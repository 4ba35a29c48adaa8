"""The shell model: words, redirects and simple commands ("segments"), and how wrappers are seen through.

`strip_wrappers` removes `env A=1`, `timeout 5`, `nice -n 3`, `nohup`, `time`, `stdbuf`, `command`, `xargs`,
`sudo -u x`, ... from the front of a command, keeping what they consumed so rules can still match the
full form. Claude Code strips the harmless ones before matching allow rules; `sudo`, `doas`, `watch` and
environment variables that change what runs (PATH, LD_PRELOAD, ...) are never looked past for allow rules.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Variables that change which program runs or what it loads: never treated as harmless prefixes.
_UNSAFE_VARS = _names(
    "PATH PYTHONPATH PYTHONSTARTUP PYTHONHOME PYTHONINSPECT NODE_OPTIONS NODE_PATH BASH_ENV ENV IFS PROMPT_COMMAND "
    "SHELLOPTS BASHOPTS PERL5OPT PERL5LIB PERLLIB RUBYOPT RUBYLIB PAGER EDITOR VISUAL LESSOPEN LESSCLOSE MANPAGER "
    "HOME CDPATH GLOBIGNORE SHELL JAVA_TOOL_OPTIONS _JAVA_OPTIONS PS4 RIPGREP_CONFIG_PATH"
)
_UNSAFE_VAR_PREFIXES = ("LD_", "DYLD_", "GIT_", "BASH_FUNC_", "NPM_CONFIG_", "npm_config_")
# Variables that only tune output, locale or a build's mode: a command prefixed with them is still the
# command an allow rule names. Anything else (CC=, GOFLAGS=, PYTEST_ADDOPTS=, ...) can make a program run
# other code, so an allow rule must then name the assignment too.
_HARMLESS_VARS = _names(
    "NODE_ENV RAILS_ENV RACK_ENV APP_ENV FLASK_ENV DJANGO_DEBUG DEBUG CI TZ LANG LANGUAGE TERM NO_COLOR "
    "FORCE_COLOR CLICOLOR CLICOLOR_FORCE COLUMNS LINES PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE PYTHONHASHSEED "
    "PYTHONIOENCODING PYTHONUTF8 RUST_BACKTRACE RUST_LOG GOOS GOARCH CGO_ENABLED NODE_NO_WARNINGS VERBOSE "
    "LOG_LEVEL TERM_PROGRAM COLORTERM"
)
_PAGERS = frozenset({"PAGER", "GIT_PAGER", "MANPAGER"})


def unsafe_variable(name: str) -> bool:
    """Setting it changes what later commands run or load (PATH, LD_PRELOAD, BASH_ENV, GIT_*, ...)."""
    return name in _UNSAFE_VARS or name.startswith(_UNSAFE_VAR_PREFIXES)


def harmless_prefix(name: str, value: str | None) -> bool:
    """True for `NAME=value cmd` prefixes that leave `cmd` the command an allow rule names."""
    if value is None:
        return False
    if name in _PAGERS:
        return value in ("", "cat")
    return name in _HARMLESS_VARS or (name.startswith("LC_") and name[3:].isalpha())


@dataclass(frozen=True)
class _WrapperSpec:
    value_options: frozenset[str] = frozenset()
    positionals: int = 0  # positional words the wrapper itself takes before the command (timeout DURATION)
    safe: bool = True  # stripped before allow rules match (Claude Code strips these)


def _opts(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WRAPPERS: dict[str, _WrapperSpec] = {
    "env": _WrapperSpec(_opts("-u --unset -C --chdir -S --split-string")),
    "timeout": _WrapperSpec(_opts("-s --signal -k --kill-after"), positionals=1),
    "nice": _WrapperSpec(_opts("-n --adjustment")),
    "nohup": _WrapperSpec(),
    "time": _WrapperSpec(_opts("-f --format -o --output")),
    "stdbuf": _WrapperSpec(_opts("-i -o -e --input --output --error")),
    "command": _WrapperSpec(),
    "builtin": _WrapperSpec(),
    "exec": _WrapperSpec(_opts("-a")),
    "nocorrect": _WrapperSpec(),
    "noglob": _WrapperSpec(),
    "setsid": _WrapperSpec(),
    "ionice": _WrapperSpec(_opts("-c --class -n --classdata -p --pid -P -u")),
    "xargs": _WrapperSpec(
        _opts(
            "-I -n -L -P -s -d -E -a --arg-file --delimiter --max-args --max-lines --max-procs --max-chars --eof "
            "--replace --process-slot-var"
        )
    ),
    "sudo": _WrapperSpec(
        _opts(
            "-u --user -g --group -C --close-from -D --chdir -h --host -p --prompt -r --role -t --type -T "
            "--command-timeout -U --other-user"
        ),
        safe=False,
    ),
    "doas": _WrapperSpec(_opts("-u -C"), safe=False),
    "watch": _WrapperSpec(_opts("-n --interval"), safe=False),
}


@dataclass(frozen=True)
class Word:
    """One shell word: its source text and, when knowable before running, its value."""

    raw: str
    value: str | None  # None: depends on an expansion ($X, $(…), …) at run time
    glob: bool = False  # unquoted *, ?, [ or a {a,b} brace: the shell turns it into file names
    tilde: bool = False  # unquoted leading ~: the user's home

    @property
    def shown(self) -> str:
        return self.value if self.value is not None else self.raw


@dataclass(frozen=True)
class Redirect:
    op: str  # ">", ">>", "&>", "&>>", ">|", "<", "<>", ">&", "<&", "<<", "<<<"
    target: Word | None  # None for heredocs and here-strings
    fd: str | None = None
    body: str | None = None  # what a heredoc or here-string feeds to stdin, when known before running

    @property
    def dup(self) -> bool:
        """`2>&1`, `>&2`, `<&0`, `>&-`: duplicates a descriptor, touches no file."""
        if self.op not in (">&", "<&", "&>") or self.target is None:
            return False
        value = self.target.value
        return value is not None and (value.isdigit() or value == "-") and self.op != "&>"

    @property
    def writes(self) -> bool:
        return self.op in (">", ">>", "&>", "&>>", ">|", "<>", ">&") and not self.dup

    @property
    def reads(self) -> bool:
        return self.op in ("<", "<>") or (self.op == "<&" and not self.dup)


@dataclass(frozen=True)
class Segment:
    """One simple command, after wrappers are stripped."""

    text: str  # as written, with its redirects
    words: tuple[Word, ...]  # argv: words[0] is the program as written
    wrappers: tuple[str, ...] = ()  # wrapper programs seen through, outermost first
    wrapper_words: tuple[Word, ...] = ()  # the words the wrappers consumed (for matching the full form)
    assignments: tuple[tuple[str, Word], ...] = ()  # VAR=value prefixes (and env's)
    redirects: tuple[Redirect, ...] = ()
    opaque: str | None = None  # why the command cannot be known before it runs
    depth: int = 0  # 0 = top level; more inside $(…), bash -c, find -exec
    via: str = ""  # how a nested segment is reached: "$(…)", "bash -c", "find -exec", "eval"
    lookup_only: bool = False  # `command -v git`: looks a name up, runs nothing
    extra_reads: tuple[Word, ...] = ()  # files a wrapper reads (xargs -a)
    extra_writes: tuple[Word, ...] = ()  # files a wrapper writes (time -o)
    chdir: bool = False  # a wrapper changes directory (env -C, sudo -D)
    tricky: bool = False  # a wrapper option changes the command line (xargs -I/-n/...): only bare xargs is harmless

    @property
    def program(self) -> str:
        """The program's name without its folder (`/usr/bin/git` -> `git`); "" when unknown or absent."""
        if not self.words or self.words[0].value is None:
            return ""
        return self.words[0].value.rsplit("/", 1)[-1]

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    @property
    def safe_prefix(self) -> bool:
        """True when every wrapper and assignment is one an allow rule may look past."""
        if any(not _WRAPPERS[w].safe for w in self.wrappers if w in _WRAPPERS) or self.chdir or self.tricky:
            return False
        return all(harmless_prefix(name, value.value) for name, value in self.assignments)

    def allow_texts(self) -> set[str]:
        """The forms an allow rule (or a grant) may match: wrappers stripped only when they are harmless."""
        if not self.words:
            return set()
        if self.safe_prefix:
            return {_raw(self.words), _quoted(self.words)}
        full = tuple(_assignment_words(self.assignments)) + self.wrapper_words + self.words
        return {_raw(full)}

    def guard_texts(self) -> set[str]:
        """Every form a deny or ask rule is tried against: as written, unquoted, by program name."""
        if not self.words:
            return set()
        forms = self.allow_texts()
        forms |= {_raw(self.words), _quoted(self.words), _literal(self.words)}
        full = tuple(_assignment_words(self.assignments)) + self.wrapper_words + self.words
        forms |= {_raw(full), _literal(full)}
        if self.program and self.words[0].value != self.program:
            bare = (Word(self.program, self.program), *self.words[1:])
            forms |= {_raw(bare), _literal(bare), _quoted(bare)}
        return forms


@dataclass(frozen=True)
class ShellAnalysis:
    command: str
    segments: tuple[Segment, ...]
    error: str | None = None  # the line could not be parsed (the policy asks)

    @property
    def programs(self) -> list[str]:
        return [s.program for s in self.segments if s.program]


def _assignment_words(assignments: tuple[tuple[str, Word], ...]) -> list[Word]:
    return [Word(f"{n}={v.raw}", f"{n}={v.value}" if v.value is not None else None) for n, v in assignments]


def _raw(words: tuple[Word, ...]) -> str:
    return " ".join(w.raw for w in words)


def _literal(words: tuple[Word, ...]) -> str:
    return " ".join(w.shown for w in words)


def _quoted(words: tuple[Word, ...]) -> str:
    return " ".join(shlex.quote(w.value) if w.value is not None and not w.glob else w.raw for w in words)


@dataclass
class _Stripped:
    rest: tuple[Word, ...]
    wrappers: tuple[str, ...] = ()
    consumed: tuple[Word, ...] = ()
    assignments: tuple[tuple[str, Word], ...] = ()
    opaque: str | None = None
    lookup_only: bool = False
    reads: tuple[Word, ...] = ()
    writes: tuple[Word, ...] = ()
    chdir: bool = False
    tricky: bool = False
    notes: list[str] = field(default_factory=list)


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def strip_wrappers(words: tuple[Word, ...]) -> _Stripped:
    out = _Stripped(rest=words)
    index = 0
    wrappers: list[str] = []
    assignments: list[tuple[str, Word]] = []
    reads: list[Word] = []
    writes: list[Word] = []
    while index < len(words):
        first = words[index].value
        name = first.rsplit("/", 1)[-1] if first else ""
        spec = _WRAPPERS.get(name)
        if spec is None or first is None:
            break
        if name == "command" and any(w.value in ("-v", "-V") for w in words[index + 1 : index + 3]):
            out.lookup_only = True  # `command -v git` looks the name up and runs nothing: keep it whole
            break
        start = index
        index += 1
        positionals = spec.positionals
        while index < len(words):
            value = words[index].value
            if value is None:
                break
            if value == "--":
                index += 1
                break
            if name == "env" and _ASSIGNMENT.match(value):
                key, _, rest = value.partition("=")
                raw = words[index].raw
                assignments.append((key, Word(raw.partition("=")[2], rest)))
                index += 1
                continue
            if value.startswith("-") and len(value) > 1:
                option = value.split("=", 1)[0]
                takes_value = option in spec.value_options and "=" not in value
                if name == "env" and (option in ("-S", "--split-string") or value.startswith("-S")):
                    out.opaque = "env -S splits a string into a command"
                if name == "env" and option in ("-C", "--chdir"):
                    out.chdir = True
                if name == "xargs":
                    out.tricky = True
                if name == "sudo" and option in ("-D", "--chdir"):
                    out.chdir = True
                if name == "sudo" and value in ("-e", "--edit"):
                    out.opaque = "sudo -e edits files as another user"
                if name in ("sudo", "doas") and value in ("-s", "-i", "--shell", "--login"):
                    out.opaque = f"{name} {value} starts a shell"
                if takes_value and index + 1 < len(words):
                    if name == "xargs" and option in ("-a", "--arg-file"):
                        reads.append(words[index + 1])
                    if name == "time" and option in ("-o", "--output"):
                        writes.append(words[index + 1])
                    index += 2
                else:
                    index += 1
                continue
            if positionals > 0:
                positionals -= 1
                index += 1
                continue
            break
        if index >= len(words) and name == "xargs":
            # bare `xargs` runs echo with the input as arguments
            words = (*words, Word("echo", "echo"))
        elif index >= len(words):
            # nothing left to run: `env`, `sudo -l`, `time` alone are the program themselves
            index = start
            break
        wrappers.append(name)
        out.consumed = out.consumed + words[start:index]
    out.rest = words[index:]
    out.wrappers = tuple(wrappers)
    out.assignments = tuple(assignments)
    out.reads = tuple(reads)
    out.writes = tuple(writes)
    return out


def unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            if nxt != "\n":
                out.append(nxt)
        else:
            out.append(char)
    return "".join(out)


def unescape_double(body: str) -> str:
    if "\\" not in body:
        return body
    return re.sub(r'\\([\\"$`\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), body)


_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "v": "\v"}


def ansi_c(body: str) -> str:
    def repl(match: re.Match[str]) -> str:
        token = match.group(1)
        head = token[0]
        if head in _ANSI_C:
            return _ANSI_C[head]
        if head in "xuU":
            try:
                return chr(int(token[1:], 16))
            except ValueError:
                return token
        if head.isdigit():
            return chr(int(token, 8) & 0xFF)
        return token

    return re.sub(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|.)", repl, body)


def has_glob(raw: str) -> bool:
    escaped = False
    for char in raw:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "*?[":
            return True
    return has_brace(raw)


def has_brace(raw: str) -> bool:
    return "{" in raw and "}" in raw and ("," in raw or ".." in raw) and "\\{" not in raw
