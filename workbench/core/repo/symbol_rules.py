"""Per-language rules that turn tree-sitter nodes into outline symbols.

Each language names the node types that are symbols (with a kind) and the wrappers to look through
(`export ...`, decorators). Members are read from the symbol's body one level down.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Node = Any  # tree_sitter.Node, typed loosely so the grammar modules stay lazy

NAME_CAP = 200


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str  # class, function, method, interface, struct, enum, trait, impl, module, type, const, key, table
    line: int  # 1-based
    end_line: int
    children: tuple[Symbol, ...] = ()

# node type -> kind, for each language's top level
TOP: dict[str, dict[str, str]] = {
    "python": {"class_definition": "class", "function_definition": "function"},
    "javascript": {
        "class_declaration": "class",
        "function_declaration": "function",
        "generator_function_declaration": "function",
        "class": "class",
    },
    "go": {"function_declaration": "function", "method_declaration": "method"},
    "rust": {
        "function_item": "function",
        "struct_item": "struct",
        "enum_item": "enum",
        "union_item": "struct",
        "trait_item": "trait",
        "impl_item": "impl",
        "mod_item": "module",
        "type_item": "type",
        "const_item": "const",
        "static_item": "const",
        "macro_definition": "macro",
    },
    "java": {
        "class_declaration": "class",
        "interface_declaration": "interface",
        "enum_declaration": "enum",
        "record_declaration": "class",
        "annotation_type_declaration": "interface",
    },
}
TOP["typescript"] = {
    **TOP["javascript"],
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "type_alias_declaration": "type",
    "enum_declaration": "enum",
    "internal_module": "module",
    "module": "module",
    "function_signature": "function",
}
TOP["tsx"] = TOP["typescript"]

# node type -> kind, for members inside a symbol's body
MEMBERS: dict[str, dict[str, str]] = {
    "python": {"function_definition": "method", "class_definition": "class"},
    "javascript": {"method_definition": "method", "field_definition": "field"},
    "typescript": {
        "method_definition": "method",
        "public_field_definition": "field",
        "abstract_method_signature": "method",
        "method_signature": "method",
        "property_signature": "field",
    },
    "go": {"method_elem": "method", "field_declaration": "field"},
    "rust": {
        "function_item": "method",
        "function_signature_item": "method",
        "const_item": "const",
        "type_item": "type",
        "struct_item": "struct",
        "enum_item": "enum",
        "trait_item": "trait",
        "impl_item": "impl",
        "field_declaration": "field",
        "enum_variant": "variant",
    },
    "java": {
        "method_declaration": "method",
        "constructor_declaration": "method",
        "class_declaration": "class",
        "interface_declaration": "interface",
        "enum_declaration": "enum",
        "record_declaration": "class",
        "enum_constant": "variant",
    },
}
MEMBERS["tsx"] = MEMBERS["typescript"]

BODY_TYPES = frozenset(
    {
        "block",
        "class_body",
        "interface_body",
        "object_type",
        "declaration_list",
        "field_declaration_list",
        "enum_variant_list",
        "enum_body",
        "enum_body_declarations",
        "statement_block",
        "interface_type",
        "struct_type",
        "record_declaration_body",
        "annotation_type_body",
    }
)


def _text(node: Node | None) -> str:
    if node is None:
        return ""
    raw: bytes = node.text or b""
    text = " ".join(raw.decode("utf-8", "replace").split())
    return text[:NAME_CAP]


def _line(node: Node) -> tuple[int, int]:
    return node.start_point[0] + 1, node.end_point[0] + 1


def extract(language: str, root: Node) -> Iterator[Symbol]:
    """Symbols of a parsed file, in source order."""
    if language == "json":
        yield from _json(root)
        return
    if language == "toml":
        yield from _toml(root)
        return
    for node in root.children:
        yield from _top(language, node)


def _top(language: str, node: Node) -> Iterator[Symbol]:
    kind_of = TOP[language]
    t = node.type
    if t in ("export_statement", "decorated_definition", "ambient_declaration"):
        for inner in node.named_children:
            if inner.type in kind_of or inner.type in ("lexical_declaration", "variable_declaration"):
                for sym in _top(language, inner):
                    yield _span(sym, node)
        return
    if t in ("lexical_declaration", "variable_declaration"):
        yield from _variables(node)
        return
    if language == "go" and t in ("type_declaration", "const_declaration", "var_declaration"):
        yield from _go_decls(node)
        return
    if t == "expression_statement" and language == "python":
        yield from _python_constant(node)
        return
    if t == "expression_statement" and language in ("typescript", "tsx"):
        for inner in node.named_children:
            if inner.type == "internal_module":
                yield from _top(language, inner)
        return
    kind = kind_of.get(t)
    if kind is None:
        return
    start, end = _line(node)
    yield Symbol(_name(language, node), kind, start, end, tuple(_members(language, node)))


def _span(sym: Symbol, outer: Node) -> Symbol:
    """A wrapped symbol starts where its wrapper (decorator, `export`) starts."""
    start, _ = _line(outer)
    return Symbol(sym.name, sym.kind, min(start, sym.line), sym.end_line, sym.children)


def _name(language: str, node: Node) -> str:
    t = node.type
    if language == "rust" and t == "impl_item":
        target = _text(node.child_by_field_name("type"))
        trait = node.child_by_field_name("trait")
        return f"{_text(trait)} for {target}" if trait is not None else target
    if t == "internal_module":
        return _text(node.child_by_field_name("name"))
    if language == "go" and t == "method_declaration":
        receiver = node.child_by_field_name("receiver")
        recv_type = ""
        if receiver is not None:
            for param in receiver.named_children:
                recv_type = _text(param.child_by_field_name("type"))
        name = _text(node.child_by_field_name("name"))
        return f"({recv_type}) {name}" if recv_type else name
    name_node = node.child_by_field_name("name")
    if name_node is None:
        return "default" if t == "class" else t
    return _text(name_node)


def _members(language: str, node: Node) -> Iterator[Symbol]:
    kinds = MEMBERS.get(language, {})
    body = node.child_by_field_name("body")
    if body is None:
        body = next((c for c in node.named_children if c.type in BODY_TYPES), None)
    if body is None:
        return
    for child in body.named_children:
        target = child
        if child.type == "decorated_definition":
            target = child.child_by_field_name("definition") or child
        if child.type == "enum_body_declarations":
            for inner in child.named_children:
                yield from _member(language, kinds, inner, inner)
            continue
        yield from _member(language, kinds, target, child)


def _member(language: str, kinds: dict[str, str], target: Node, outer: Node) -> Iterator[Symbol]:
    kind = kinds.get(target.type)
    if kind is None:
        return
    start, _ = _line(outer)
    _, end = _line(target)
    if target.type == "field_declaration" and language == "go":
        for name in target.children_by_field_name("name"):
            yield Symbol(_text(name), kind, start, end)
        return
    if target.type == "field_declaration" and language == "java":
        return
    yield Symbol(_name(language, target), kind, start, end)


def _variables(node: Node) -> Iterator[Symbol]:
    for decl in node.named_children:
        if decl.type != "variable_declarator":
            continue
        value = decl.child_by_field_name("value")
        is_fn = value is not None and value.type in ("arrow_function", "function_expression", "function")
        is_class = value is not None and value.type == "class"
        kind = "function" if is_fn else "class" if is_class else "const"
        start, end = _line(decl)
        yield Symbol(_text(decl.child_by_field_name("name")), kind, start, end)


def _go_decls(node: Node) -> Iterator[Symbol]:
    for spec in node.named_children:
        if spec.type == "type_spec":
            type_node = spec.child_by_field_name("type")
            tt = type_node.type if type_node is not None else ""
            kind = {"struct_type": "struct", "interface_type": "interface"}.get(tt, "type")
            start, end = _line(spec)
            members: tuple[Symbol, ...] = ()
            if tt == "interface_type":
                members = tuple(
                    Symbol(_text(m.child_by_field_name("name")), "method", *_line(m))
                    for m in type_node.named_children
                    if m.type == "method_elem"
                )
            elif type_node is not None:
                members = tuple(_members("go", type_node))
            yield Symbol(_text(spec.child_by_field_name("name")), kind, start, end, members)
        elif spec.type in ("const_spec", "var_spec"):
            start, end = _line(spec)
            for name in spec.children_by_field_name("name"):
                yield Symbol(_text(name), "const" if spec.type == "const_spec" else "variable", start, end)


def _python_constant(node: Node) -> Iterator[Symbol]:
    """Module-level `NAME = ...` assignments with an all-caps name (constants worth jumping to)."""
    for child in node.named_children:
        if child.type == "assignment":
            left = child.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                name = _text(left)
                if name.isupper() and len(name) > 1:
                    start, end = _line(child)
                    yield Symbol(name, "const", start, end)


def _json(root: Node) -> Iterator[Symbol]:
    top = next((c for c in root.named_children if c.type == "object"), None)
    if top is None:
        return
    for pair in top.named_children:
        if pair.type != "pair":
            continue
        value = pair.child_by_field_name("value")
        children: tuple[Symbol, ...] = ()
        if value is not None and value.type == "object":
            children = tuple(Symbol(_json_key(p), "key", *_line(p)) for p in value.named_children if p.type == "pair")
        yield Symbol(_json_key(pair), "key", *_line(pair), children)


def _json_key(pair: Node) -> str:
    key = _text(pair.child_by_field_name("key"))
    return key[1:-1] if len(key) >= 2 and key[0] == '"' and key[-1] == '"' else key


def _toml(root: Node) -> Iterator[Symbol]:
    for node in root.named_children:
        if node.type == "pair":
            yield Symbol(_text(node.named_children[0]), "key", *_line(node))
        elif node.type in ("table", "table_array_element"):
            header = next((c for c in node.named_children if c.type != "pair"), None)
            name = _text(header) + ("[]" if node.type == "table_array_element" else "")
            children = tuple(
                Symbol(_text(p.named_children[0]), "key", *_line(p)) for p in node.named_children if p.type == "pair"
            )
            yield Symbol(name, "table", *_line(node), children)
