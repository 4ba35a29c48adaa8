"""Where bash evaluates a variable's value as code: arithmetic over variables and prompt expansion.

`$((x))`, `(( x ))`, `[[ $x -eq 1 ]]`, `${a[$i]}`, `let`, `declare -i` evaluate the variable's value as an
arithmetic expression, which runs any `$(…)` hidden in it; `${x@P}` expands it as a prompt, which does too;
an unquoted `$x` inside `[ … ]` is split into words at run time, and `-v 'a[$(…)]'` among them runs the `$(…)`.
A command line holding one is opaque to the policy.
"""

from __future__ import annotations

from tree_sitter import Node

_ARITH_TRIGGERS = (b"((", b"[", b"@P", b"let", b"-eq", b"-ne", b"-lt", b"-le", b"-gt", b"-ge", b"-i", b"-v")
_TEST_HAZARDS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-v"})
_VARIABLE_NODES = frozenset({"variable_name", "simple_expansion", "expansion", "word", "subscript"})
_ARITH_WHY = "arithmetic on a variable runs any $(…) hidden in its value"
_SPLIT_WHY = "an unquoted expansion inside [ ] is split into words when it runs, and -v among them runs code"
_EXPANSIONS = frozenset({"simple_expansion", "expansion", "command_substitution"})


def arithmetic_hazard(root: Node, source: bytes) -> tuple[Node, str] | None:
    """A place where bash evaluates a variable's value as code: arithmetic over variables (`$((x))`,
    `(( x ))`, `[[ $x -eq 1 ]]`, `${a[$i]}`, `let`, `declare -i`) or prompt expansion (`${x@P}`)."""
    if not any(token in source for token in _ARITH_TRIGGERS):
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        # slices are taken only of the nodes that need one: a list `a && b && …` nests one node per operator,
        # and slicing each would copy the command line once per segment
        if kind == "expansion" and b"@P" in source[node.start_byte : node.end_byte]:
            return node, "${…@P} runs any $(…) hidden in the variable's value"
        arithmetic = kind in ("arithmetic_expansion", "c_style_for_statement") or (
            kind == "compound_statement" and source[node.start_byte : node.start_byte + 2] == b"(("
        )
        if kind == "subscript":
            index = node.child_by_field_name("index")
            shown = source[index.start_byte : index.end_byte] if index is not None else b""
            if index is not None and index.type != "number" and shown not in (b"@", b"*"):
                return node, _ARITH_WHY
        elif kind == "test_command":
            found = _test_hazard(node, source)
            if found is not None:
                return node, found
        elif arithmetic and any(c.type in _VARIABLE_NODES for c in _descendants(node)):
            return node, _ARITH_WHY
        elif kind in ("command", "declaration_command"):
            first = node.named_children[0] if node.named_children else None
            name = source[first.start_byte : first.end_byte] if first is not None else b""
            head = source[node.start_byte : node.end_byte].split(b"=", 1)[0] if kind == "declaration_command" else b""
            if name == b"let" or b" -i" in head:
                return node, _ARITH_WHY
        stack.extend(node.named_children)
    return None


def _test_hazard(node: Node, source: bytes) -> str | None:
    inside = _descendants(node)
    operators = {source[c.start_byte : c.end_byte].decode() for c in inside if c.type == "test_operator"}
    if operators & _TEST_HAZARDS and any(c.type in _VARIABLE_NODES for c in inside):
        return _ARITH_WHY
    single = source[node.start_byte : node.start_byte + 2] != b"[["
    if single and any(c.type in _EXPANSIONS and c.parent is not None and c.parent.type != "string" for c in inside):
        return _SPLIT_WHY
    return None


def _descendants(node: Node) -> list[Node]:
    """The nodes under `node`, not looking inside $(…) (its commands are segments of their own)."""
    out: list[Node] = []
    stack = list(node.named_children)
    while stack:
        current = stack.pop()
        out.append(current)
        if current.type not in ("command_substitution", "process_substitution"):
            stack.extend(current.named_children)
    return out
