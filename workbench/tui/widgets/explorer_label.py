"""Pieces of an explorer row: the branch label of the root, a node's label text, and the row laid out to the
width with the status letter at the right edge (the tree never scrolls sideways)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.tree import TreeNode

from workbench.core.repo import Entry, StatusReport, visible_name


def branch_label(status: StatusReport | None) -> str:
    """`main`, `main ↑2↓1` when ahead of or behind its upstream, `(detached)` without a branch."""
    if status is None or (status.branch is None and status.oid is None):
        return ""
    label = visible_name(status.branch) if status.branch else "(detached)"
    if status.ahead:
        label += f" ↑{status.ahead}"
    if status.behind:
        label += f" ↓{status.behind}"
    return label


def label_text(node: TreeNode[Entry]) -> Text:
    label = node.label
    return label.copy() if isinstance(label, Text) else Text(label, end="")


def align(left: Text, right: Text, width: int) -> Text:
    """`left`, then `right` flush with `width` cells; `left` cut with an ellipsis when they do not fit."""
    if not right:
        if left.cell_len > width:
            left.truncate(width, overflow="ellipsis")
        return left
    room = width - left.cell_len - right.cell_len
    if room < 1:
        left.truncate(max(1, width - right.cell_len - 1), overflow="ellipsis")
        room = 1
    return Text.assemble(left, " " * room, right)
