"""Shell command analysis with a real parser (the tree-sitter bash grammar), never regexes.

`analyze(command)` splits a command line into simple commands ("segments") wherever the shell would:
`&&`, `||`, `;`, `|`, `|&`, `&`, newlines, subshells, `{ }` groups, `$(…)`, backticks, process substitution,
heredoc bodies, `if`/`for`/`while`. Each segment sees through wrappers (`env A=1`, `timeout 5`, `nice`,
`nohup`, `xargs`, `command`, `sudo`, `time`, `stdbuf`, …) and full paths (`/usr/bin/git` is `git`).
Commands whose meaning cannot be known before they run (`bash -c`, `python -c`, `eval`, `source`, a program
held in a variable, arithmetic or prompt expansion over variables, which runs any `$(…)` hidden in their
values, an unparseable line) are marked opaque: the policy asks for them. Literal scripts given
to `bash -c` or `eval` and the commands of `find -exec` are analysed too, as nested segments.
"""

from __future__ import annotations

import dataclasses
import re
import threading

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from workbench.core.policy.arithmetic import arithmetic_hazard
from workbench.core.policy.grammar import (
    REDIRECTS,
    blank_inside,
    comment_problem,
    flatten_redirects,
    misread,
    translated,
)
from workbench.core.policy.shellwords import (
    Redirect,
    Segment,
    ShellAnalysis,
    Word,
    ansi_c,
    has_brace,
    has_glob,
    strip_wrappers,
    unescape,
    unescape_double,
    unsafe_variable,
)

__all__ = ["SHELLS", "Redirect", "Segment", "ShellAnalysis", "Word", "analyze"]

MAX_COMMAND_CHARS = 100_000
MAX_SEGMENTS = 2_000
MAX_DEPTH = 6  # bash -c / eval scripts analysed inside each other
MAX_NESTING = 40  # $(…) inside $(…)

_LANGUAGE = Language(tree_sitter_bash.language())
_local = threading.local()


SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "busybox"})
_INLINE_CODE_FLAGS: dict[str, frozenset[str]] = {
    "node": frozenset({"-e", "--eval", "-p", "--print"}),
    "deno": frozenset({"eval"}),
    "bun": frozenset({"-e", "--eval", "-p", "--print"}),
    "perl": frozenset({"-e", "-E"}),
    "ruby": frozenset({"-e"}),
    "php": frozenset({"-r"}),
    "lua": frozenset({"-e"}),
    "Rscript": frozenset({"-e"}),
    "osascript": frozenset({"-e"}),
}
# Programs whose -c/--command option takes a whole command line for a shell.
_STRING_RUNNERS = frozenset({"su", "runuser", "script", "flock", "sg"})
_PYTHON = re.compile(r"^(python|pypy)[0-9.]*$")
# Builtins that run code the parser cannot see, or change what later names mean.
_OPAQUE_BUILTINS = {
    "eval": "eval runs a string as a command",
    "source": "source runs a script inside this shell",
    ".": "`.` runs a script inside this shell",
    "trap": "trap registers code to run later",
    "alias": "alias changes what a command name means",
    "enable": "enable changes the shell's builtins",
    "fc": "fc re-runs commands from history",
    "hash": "hash changes where a command name points",
    "coproc": "coproc starts a background command",
}


# Variables that change which program runs or what it loads: never treated as harmless prefixes.
def _parser() -> Parser:
    parser: Parser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = Parser(_LANGUAGE)
        _local.parser = parser
    return parser


def analyze(command: str) -> ShellAnalysis:
    """Split `command` into segments, each with its program, arguments, redirects and wrappers."""
    if len(command) > MAX_COMMAND_CHARS:
        return ShellAnalysis(command, (), f"command is longer than {MAX_COMMAND_CHARS} characters")
    if "\x00" in command:
        return ShellAnalysis(command, (), "command contains a NUL character")
    collector = _Collector(command.encode("utf-8", "surrogatepass"))
    error = collector.run(depth=0, via="")
    if error is None and len(collector.segments) > MAX_SEGMENTS:
        error = f"more than {MAX_SEGMENTS} commands"
    return ShellAnalysis(command, tuple(collector.segments), error)


