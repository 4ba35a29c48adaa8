"""Permission rules in Claude Code's syntax: `Tool` or `Tool(specifier)`, evaluated deny, then ask, then allow.

* `Bash(npm run test *)`: a glob over one simple command (`*` matches anything, spaces included); a trailing
  ` *` also matches the bare prefix, so `Bash(ls *)` matches `ls` and `ls -la` but not `lsof`. The legacy
  `Bash(git commit:*)` means "`git commit`, alone or followed by a space". `Bash` and `Bash(*)` match all.
* `Read(path)` / `Edit(path)`: gitignore-style patterns. `//abs` is absolute, `~/x` is in the home folder,
  `/x` is relative to the folder the rule's settings belong to, `./x` or a bare pattern is relative to the
  workspace; a bare pattern without a slash matches at any depth; `**` crosses folders; a pattern naming a
  folder covers everything inside it. Read rules apply to every reading tool (Read, LS, Glob, Grep,
  ReadManyFiles); Edit rules to every writing tool (Edit, Write, MultiEdit). `Write(...)`/`MultiEdit(...)`
  path rules are accepted but never consulted, as in Claude Code.
* `WebFetch(domain:example.com)`, `Agent(Name)` (alias `Task`), `mcp__srv`, `mcp__srv__*`, `mcp__srv__tool`;
  `mcp__*` only in deny and ask lists.
* `Network(npm install:*)`: network access for shell commands, with a Bash-style specifier matched against
  every segment of the command; `Network` alone covers every command. An allow rule gives matching commands
  the network inside the sandbox without asking; a deny rule refuses commands that would need it.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.approvals import Verdict
from workbench.core.globs import gitignore_pattern

READ_TOOLS = frozenset({"Read", "LS", "Glob", "Grep", "ReadManyFiles", "NotebookRead"})
EDIT_TOOLS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit", "ApplyPatch"})
_UNCONSULTED_PATH_TOOLS = frozenset({"Write", "MultiEdit", "NotebookEdit"})
_TOOL_ALIASES = {"Task": "Agent"}
KNOWN_TOOLS = frozenset(
    {"Bash", "Network", "WebFetch", "WebSearch", "TodoWrite", "SaveMemory", "Agent", "Skill", "NotebookEdit"}
    | READ_TOOLS
    | EDIT_TOOLS
)
_BY_LOWER = {name.lower(): name for name in KNOWN_TOOLS}
_RULE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_\-*]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


class RuleError(ValueError):
    """A rule string that does not follow the `Tool` / `Tool(specifier)` syntax."""


@dataclass(frozen=True)
class Target:
    """What a rule is tried against: one tool call, or one segment of a shell command."""

    tool: str  # canonical tool name
    command_forms: frozenset[str] = frozenset()  # Bash: the forms of one segment (see shell.Segment)
    path: str | None = None  # file tools: an absolute, real path
    host: str | None = None  # WebFetch
    agent: str | None = None  # Agent: the persona asked for


@dataclass(frozen=True)
class Rule:
    text: str  # as written, e.g. "Bash(npm test:*)"
    action: Verdict
    tool: str  # canonical tool name the rule names ("Bash", "Read", "mcp__srv__tool", ...)
    specifier: str | None
    origin: str  # the settings file it came from, "cli", "persona:<id>", "grant:session", ...
    base: str = ""  # folder a `/path` pattern is relative to
    label: str = ""  # how the rule is shown when it decides ("persona:git-approval" for persona rules)
    remember: bool = True  # False: an approval this rule asked for is never remembered
    _matcher: Callable[[Target], bool] | None = field(default=None, compare=False, repr=False)
    # What the rule names when it names one thing: a whole command (no `*`) or one file (no wildcard).
    exact: str | None = None

    @property
    def shown(self) -> str:
        return self.label or self.text

    def matches(self, target: Target) -> bool:
        return self._matcher is not None and self._matcher(target)

    def matches_exactly(self, target: Target) -> bool:
        """True when the rule names exactly this command or this file (never through a wildcard or a folder)."""
        if self.exact is None or not self.matches(target):
            return False
        if target.tool == "Bash":
            return self.exact in target.command_forms
        return target.path == self.exact

    def to_json(self) -> dict[str, str | bool | None]:
        """For listings: the rule as written, what it does and where it came from."""
        return {
            "text": self.text,
            "action": str(self.action),
            "tool": self.tool,
            "specifier": self.specifier,
            "origin": self.origin,
            "label": self.shown,
            "remember": self.remember,
        }


def parse_rule(
    text: str,
    action: Verdict,
    *,
    origin: str,
    workspace: Path,
    base: Path | None = None,
    home: Path | None = None,
    label: str = "",
    remember: bool = True,
    unless: tuple[str, ...] = (),
) -> Rule:
    """Parse one rule string. Raises RuleError with a plain reason when it is not a valid rule.

    `unless` (Bash rules only): specifiers of commands the rule leaves alone (OpenCode's later patterns)."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError("empty rule")
    found = _RULE.match(text)
    if found is None:
        raise RuleError(f"not a rule: {text!r} (expected Tool or Tool(specifier))")
    tool = _TOOL_ALIASES.get(found.group(1), found.group(1))
    if tool not in KNOWN_TOOLS and tool.lower() in _BY_LOWER:
        raise RuleError(f"tool names are case-sensitive: {tool!r} is not {_BY_LOWER[tool.lower()]!r}")
    spec = found.group(2)
    if spec is not None:
        spec = spec.strip()
        if spec in ("", "*"):
            spec = None
    cwd = os.path.realpath(workspace)
    anchor = os.path.realpath(base) if base is not None else cwd
    home_dir = os.path.realpath(home if home is not None else Path.home())
    matcher = _compile(tool, spec, action, cwd=cwd, base=anchor, home=home_dir)
    exact = _exact(tool, spec, cwd=cwd, base=anchor, home=home_dir)
    if unless:
        if tool != "Bash":
            raise RuleError(f"only Bash rules take exceptions, not {tool}")
        matcher, exact = _excepting(spec, unless), None
    return Rule(text.strip(), action, tool, spec, origin, anchor, label, remember, matcher, exact)


def _exact(tool: str, spec: str | None, *, cwd: str, base: str, home: str) -> str | None:
    """The one command or file a rule names, or None when it covers more (a `*`, a glob, any depth)."""
    if spec is None:
        return None
    if tool == "Bash":
        return None if "*" in spec else spec
    if tool not in ("Read", "Edit") or any(c in spec for c in "*?["):
        return None
    if spec.startswith("//"):
        path = spec[1:]
    elif spec == "~" or spec.startswith("~/"):
        path = os.path.join(home, spec[2:])
    elif spec.startswith("/"):
        path = os.path.join(base, spec[1:])
    elif spec.startswith("./") or "/" in spec.rstrip("/"):
        path = os.path.join(cwd, spec.removeprefix("./"))
    else:
        return None  # a bare name matches at any depth
    return os.path.normpath(path.replace("\\", ""))


def _excepting(spec: str | None, unless: tuple[str, ...]) -> Callable[[Target], bool]:
    """A Bash rule that does not apply to a command form one of `unless` matches."""
    command = bash_matcher(spec) if spec is not None else (lambda text: True)
    exempt = [(lambda text: True) if u == "*" else bash_matcher(u) for u in unless]
    return lambda t: (
        t.tool == "Bash" and any(command(form) and not any(e(form) for e in exempt) for form in t.command_forms)
    )


def _compile(
    tool: str, spec: str | None, action: Verdict, *, cwd: str, base: str, home: str
) -> Callable[[Target], bool]:
    if tool.startswith("mcp__"):
        if spec is not None:
            raise RuleError(f"MCP rules take no specifier: {tool}({spec})")
        return _mcp_matcher(tool, action)
    if "*" in tool:
        raise RuleError(f"wildcards in tool names only work for MCP tools: {tool}")
    if spec is None:
        family = READ_TOOLS if tool == "Read" else EDIT_TOOLS if tool == "Edit" else frozenset({tool})
        return lambda t: t.tool in family
    if tool in ("Bash", "Network"):
        command = bash_matcher(spec)
        return lambda t: t.tool == tool and any(command(form) for form in t.command_forms)
    if tool in ("Read", "Edit"):
        family = READ_TOOLS if tool == "Read" else EDIT_TOOLS
        path = path_matcher(spec, cwd=cwd, base=base, home=home)
        return lambda t: t.tool in family and t.path is not None and path(t.path)
    if tool in _UNCONSULTED_PATH_TOOLS:
        raise RuleError(f"{tool}(...) path rules are never consulted; write Edit({spec}) instead")
    if tool == "WebFetch":
        if not spec.startswith("domain:") or not spec[7:].strip():
            raise RuleError(f"WebFetch rules take domain:HOST, got {spec!r}")
        pattern = spec[7:].strip().lower()
        return lambda t: t.tool == "WebFetch" and t.host is not None and fnmatch.fnmatchcase(t.host.lower(), pattern)
    if tool == "Agent":
        names = {n.strip() for n in spec.split(",") if n.strip()}
        return lambda t: t.tool == "Agent" and t.agent is not None and t.agent in names
    raise RuleError(f"{tool} rules take no specifier: {tool}({spec})")


def _mcp_matcher(tool: str, action: Verdict) -> Callable[[Target], bool]:
    if tool == "mcp__*":
        if action is Verdict.ALLOW:
            raise RuleError("mcp__* matches every MCP tool and is only accepted in deny and ask lists")
        return lambda t: t.tool.startswith("mcp__")
    parts = tool.split("__")
    if len(parts) == 2 or (len(parts) == 3 and parts[2] == "*"):
        prefix = f"mcp__{parts[1]}__"
        return lambda t: t.tool.startswith(prefix)
    if "*" in tool and action is Verdict.ALLOW:
        raise RuleError(f"allow rules name a whole server (mcp__srv) or one tool, not {tool}")
    return lambda t: fnmatch.fnmatchcase(t.tool, tool)


def bash_matcher(spec: str) -> Callable[[str], bool]:
    """A predicate over one command segment's text for a Bash specifier."""
    if spec.endswith(":*") and "*" not in spec[:-2]:
        prefix = spec[:-2].rstrip()
        return lambda text: text == prefix or text.startswith(prefix + " ")
    if "*" not in spec:
        return lambda text: text == spec
    pattern = re.compile(".*".join(re.escape(part) for part in spec.split("*")), re.DOTALL)
    bare = spec[:-2] if spec.endswith(" *") and spec.count("*") == 1 else None
    return lambda text: pattern.fullmatch(text) is not None or text == bare


def path_matcher(spec: str, *, cwd: str, base: str, home: str) -> Callable[[str], bool]:
    """A predicate over absolute real paths for a Read/Edit specifier."""
    anchored = True
    if spec.startswith("//"):
        anchor, pattern = "/", spec[2:]
    elif spec == "~" or spec.startswith("~/"):
        anchor, pattern = home, spec[2:]
    elif spec.startswith("/"):
        anchor, pattern = base, spec[1:]
    elif spec.startswith("./"):
        anchor, pattern = cwd, spec[2:]
    else:
        anchor, pattern = cwd, spec
        anchored = "/" in pattern.rstrip("/")
    pattern = pattern.strip("/") if anchored else pattern.rstrip("/")
    while pattern.endswith("/**"):  # `dir/**` covers the folder itself too (listing it shows what is inside)
        pattern = pattern[:-3]
    if pattern in ("", "**"):
        regex = re.compile(".*", re.DOTALL)
    else:  # git's rules (workbench.core.globs): a leading "/" anchors, a match covers what is inside a folder
        literal = "\\" + pattern if pattern.startswith(("#", "!")) else pattern  # not a comment, not a negation
        found = gitignore_pattern("/" + pattern if anchored else literal)
        if found is None:  # only blanks: matches nothing
            return lambda path: False
        regex = found[0]
    root = anchor.rstrip("/") or "/"

    def match(path: str) -> bool:
        if root == "/":
            rel = path.lstrip("/")
        elif path == root:
            rel = ""
        elif path.startswith(root + "/"):
            rel = path[len(root) + 1 :]
        else:
            return False
        return regex.match(rel) is not None

    return match


@dataclass
class RuleSet:
    """Every rule in force, with where it came from, plus the problems found while reading them."""

    rules: list[Rule] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    default_mode: str | None = None
    default_mode_origin: str | None = None
    additional_dirs: list[Path] = field(default_factory=list)
    bypass_disabled: bool = False
    ignored: list[str] = field(default_factory=list)  # what an untrusted project's settings asked for in vain

    def add(
        self,
        text: str,
        action: Verdict,
        *,
        origin: str,
        workspace: Path,
        base: Path | None = None,
        home: Path | None = None,
        label: str = "",
        remember: bool = True,
        unless: tuple[str, ...] = (),
    ) -> Rule | None:
        """Parse and add one rule; a bad rule is reported in `messages` and skipped."""
        try:
            rule = parse_rule(
                text, action, origin=origin, workspace=workspace, base=base, home=home, label=label,
                remember=remember, unless=unless,
            )  # fmt: skip
        except RuleError as exc:
            self.messages.append(f"{origin}: {action.value} rule skipped: {exc}")
            return None
        self.rules.append(rule)
        return rule

    def first(self, action: Verdict, target: Target, *, exact: bool = False) -> Rule | None:
        """The first rule of `action` matching `target` (order is the order the rules were read); with `exact`,
        only a rule naming exactly that command or file counts."""
        if exact:
            return next((r for r in self.rules if r.action is action and r.matches_exactly(target)), None)
        return next((r for r in self.rules if r.action is action and r.matches(target)), None)

    @classmethod
    def from_lists(
        cls,
        *,
        workspace: Path,
        allow: Iterable[str] = (),
        ask: Iterable[str] = (),
        deny: Iterable[str] = (),
        origin: str = "rules",
        base: Path | None = None,
        home: Path | None = None,
    ) -> RuleSet:
        out = cls()
        for action, texts in ((Verdict.DENY, deny), (Verdict.ASK, ask), (Verdict.ALLOW, allow)):
            for text in texts:
                out.add(text, action, origin=origin, workspace=workspace, base=base, home=home)
        return out
