"""The status bar (persona, model, mode, tokens, cost, cache share, context gauge, session, busy) and the top bar."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.reactive import reactive
from textual.widget import Widget

from workbench.tui import render, safe
from workbench.tui.keys import KeyMap, keymap_of
from workbench.tui.theming import legible

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


def persona_style(color: str | None, on: Color | None = None) -> Style:
    """The persona's colour as a style, made legible on the background `on` when given (a persona file's colour
    was chosen for some other terminal); unknown or malformed colours fall back to bold."""
    if not color:
        return Style(bold=True)
    value = _NAMED.get(color.strip().lower(), color.strip())
    try:
        parsed = Color.parse(value)
    except ColorParseError:
        return Style(bold=True)
    shown = legible(parsed, [on]) if on is not None else parsed
    return Style(color=shown.rich_color, bold=True)


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


def context_gauge(info: StatusInfo) -> list[tuple[int, Text]]:
    """`ctx ▰▰▰▱▱▱▱▱ 41% of 200k` as bar parts: the share stays longest, the bar and the window go first; in
    warning colours as the conversation nears the compaction point."""
    if info.window <= 0:
        return []
    share = max(0.0, info.context_tokens / info.window)
    threshold = info.compact_at if info.compact_at > 0 else 1.0
    style = "bold red" if share >= threshold else "yellow" if share >= threshold * WARN_SHARE else "dim"
    filled = min(GAUGE_CELLS, round(share * GAUGE_CELLS))
    percent = Text("  ctx ", style="dim")
    # A warning share in its own colour at full strength: a dimmed yellow or red does not read.
    percent.append(f"{min(999, round(share * 100))}%", style="" if style == "dim" else f"{style} not dim")
    bar = Text(" " + "▰" * filled + "▱" * (GAUGE_CELLS - filled), style=style)
    return [(3, percent), (7, bar), (8, Text(f" of {window_label(info.window)}", style="dim"))]


def status_parts(info: StatusInfo, frame: int = 0, on: Color | None = None) -> list[tuple[int, Text]]:
    """The bar's pieces in display order, each with its rank: 0 always shows, higher ranks go first when the
    bar is too narrow (persona, mode and the waiting state survive any width the screen supports)."""
    style = persona_style(info.persona_color, on)
    parts: list[tuple[int, Text]] = []
    if info.waiting:
        parts.append((0, Text(" ◆", style="bold yellow")))
    else:
        parts.append((0, Text(" " + (SPINNER[frame % len(SPINNER)] if info.busy else "●"), style=style)))
    parts.append((0, Text(" " + safe.one_line(info.persona, 24), style=style)))
    if info.model:
        parts.append((6, Text("  " + safe.one_line(info.model, 40))))
    parts.append((0, Text("  " + safe.one_line(info.mode, 20), style="italic")))
    if info.sandbox:  # shell commands run unconfined, or are refused
        parts.append((1, Text("  " + safe.one_line(info.sandbox, 40), style="bold red")))
    if info.waiting:
        parts.append((0, Text("  waiting for your answer", style="bold yellow")))
    if info.note:
        parts.append((1, Text("  " + safe.one_line(info.note, 60), style="yellow")))
    u = info.usage
    total_in = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens if u is not None else 0
    parts.append((3, Text(f"  {render.tokens(total_in)} in")))
    share = cache_share(u) if u is not None else None
    if share is not None:
        parts.append((7, Text(f" ({share}% cached)", style="dim")))
    parts.append((8, Text(f" · {render.tokens(u.output_tokens if u is not None else 0)} out")))
    parts.append((4, Text(f" · ${u.cost_usd if u is not None else 0.0:.3f}")))
    parts += context_gauge(info)
    if info.session_id:
        parts.append((9, Text(f"  s:{short_id(info.session_id)}", style="dim")))
    return parts


def fit(parts: list[tuple[int, Text]], width: int) -> list[bool]:
    """Which parts fit in `width`: the highest ranks are dropped first, rank 0 never."""
    keep = [True] * len(parts)
    while sum(t.cell_len for (_, t), k in zip(parts, keep, strict=True) if k) > width:
        ranks = [rank for (rank, _), k in zip(parts, keep, strict=True) if k and rank]
        if not ranks:
            break
        worst = max(ranks)
        keep = [k and rank != worst for (rank, _), k in zip(parts, keep, strict=True)]
    return keep


def status_text(
    info: StatusInfo, frame: int = 0, width: int = 160, keys: KeyMap | None = None, on: Color | None = None
) -> Text:
    """The whole bar for `width` columns: the state on the left, the palette and help keys on the right."""
    k = keys or KeyMap()
    left = status_parts(info, frame, on)
    right = [
        (5, Text(f"  {k.show('app.palette', 'ctrl+p')} palette", style="dim")),
        (2, Text(f"  {k.show('app.help', 'f1')} help ", style="dim")),
    ]
    keep = fit(left + right, width)
    out = Text(no_wrap=True, overflow="ellipsis")
    for (_, text), kept in zip(left, keep, strict=False):
        if kept:
            out.append_text(text)
    tail = Text()
    for (_, text), kept in zip(right, keep[len(left) :], strict=True):
        if kept:
            tail.append_text(text)
    out.append(" " * max(0, width - out.cell_len - tail.cell_len))
    return out.append_text(tail)


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
        return status_text(self.info, self.frame, self.size.width, keymap_of(self.app), self.background_colors[1])


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
        if self.narrow:  # one pane at a time: name the keys that bring each to the front, from anywhere
            keys = keymap_of(self.app)
            for n, name in enumerate(("files", "chat", "plan"), 1):
                style = "reverse bold" if name == self.pane else "dim"
                right.append(f"{keys.show(f'pane.{name}', f'alt+{n}')} {name}", style=style).append(" ")
        width = self.size.width
        if out.cell_len + right.cell_len < width:
            out.append(" " * (width - out.cell_len - right.cell_len))
        out.append_text(right)
        return out
