"""Where the tree-sitter bash grammar reads a command differently from bash, so that the analysis can follow bash
or, where it cannot, say so (the policy then asks).

* Words after a redirection's target (`cat 2>/dev/null .env`) and after a heredoc's delimiter (`cat <<EOF .env`)
  are the command's arguments to bash; the grammar hangs them on the redirection, and nests a heredoc line's
  other redirections (`cat <<EOF > out`) inside the heredoc's node.
* A line continuation inside a word (`.e\\<newline>nv`), some escapes (`.[\\e]nv`) and translated strings
  (`$"…"`) split or change words.
"""

from __future__ import annotations

from tree_sitter import Node

REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})


def flatten_redirects(nodes: list[Node]) -> tuple[list[Node], list[Node]]:
    """The redirections among `nodes` and the ones the grammar nests in a heredoc's (`cat <<EOF > out`), and the
    command's words it hangs on them: after a file redirection's target (`cat 2>/dev/null .env`) or a heredoc's
    delimiter (`cat <<EOF .env`). bash reads those words as the command's own arguments."""
    redirects: list[Node] = []
    words: list[Node] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        redirects.append(node)
        if node.type == "file_redirect":
            words += node.children_by_field_name("destination")[1:]
        elif node.type == "heredoc_redirect":
            words += node.children_by_field_name("argument")
            stack.extend(reversed(node.children_by_field_name("redirect")))
    return redirects, words


def misread(children: list[Node], source: bytes) -> str | None:
    """Where the grammar reads a command's words differently from bash, or None. Between two words there must be
    whitespace bash splits on and nothing else: nothing but line continuations or escaped blanks means bash joins
    them into one word (`.e\\<newline>nv` is `.env`; `.[\\e]nv` is one glob), and any other text is something
    the grammar left out of every word (`-$"o"` lost its `-$`). `children`: a command's parts, the words and
    redirections hung on its redirections among them."""
    previous: Node | None = None
    for child in sorted(children, key=lambda c: c.start_byte):
        if previous is not None:
            gap = source[_target_end(previous) : child.start_byte]
            left = gap.replace(b"\\\n", b"").strip(b" \t\n")
            if left:
                return f"bash reads {left.decode('utf-8', 'replace')!r} as part of a word; the parser does not"
            if child.type not in REDIRECTS and not _separated(gap):
                word = source[child.start_byte : child.end_byte].decode("utf-8", "replace")
                return f"{word!r} would be part of the word before it when bash reads it"
        previous = child
    return None


def translated(text: str, follower: Node | None) -> bool:
    """`text` ends in the unescaped `$` of a `$"…"` whose quotes the grammar split off into `follower`."""
    if follower is None or follower.type != "string" or not text.endswith("$"):
        return False
    body = text[:-1]
    return (len(body) - len(body.rstrip("\\"))) % 2 == 0  # `\\$"…"` is a literal `$` and a string


def _separated(gap: bytes) -> bool:
    """Whether the text between two words has whitespace bash splits on (not escaped, not a line continuation)."""
    index = 0
    while index < len(gap):
        if gap[index] == 0x5C:  # a backslash: it and the byte after it are part of a word
            index += 2
            continue
        if gap[index] in b" \t\n":
            return True
        index += 1
    return False


def blank_inside(raw: str) -> bool:
    """A word of the grammar's holds a blank bash splits on (not escaped): it is more than one word to bash."""
    index = 0
    while index < len(raw):
        if raw[index] == "\\":
            index += 2
            continue
        if raw[index] in " \t\n":
            return True
        index += 1
    return False


def _target_end(node: Node) -> int:
    """Where a redirection's own part ends (the words and redirections hung on it after that are not part of it)."""
    if node.type == "heredoc_redirect":
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        return start.end_byte if start is not None else node.end_byte
    destinations = node.children_by_field_name("destination") if node.type == "file_redirect" else []
    return destinations[0].end_byte if destinations else node.end_byte


def comment_problem(node: Node, source: bytes) -> str | None:
    """Why a comment of the grammar's is not one to bash, or None. `#` starts a comment only where a word could
    start; after a line continuation (`README.md\\<newline>#;cat .env`) or an escaped blank it is part of the word
    before it, and what follows on the line runs."""
    before = source[: node.start_byte]
    while before.endswith(b"\\\n"):
        before = before[:-2]
    if not before:
        return None
    escapes = len(before) - len(before.rstrip(b"\\"))
    last = before[-1:]
    if before.endswith(b"\\") or (escapes == 0 and last not in _WORD_BREAKS) or _escaped_last(before):
        text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
        return f"bash does not read {text[:40]!r} as a comment: it runs"
    return None


_WORD_BREAKS = frozenset(bytes([c]) for c in b" \t\n;&|()<>")


def _escaped_last(text: bytes) -> bool:
    """The last byte of `text` is escaped by a backslash (an odd number of them before it)."""
    body = text[:-1]
    return (len(body) - len(body.rstrip(b"\\"))) % 2 == 1
