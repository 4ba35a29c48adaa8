"""The status bar (persona, model, mode, tokens, cost, cache share, context gauge, session, busy) and the top bar."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from workbench.tui import render, safe

if TYPE_CHECKING:  # the event types load with the first session, not before the first frame
    from workbench.core.events import UsageInfo

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

_NAMED = {
    "red": "#e06c75",
    "orange": "#d19a66",
    "yellow": "#e5c07b",
    "green": "#98c379",
    "cyan": "#56b6c2",
    "blue": "#61afef",
    "purple": "#c678dd",
    "pink": "#ff79c6",
}


def persona_style(color: str | None) -> Style:
    """The persona's colour as a style; unknown or malformed colours fall back to bold."""
    if not color:
        return Style(bold=True)
    value = _NAMED.get(color.strip().lower(), color.strip())
    try:
        return Style(color=value, bold=True)
    except Exception:
        return Style(bold=True)


@dataclass(frozen=True)
class StatusInfo:
    persona: str = "no persona"
    persona_color: str | None = None
    model: str = ""
    mode: str = "default"
    usage: UsageInfo | None = None  # None until a session reports (shown as zero)
    session_id: str = ""
    busy: bool = False
    waiting: bool = False  # an approval card waits for the user
    note: str = ""
    sandbox: str = ""  # "no sandbox" when shell commands run unconfined; "" when they are sandboxed
    context_tokens: int = 0  # how much of the model's context window the conversation fills
    window: int = 0  # the window in tokens; 0 until a session reports it (no gauge)
    compact_at: float = 0.8  # the share of the window at which the session compacts its history


def short_id(session_id: str) -> str:
    """The distinctive end of a session id (ids start with a date)."""
    clean = safe.one_line(session_id, 80)
    return clean.rsplit("-", 1)[-1][-8:] if clean else ""


def cache_share(usage: UsageInfo) -> int | None:
    total = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
    if not total:
        return None
    return round(100 * usage.cache_read_input_tokens / total)


GAUGE_CELLS = 8
WARN_SHARE = 0.9  # of the compaction threshold: the gauge turns to a warning from here


def window_label(tokens: int) -> str:
    """200000 -> 200k, 1000000 -> 1M; anything else as `render.tokens` writes it."""
    if tokens % 1_000_000 == 0:
        return f"{tokens // 1_000_000}M"
    if tokens % 1000 == 0:
        return f"{tokens // 1000}k"
    return render.tokens(tokens)


def context_gauge(info: StatusInfo, narrow: bool = False) -> Text:
    """`ctx ▰▰▰▱▱▱▱▱ 41% of 200k`: the window's fill, in warning colours as it nears the compaction point."""
    out = Text()
    if info.window <= 0:
        return out
    share = max(0.0, info.context_tokens / info.window)
    threshold = info.compact_at if info.compact_at > 0 else 1.0
    style = "bold red" if share >= threshold else "yellow" if share >= threshold * WARN_SHARE else "dim"
    out.append("  ctx ", style="dim")
    if not narrow:
        filled = min(GAUGE_CELLS, round(share * GAUGE_CELLS))
        out.append("▰" * filled + "▱" * (GAUGE_CELLS - filled) + " ", style=style)
    out.append(f"{min(999, round(share * 100))}%", style=style if style != "dim" else "")
    if not narrow:
        out.append(f" of {window_label(info.window)}", style="dim")
    return out


def status_text(info: StatusInfo, frame: int = 0, narrow: bool = False) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(" ")
    if info.waiting:
        out.append("◆", style="bold yellow")
    else:
        out.append(SPINNER[frame % len(SPINNER)] if info.busy else "●", style=persona_style(info.persona_color))
    if not narrow:
        out.append(" " + safe.one_line(info.persona, 40), style=persona_style(info.persona_color))
    if info.model:
        out.append("  " + safe.one_line(info.model, 40))
    out.append("  " + safe.one_line(info.mode, 20), style="italic")
    if info.sandbox:
        out.append("  " + safe.one_line(info.sandbox, 40), style="bold red")
    u = info.usage
    total_in = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens if u is not None else 0
    out.append(f"  {render.tokens(total_in)} in")
    share = cache_share(u) if u is not None else None
    if share is not None:
        out.append(f" ({share}% cached)", style="dim")
    if not narrow:
        out.append(f" · {render.tokens(u.output_tokens if u is not None else 0)} out")
    out.append(f" · ${u.cost_usd if u is not None else 0.0:.3f}")
    out.append_text(context_gauge(info, narrow))
    if info.session_id and not narrow:
        out.append(f"  s:{short_id(info.session_id)}", style="dim")
    if info.waiting:
        out.append("  waiting for your answer", style="bold yellow")
    if info.note:
        out.append("  " + safe.one_line(info.note, 60), style="yellow")
    return out


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        dock: bottom;
        background: $panel;
        color: $text;
    }
    """

    info: reactive[StatusInfo] = reactive(StatusInfo, layout=False)
    """Everything the bar shows."""

    frame: reactive[int] = reactive(0)
    """Spinner frame while busy."""

    def on_mount(self) -> None:
        self._ticker = self.set_interval(0.12, self._tick, pause=True)

    def watch_info(self, old: StatusInfo, new: StatusInfo) -> None:
        spinning = old.busy and not old.waiting, new.busy and not new.waiting
        if self.is_mounted and spinning[0] != spinning[1]:
            if spinning[1]:
                self._ticker.resume()
            else:
                self._ticker.pause()

    def _tick(self) -> None:
        self.frame += 1

    def update_info(self, **changes: object) -> None:
        self.info = replace(self.info, **changes)  # type: ignore[arg-type]

    def render(self) -> Text:
        narrow = self.size.width < 100
        left = status_text(self.info, self.frame, narrow)
        right = Text("F1 help " if narrow else "^p palette  F1 help ", style="dim")
        width = self.size.width
        if left.cell_len + right.cell_len < width:
            left.append(" " * (width - left.cell_len - right.cell_len))
            left.append_text(right)
        return left


class TopBar(Widget):
    """Persona · model · mode on the left; plan progress and the pane tabs on the right."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        dock: top;
        background: $panel;
    }
    """

    title: reactive[Text] = reactive(Text)
    plan: reactive[Text] = reactive(Text)
    pane: reactive[str] = reactive("chat")
    narrow: reactive[bool] = reactive(False)

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(" ").append_text(self.title)
        right = Text()
        if self.plan.plain:
            right.append("plan ").append_text(self.plan).append("  ")
        if self.narrow:
            for key, name in (("1", "files"), ("2", "chat"), ("3", "plan")):
                style = "reverse bold" if name == self.pane else "dim"
                right.append(f"[{key}]{name}", style=style).append(" ")
        width = self.size.width
        if out.cell_len + right.cell_len < width:
            out.append(" " * (width - out.cell_len - right.cell_len))
        out.append_text(right)
        return out