class _Collector:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self.segments: list[Segment] = []
        self.too_deep = False

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def run(self, depth: int, via: str) -> str | None:
        tree = _parser().parse(self.source)
        root = tree.root_node
        self.walk(root, depth, via, ())
        hazard = arithmetic_hazard(root, self.source)
        if hazard is not None:
            node, why = hazard
            self.add(Segment(self.text(node), (), opaque=why, depth=depth, via=via))
        if self.too_deep:
            return f"the command nests more than {MAX_NESTING} levels deep"
        if root.has_error:
            bad = _first_error(root)
            where = f" near {self.text(bad)[:40]!r}" if bad is not None and bad.end_byte > bad.start_byte else ""
            return f"the command could not be parsed{where}"
        return None

    # --- the tree walk ---------------------------------------------------------------------------
    # Iterative over lists and pipelines (`a && b && …` nests one level per operator, so recursion would
    # fail on long command lines); recursion happens only per level of real nesting ($(…), bash -c), which
    # is capped at MAX_NESTING.
    def walk(self, node: Node, depth: int, via: str, redirects: tuple[Redirect, ...]) -> None:
        if depth > MAX_NESTING:
            self.too_deep = True
            return
        stack: list[tuple[Node, tuple[Redirect, ...]]] = [(node, redirects)]
        while stack:
            current, outer = stack.pop()
            kind = current.type
            if kind == "command":
                self.command(current, depth, via, outer, None)
            elif kind == "redirected_statement":
                body = current.child_by_field_name("body")
                nodes = current.children_by_field_name("redirect")
                # bash reads words after a redirection as the command's arguments; the grammar hangs them on it
                flat, trailing = flatten_redirects(nodes)
                found = (self.redirect(n, depth) for n in flat)
                merged = outer + tuple(r for r in found if r is not None)
                if body is None or (trailing and body.type != "command"):
                    self.add(Segment(self.text(current), (), redirects=merged, depth=depth, via=via,
                                     opaque="words after a redirection" if trailing else None))  # fmt: skip
                elif body.type == "command":
                    self.command(body, depth, via, merged, self.text(current), nodes)
                elif body.type in ("list", "pipeline"):
                    stack.extend(reversed(_bind_last(body, outer, merged)))
                else:
                    stack.append((body, merged))
            elif kind in ("command_substitution", "process_substitution"):
                label = "<(…)" if kind == "process_substitution" else "$(…)"
                for child in current.named_children:
                    self.walk(child, depth + 1, via or label, ())
            elif kind in REDIRECTS:
                # a redirection on its own: `$(<file)` reads the file, `> file` truncates it
                redirect = self.redirect(current, depth)
                merged = outer + ((redirect,) if redirect is not None else ())
                self.add(Segment(self.text(current), (), redirects=merged, depth=depth, via=via))
            elif kind == "test_command":
                self.substitutions(current, depth)
                self.add(Segment(self.text(current), (Word("[[", "[["),), redirects=outer, depth=depth, via=via))
            elif kind == "variable_assignment":
                self.assignment_only(current, depth, via, outer)
            elif kind == "declaration_command":
                self.declaration(current, depth, via, outer)
            elif kind in ("heredoc_body", "string", "concatenation", "expansion", "arithmetic_expansion"):
                self.substitutions(current, depth)
            elif kind == "comment":
                problem = comment_problem(current, self.source)
                if problem is not None:
                    self.add(Segment(self.text(current), (), opaque=problem, depth=depth, via=via))
            else:
                if kind == "function_definition":
                    name = current.child_by_field_name("name")
                    shown = self.text(name) if name is not None else "?"
                    opaque = f"defines a shell function {shown}"
                    self.add(Segment(self.text(current), (), opaque=opaque, depth=depth, via=via))
                    outer = ()
                stack.extend((child, outer) for child in reversed(current.named_children))

    def substitutions(self, node: Node, depth: int) -> None:
        """Walk the command and process substitutions anywhere under `node` (words, strings, heredocs)."""
        stack = list(reversed(node.named_children))
        while stack:
            child = stack.pop()
            if child.type in ("command_substitution", "process_substitution"):
                self.walk(child, depth, "", ())  # walk() puts the inner commands one level deeper
            else:
                stack.extend(reversed(child.named_children))

    def redirect(self, node: Node, depth: int) -> Redirect | None:
        """One redirection (the redirections and words the grammar nests in it: `_flatten_redirects`)."""
        if node.type == "heredoc_redirect":
            body = next((c for c in node.named_children if c.type == "heredoc_body"), None)
            if body is not None:
                self.substitutions(body, depth)
            static = body is not None and all(c.type == "heredoc_content" for c in body.named_children)
            return Redirect("<<", None, body=self.text(body) if body is not None and static else None)
        target = node.children_by_field_name("destination")[:1]
        for part in target if node.type == "file_redirect" else node.named_children:
            if part.type in ("command_substitution", "process_substitution"):
                self.walk(part, depth, "", ())
            else:
                self.substitutions(part, depth)
        if node.type == "herestring_redirect":
            value = node.named_children[0] if node.named_children else None
            return Redirect("<<<", None, body=self.word(value).value if value is not None else None)
        descriptor = None
        op = ""
        for child in node.children:
            if child.type == "file_descriptor":
                descriptor = self.text(child)
            elif not child.is_named:
                op += self.text(child)
        return Redirect(op or ">", self.word(target[0]) if target else None, descriptor)

    def assignment_only(self, node: Node, depth: int, via: str, redirects: tuple[Redirect, ...]) -> None:
        self.substitutions(node, depth)
        name, value = self.assignment(node)
        opaque = f"sets {name}, which changes what later commands run" if unsafe_variable(name) else None
        self.add(
            Segment(self.text(node), (), assignments=((name, value),), redirects=redirects, opaque=opaque,
                    depth=depth, via=via)
        )  # fmt: skip

    def declaration(self, node: Node, depth: int, via: str, redirects: tuple[Redirect, ...]) -> None:
        keyword = node.children[0].type if node.children else "declare"
        assignments = []
        opaque = None
        for child in node.named_children:
            if child.type == "variable_assignment":
                self.substitutions(child, depth)
                name, value = self.assignment(child)
                assignments.append((name, value))
                if unsafe_variable(name):
                    opaque = f"sets {name}, which changes what later commands run"
            else:
                self.substitutions(child, depth)
                if self.word(child).value is None:
                    opaque = "declares a variable whose name is only known at run time"
        words = (Word(keyword, keyword),)
        self.add(
            Segment(self.text(node), words, assignments=tuple(assignments), redirects=redirects, opaque=opaque,
                    depth=depth, via=via)
        )  # fmt: skip

    def assignment(self, node: Node) -> tuple[str, Word]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = self.text(name_node) if name_node is not None else "?"
        if value_node is None:
            return name, Word("", "")
        return name, self.word(value_node)

    def command(
        self,
        node: Node,
        depth: int,
        via: str,
        outer: tuple[Redirect, ...],
        text: str | None,
        after: list[Node] | None = None,
    ) -> None:
        """`after`: the redirections that follow the command (their words hung on them are its arguments)."""
        assignments: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects = list(outer)
        inline, trailing = flatten_redirects([c for c in node.named_children if c.type in REDIRECTS])
        following, words_after = flatten_redirects(after or [])  # already in `outer`; their words are not
        children = [*(c for c in node.named_children if c.type not in REDIRECTS), *inline, *trailing, *words_after]
        problem = misread([*children, *following], self.source)
        if problem is not None:
            self.add(Segment(self.text(node), (), opaque=problem, depth=depth, via=via))
        for child in sorted(children, key=lambda c: c.start_byte):
            kind = child.type
            if kind == "variable_assignment":
                self.substitutions(child, depth)
                assignments.append(self.assignment(child))
            elif kind in REDIRECTS:
                found = self.redirect(child, depth)
                if found is not None:
                    redirects.append(found)
            else:
                if kind in ("command_substitution", "process_substitution"):
                    self.walk(child, depth, "", ())
                else:
                    self.substitutions(child, depth)
                words.append(self.word(child))
        self.build(text or self.text(node), tuple(assignments), tuple(words), tuple(redirects), depth, via)

    # --- words -----------------------------------------------------------------------------------
    def word(self, node: Node) -> Word:
        kind = node.type
        raw = self.text(node)
        if kind == "command_name" and node.named_child_count == 1:
            inner = node.named_children[0]
            if inner is not None:
                return self.word(inner)
        if kind == "word":
            if blank_inside(raw):  # two words to bash (`] [`): what each is, the analysis cannot say
                return Word(raw, None)
            return Word(raw, unescape(raw), glob=has_glob(raw), tilde=raw.startswith("~"))
        if kind == "number":
            return Word(raw, raw)
        if kind == "raw_string":
            return Word(raw, raw[1:-1])
        if kind == "string":
            if all(c.type == "string_content" for c in node.named_children):
                return Word(raw, unescape_double(raw[1:-1]))
            return Word(raw, None)
        if kind == "ansi_c_string":
            return Word(raw, ansi_c(raw[2:-1]))
        if kind == "concatenation":
            parts: list[str] = []
            dynamic = glob = False
            for child in node.children:
                follower = child.next_sibling
                if translated(self.text(child), follower):
                    dynamic = True  # `$"…"`: a message catalog decides what it becomes
                elif child.is_named:
                    sub = self.word(child)
                    glob = glob or sub.glob
                    if sub.value is None:
                        dynamic = True
                    else:
                        parts.append(sub.value)
                else:
                    parts.append(self.text(child))
            glob = glob or has_brace(raw)
            return Word(raw, None if dynamic else "".join(parts), glob=glob, tilde=raw.startswith("~"))
        return Word(raw, None)

    # --- one simple command ----------------------------------------------------------------------
    def build(
        self,
        text: str,
        assignments: tuple[tuple[str, Word], ...],
        words: tuple[Word, ...],
        redirects: tuple[Redirect, ...],
        depth: int,
        via: str,
    ) -> None:
        if not words:
            if assignments:
                unsafe = [name for name, _ in assignments if unsafe_variable(name)]
                opaque = f"sets {unsafe[0]}, which changes what later commands run" if unsafe else None
                self.add(Segment(text, (), assignments=assignments, redirects=redirects, opaque=opaque,
                                 depth=depth, via=via))  # fmt: skip
            return
        stripped = strip_wrappers(words)
        all_assignments = assignments + stripped.assignments
        rest = stripped.rest
        segment = Segment(
            text=text,
            words=rest,
            wrappers=stripped.wrappers,
            wrapper_words=stripped.consumed,
            assignments=all_assignments,
            redirects=redirects,
            opaque=stripped.opaque,
            depth=depth,
            via=via,
            lookup_only=stripped.lookup_only,
            extra_reads=stripped.reads,
            extra_writes=stripped.writes,
            chdir=stripped.chdir,
            tricky=stripped.tricky,
        )
        if segment.opaque is None and rest:
            segment = self.classify(segment)
        self.add(segment)

    def classify(self, segment: Segment) -> Segment:
        """Mark commands that run code the parser cannot see; analyse literal inner scripts as nested segments."""
        first = segment.words[0]
        if first.value is None or first.glob:
            return _with(segment, opaque="the program name is only known when the command runs")
        program = segment.program
        args = segment.args
        if "watch" in segment.wrappers:
            script = " ".join(w.shown for w in segment.words)
            self.nested(script, segment.depth + 1, "watch", segment.words)
            return _with(segment, opaque="watch runs its command through sh -c, again and again")
        if program in _STRING_RUNNERS:
            flag = next((i for i, a in enumerate(args) if a.value in ("-c", "--command")), None)
            if flag is not None:
                if flag + 1 < len(args) and args[flag + 1].value is not None:
                    self.nested(str(args[flag + 1].value), segment.depth + 1, f"{program} -c", ())
                return _with(segment, opaque=f"{program} -c runs a command string through a shell")
        if program in _OPAQUE_BUILTINS and first.value == program:
            if program == "eval":
                self.nested(" ".join(a.shown for a in args), segment.depth + 1, "eval", args)
            if program == "hash" and not any(a.value and a.value.startswith("-p") for a in args):
                return segment
            return _with(segment, opaque=_OPAQUE_BUILTINS[program])
        if program in SHELLS:
            return self.shell_call(segment, program, args)
        inline = _INLINE_CODE_FLAGS.get(program)
        if _PYTHON.match(program):
            inline = frozenset({"-c"})
        if inline is not None:
            for arg in args:
                value = arg.value or ""
                if value in inline or (value.startswith("-") and not value.startswith("--") and "c" in value[1:]
                                       and inline == frozenset({"-c"})):  # fmt: skip
                    return _with(segment, opaque=f"{program} {value} runs code given on the command line")
            if _PYTHON.match(program) and (not args or args[0].value == "-"):
                return _with(segment, opaque=f"{program} reads a program from its input")
        if program == "find":
            self.find_exec(segment)
        return segment

    def shell_call(self, segment: Segment, program: str, args: tuple[Word, ...]) -> Segment:
        for index, arg in enumerate(args):
            value = arg.value
            if value is None:
                return _with(segment, opaque=f"{program} runs a script chosen at run time")
            if value.startswith("-") and not value.startswith("--") and "c" in value[1:]:
                script = next((a for a in args[index + 1 :] if a.value is None or not a.value.startswith("-")), None)
                if script is not None and script.value is not None:
                    self.nested(script.value, segment.depth + 1, f"{program} -c", ())
                return _with(segment, opaque=f"{program} -c runs a script given as a string")
            if not value.startswith("-") and not value.startswith("+"):
                return segment  # `bash script.sh`: an ordinary command that runs a file
        fed = next((r.body for r in segment.redirects if r.op in ("<<", "<<<") and r.body is not None), None)
        if fed is not None:
            self.nested(fed, segment.depth + 1, f"{program} <<", ())
        return _with(segment, opaque=f"{program} starts a shell that reads commands from its input")

    def nested(self, script: str, depth: int, via: str, words: tuple[Word, ...]) -> None:
        if depth > MAX_DEPTH:
            return
        if any(w.value is None for w in words):
            return
        inner = _Collector(script.encode("utf-8", "surrogatepass"))
        inner.run(depth, via)
        for segment in inner.segments:
            self.add(_with(segment, via=segment.via or via))

    def find_exec(self, segment: Segment) -> None:
        args = segment.args
        index = 0
        while index < len(args):
            value = args[index].value
            if value in ("-exec", "-execdir", "-ok", "-okdir"):
                end = index + 1
                while end < len(args) and args[end].value not in (";", "+"):
                    end += 1
                inner = tuple(args[index + 1 : end])
                if inner:
                    text = " ".join(w.raw for w in inner)
                    self.build(text, (), inner, (), segment.depth + 1, f"find {value}")
                index = end
            index += 1

    def add(self, segment: Segment) -> None:
        if len(self.segments) <= MAX_SEGMENTS:
            self.segments.append(segment)


def _with(segment: Segment, **changes: object) -> Segment:
    return dataclasses.replace(segment, **changes)  # type: ignore[arg-type]


def _bind_last(
    node: Node, outer: tuple[Redirect, ...], merged: tuple[Redirect, ...]
) -> list[tuple[Node, tuple[Redirect, ...]]]:
    """The grammar hangs `a && b | c > f` on the whole list; bash binds `> f` to `c` alone."""
    out: list[tuple[Node, tuple[Redirect, ...]]] = []
    current = node
    while current.type in ("list", "pipeline") and current.named_children:
        parts = current.named_children
        out.extend((child, outer) for child in parts[:-1])
        current = parts[-1]
    out.append((current, merged))
    return out


def _first_error(node: Node) -> Node | None:
    current: Node | None = node
    while current is not None:
        if current.type == "ERROR" or current.is_missing:
            return current
        current = next((c for c in current.children if c.has_error or c.is_missing or c.type == "ERROR"), None)
    return None
