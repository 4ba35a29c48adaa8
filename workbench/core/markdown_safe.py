"""Untrusted text in a Markdown report (the session export, the audit log), so that nothing in it renders.

Every value that came from the model, a tool, a file or a persona is either a fenced code block (evidence, kept
exact) or an inline code span: inside either, Markdown, HTML, images and autolinks are plain text, so
`![img](https://…?k=secret)` in a plan item never fetches anything when the report is viewed. Secrets are
redacted and hidden characters shown as tags (`<U+202E>`), as on a terminal.
"""

from __future__ import annotations

import re

from workbench.core.policy.visible import make_visible
from workbench.core.safe_text import visible_bytes
from workbench.core.secrets import redact

_BACKTICKS = re.compile(r"`+")


def fenced(text: str, lang: str = "") -> str:
    """A fenced code block holding `text` exactly (secrets redacted): the fence outruns any backticks inside."""
    body = redact(visible_bytes(text))
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def code_span(value: str, *, limit: int | None = None, table: bool = False) -> str:
    """`value` as one inline code span: on one line, hidden characters tagged, cut to `limit` characters.

    In a table cell (`table=True`) pipes are escaped, which GFM tables require even inside code spans.
    """
    text = make_visible(redact(visible_bytes(value)), keep_newlines=False)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    if table:
        text = text.replace("|", "\\|")
    if not text:
        return ""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
