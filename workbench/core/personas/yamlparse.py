"""Frontmatter YAML in four stages (docs/personas.md, "Reading a file", step 4).

(a) pre-quote values with an inline ` #` (as Claude Code 2.1.214 does), (b) a string-only loader that rejects
duplicate keys and aliases, (c) on error, Claude Code's quoteProblematicValues retry, (d) on error again, a
lenient line parser. Every scalar stays a string, so `yes`, `3000` and `4.5` are never coerced.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node

from workbench.core.personas.model import Diagnostic, Severity

Stage = Literal["strict", "retry", "lenient", "refused"]

# Keys any dialect knows; in the lenient stage only these end a multi-line prose value.
KNOWN_KEYS = frozenset(
    {
        "name",
        "description",
        "tools",
        "disallowedTools",
        "model",
        "permissionMode",
        "maxTurns",
        "skills",
        "mcpServers",
        "hooks",
        "memory",
        "background",
        "effort",
        "isolation",
        "color",
        "initialPrompt",
        "kind",
        "mode",
        "temperature",
        "maxSteps",
        "max_turns",
        "prompt",
        "permission",
        "disable",
        "hidden",
    }
)
_PROSE_KEYS = frozenset({"description", "initialPrompt", "prompt"})
_PERMISSION_RANK = {"plan": 4, "dontask": 3, "default": 2, "manual": 2, "acceptedits": 1, "auto": 0}

_KEY_LINE = re.compile(r"^(?P<indent>\t*)(?P<key>[A-Za-z_][\w-]*):(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_TOP_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>\S.*?)[ \t]*$")
_PROBLEM_CHARS = re.compile(r"[{}\[\]*&#!|>%@`]|: ")
_BLOCK_INDICATOR = re.compile(r"^[|>][-+0-9]*$")


class AliasRefused(yaml.YAMLError):
    """Aliases (`*name`) are refused: persona files never need them and they enable expansion bombs."""

    def __init__(self, line: int) -> None:
        super().__init__(f"YAML aliases are not allowed (line {line})")
        self.line = line


def _construct_mapping_once(loader: Any, node: Node, deep: bool = False) -> dict[Any, Any]:
    """BaseConstructor.construct_mapping, but a key given twice is an error."""
    if isinstance(node, MappingNode):
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
    return yaml.constructor.BaseConstructor.construct_mapping(loader, node, deep=deep)  # type: ignore[no-any-return,arg-type]


class StringOnlyLoader(yaml.BaseLoader):
    """PyYAML's BaseLoader (every scalar a string) that also rejects duplicate keys and aliases."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise AliasRefused(event.start_mark.line)
        return super().compose_node(parent, index)  # type: ignore[no-any-return,arg-type]

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        return _construct_mapping_once(self, node, deep)


_CBase: Any = getattr(yaml, "CBaseLoader", None)
if _CBase is not None:

    class FastStringOnlyLoader(_CBase):  # type: ignore[misc,valid-type]
        """The same rules on libyaml's parser (a 1 MiB frontmatter in well under a second)."""

        def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
            return _construct_mapping_once(self, node, deep)


MAX_DEPTH = 100  # nesting deeper than this is refused before any parser sees it


def _too_deep(text: str) -> bool:
    """Flow nesting (`[[[[...`) or indentation deeper than MAX_DEPTH, counted roughly (quotes ignored)."""
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}" and depth:
            depth -= 1
    levels = {len(line) - len(line.lstrip(" ")) for line in text.split("\n") if line.strip()}
    return len(levels) > MAX_DEPTH


@dataclass
class Frontmatter:
    data: dict[str, Any]
    stage: Stage
    key_lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based file line
    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_mapping: bool = False
    would_skip: bool = False  # Claude Code drops files its parser can't read


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_quoted(value: str) -> bool:
    return value[:1] in ("'", '"')


def prequote_comments(text: str) -> str:
    """Stage (a): quote one-line values that contain ` #`, so `C# and F# #tags` isn't cut at the `#`."""
    out = []
    for line in text.split("\n"):
        match = _TOP_LINE.match(line)
        if match and " #" in match["value"] and not _is_quoted(match["value"]):
            line = f"{match['key']}: {_quote(match['value'])}"
        out.append(line)
    return "\n".join(out)


def quote_problematic_values(text: str) -> str:
    """Stage (c), Claude Code's retry: double-quote simple one-line values holding YAML-special characters."""
    out = []
    for line in text.split("\n"):
        match = _TOP_LINE.match(line)
        if match:
            value = match["value"]
            flow = (value.startswith("[") and value.endswith("]")) or (value.startswith("{") and value.endswith("}"))
            special = _PROBLEM_CHARS.search(value)
            if special and not _is_quoted(value) and not flow and not _BLOCK_INDICATOR.match(value):
                line = f"{match['key']}: {_quote(value)}"
        out.append(line)
    return "\n".join(out)


def _problem(exc: yaml.YAMLError, first_line: int) -> tuple[str, int | None]:
    if isinstance(exc, AliasRefused):
        return str(exc), first_line + exc.line
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else None
        return exc.problem or exc.context or "invalid YAML", line
    return str(exc).splitlines()[0] if str(exc) else "invalid YAML", None


def _strict(text: str) -> object:
    """String-only load with duplicate keys and aliases refused; libyaml when available."""
    if _too_deep(text):
        raise yaml.YAMLError(f"nesting deeper than {MAX_DEPTH} levels")
    try:
        if _CBase is None:
            return yaml.load(text, Loader=StringOnlyLoader)  # a BaseLoader subclass: strings only
        for event in yaml.parse(text, Loader=_CBase):
            if isinstance(event, yaml.AliasEvent):
                raise AliasRefused(event.start_mark.line if event.start_mark else 0)
        return yaml.load(text, Loader=FastStringOnlyLoader)
    except RecursionError as exc:
        raise yaml.YAMLError("nesting too deep") from exc


