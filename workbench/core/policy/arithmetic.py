"""Where bash evaluates a variable's value as code: arithmetic over variables and prompt expansion.

`$((x))`, `(( x ))`, `[[ $x -eq 1 ]]`, `${a[$i]}`, `let`, `declare -i` evaluate the variable's value as an
arithmetic expression, which runs any `$(…)` hidden in it; `${x@P}` expands it as a prompt, which does too.
A command line holding one is opaque to the policy.
"""

from __future__ import annotations

from tree_sitter import Node

_ARITH_TRIGGERS = (b"((", b"[", b"@P", b"let", b"-eq", b"-ne", b"-lt", b"-le", b"-gt", b"-ge", b"-i", b"-v")
_TEST_HAZARDS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-v"})
_VARIABLE_NODES = frozenset({"variable_name", "simple_expansion", "expansion", "word", "subscript"})
_ARITH_WHY = "arithmetic on a variable runs any $(…) hidden in its value"


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
        elif kind == "test_command" and any(
            c.type == "test_operator" and source[c.start_byte : c.end_byte].decode() in _TEST_HAZARDS
            for c in _descendants(node)
        ):
            if any(c.type in _VARIABLE_NODES for c in _descendants(node)):
                return node, _ARITH_WHY
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
