"""The kinds of transcript entry that need no widget module of their own: user prompts, notices, and the widget
of an entry that only has a frozen form (the entry record itself is in `entry`)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.widgets import Static

from workbench.tui import safe
from workbench.tui.widgets.frozen import Item

NOTICE_STYLES = {"warning": "yellow", "error": "red", "info": "dim"}


def user_renderable(prompt: str) -> RenderableType:
    out = Text()
    out.append("you  ", style="bold")
    out.append(safe.clean(prompt))
    return out


def user_item(prompt: str) -> RenderableType:
    return Padding(user_renderable(prompt), (1, 0, 0, 0))  # the widget's top margin


class UserMessage(Static):
    DEFAULT_CSS = """
    UserMessage {
        height: auto;
        padding: 0 1;
        margin-top: 1;
        background: $boost;
    }
    """

    def __init__(self, prompt: str) -> None:
        super().__init__(user_renderable(prompt), markup=False, classes="user")
        self.prompt = prompt

    def freeze(self) -> RenderableType:
        return user_item(self.prompt)


def notice_item(body: RenderableType, level: str) -> RenderableType:
    if isinstance(body, Text):
        styled = body.copy()
        styled.stylize_before(NOTICE_STYLES.get(level, ""), 0, len(styled))  # under the body's own styles
        return styled
    return body


class NoticeLine(Static):
    DEFAULT_CSS = """
    NoticeLine {
        height: auto;
        padding: 0 1;
        color: $text-muted;
        &.-error { color: $text-error; }
        &.-warning { color: $text-warning; }
    }
    """

    def __init__(self, body: RenderableType, level: str = "info") -> None:
        super().__init__(body, markup=False, classes=f"notice -{level}")
        self.body = body
        self.level = level

    def freeze(self) -> RenderableType:
        return notice_item(self.body, self.level)


class FrozenEntry(Static):
    """The widget of an entry that has only a frozen form."""

    DEFAULT_CSS = "FrozenEntry { height: auto; padding: 0 1; }"

    def __init__(self, item: Item) -> None:
        super().__init__(item() if callable(item) else item, markup=False)
        self.item = item

    def freeze(self) -> Item:
        return self.item