def key_lines(text: str, first_line: int) -> dict[str, int]:
    """Where each top-level (or tab-indented) key is written; the last occurrence wins."""
    found: dict[str, int] = {}
    for i, line in enumerate(text.split("\n")):
        match = _KEY_LINE.match(line)
        if match:
            found[match["key"]] = first_line + i
    return found


def parse_frontmatter(text: str, first_line: int) -> Frontmatter:
    """Parse the YAML between the fences; `first_line` is its 1-based line in the file."""
    lines_of = key_lines(text, first_line)
    diags: list[Diagnostic] = []
    prepared = prequote_comments(text)
    try:
        result = _strict(prepared)
        stage: Stage = "strict"
    except AliasRefused as exc:
        message, line = _problem(exc, first_line)
        diag = Diagnostic("E_YAML_ALIAS", Severity.ERROR, f"{message}; the frontmatter is ignored", line)
        return Frontmatter({}, "refused", lines_of, [diag], would_skip=True)
    except yaml.YAMLError as exc:
        message, line = _problem(exc, first_line)
        try:
            result = _strict(quote_problematic_values(prepared))
            stage = "retry"
            diags.append(
                Diagnostic(
                    "I_YAML_QUOTED_RETRY",
                    Severity.INFO,
                    f"strict YAML failed ({message}); parsed after quoting values with special characters",
                    line,
                )
            )
        except yaml.YAMLError as exc2:
            message2, line2 = _problem(exc2, first_line)
            lenient, lenient_diags = parse_lenient(text, first_line)
            diags.append(
                Diagnostic(
                    "W_YAML_LENIENT",
                    Severity.WARNING,
                    f"frontmatter is not valid YAML ({message2}); read line by line. Claude Code would skip this file",
                    line2 if line2 is not None else line,
                )
            )
            diags.extend(lenient_diags)
            return Frontmatter(lenient, "lenient", lines_of, diags, would_skip=True)
    if result is None:
        result = {}
    if not isinstance(result, dict):
        kind = "a list" if isinstance(result, list) else "a single value"
        diags.append(
            Diagnostic(
                "E_FRONTMATTER_NOT_MAPPING",
                Severity.ERROR,
                f"frontmatter is {kind}, not a mapping of keys; name and description are derived instead",
                first_line,
            )
        )
        return Frontmatter({}, stage, lines_of, diags, not_mapping=True, would_skip=True)
    data: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(key, str):
            data[key] = value
        else:
            diags.append(Diagnostic("W_INVALID_KEY", Severity.WARNING, "a frontmatter key is not a string", first_line))
    return Frontmatter(data, stage, lines_of, diags)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def parse_lenient(text: str, first_line: int) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Stage (d): `key: value` lines, continuation lines appended, `- item` lines as lists."""
    entries: list[tuple[str, list[str], int]] = []
    for i, text_line in enumerate(text.split("\n")):
        match = _KEY_LINE.match(text_line)
        current = entries[-1][0] if entries else None
        if match and (match["key"] in KNOWN_KEYS or current not in _PROSE_KEYS):
            entries.append((match["key"], [match["value"] or ""], first_line + i))
        elif entries:
            entries[-1][1].append(text_line)
    data: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for key, parts, line in entries:
        value = _lenient_value(parts)
        if key in data:
            merged = restrictive_merge(key, data[key], value)
            note = "the more restrictive value is used" if key in _RESTRICTIVE else "the last value is used"
            diags.append(
                Diagnostic("W_DUPLICATE_KEY", Severity.WARNING, f"key {key!r} given more than once; {note}", line)
            )
            data[key] = merged
        else:
            data[key] = value
    return data, diags


def _lenient_value(parts: list[str]) -> str | list[str]:
    head, rest = parts[0].strip(), [p for p in parts[1:] if p.strip()]
    if not head and rest and all(p.strip().startswith("- ") or p.strip() == "-" for p in rest):
        return [_unquote(p.strip()[1:].strip()) for p in rest if p.strip()[1:].strip()]
    if head in ("|", ">", "|-", ">-"):
        head = ""
    lines = [head, *(p.strip() for p in rest)] if head else [p.strip() for p in rest]
    return _unquote("\n".join(lines).strip())


_RESTRICTIVE = frozenset({"tools", "disallowedTools", "permissionMode"})


def _entries(value: Any) -> list[str]:
    from workbench.core.toolnames import split_tool_list

    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return split_tool_list(str(value))


def restrictive_merge(key: str, old: Any, new: Any) -> Any:
    """Duplicate keys: the last value wins, except where a choice can be made in the safer direction."""
    if key == "tools":
        a, b = _entries(old), _entries(new)
        if not a or not b:
            return []
        if "*" in a:
            return b
        if "*" in b:
            return a
        lower_b = {x.lower() for x in b}
        return [x for x in a if x.lower() in lower_b]
    if key == "disallowedTools":
        merged = _entries(old)
        merged += [x for x in _entries(new) if x.lower() not in {m.lower() for m in merged}]
        return merged
    if key == "permissionMode":
        rank_old = _PERMISSION_RANK.get(str(old).strip().lower(), -1)
        rank_new = _PERMISSION_RANK.get(str(new).strip().lower(), -1)
        return old if rank_old >= rank_new else new
    return new
