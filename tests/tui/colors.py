"""What a 256- or 16-colour terminal shows of the screen, and how legible the text is there.

`Terminal` is a Textual line filter (the public `App.get_line_filters` hook) that does to every cell what a
terminal with fewer colours does (`workbench.tui.theming.painted`: Rich's downgrade, then the palette's RGB), and
on the way measures the contrast of every letter and digit against its background at each depth. Textual has
already turned `dim` into a blended colour by then, so what is measured is what is painted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

from workbench.tui.theming import contrast, painted

SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}


@dataclass
class Low:
    text: str
    ratio: float
    depth: str
    style: str


@dataclass(eq=False)  # hashed by identity: Textual caches filtered lines per filter
class Terminal(LineFilter):
    """Paints like a terminal of `depth` colours, and (while `measure` is on) records each letter or digit whose
    contrast with its background is below `minimum` at any of the depths in SYSTEMS."""

    depth: str = "truecolor"
    measure: bool = False
    minimum: float = 4.5
    low: list[Low] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(enabled=True)

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        system = SYSTEMS[self.depth]
        default_fg = Color(255, 255, 255) if background.brightness < 0.5 else Color(0, 0, 0)
        out = []
        for text, style, control in segments:
            if style is None or control:
                out.append(Segment(text, style, control))
                continue
            fg = _color(style.color, default_fg)
            bg = _color(style.bgcolor, background)
            if self.measure and any(ch.isalnum() for ch in text):
                ink, paper = (bg, fg) if style.reverse else (fg, bg)
                for name, depth in SYSTEMS.items():
                    ratio = contrast(painted(ink, depth), painted(paper, depth))
                    if ratio < self.minimum:
                        self.low.append(Low(text.strip(), round(ratio, 2), name, str(style)))
            painted_style = Style(
                color=RichColor.from_rgb(*painted(fg, system)), bgcolor=RichColor.from_rgb(*painted(bg, system))
            )
            out.append(Segment(text, style + painted_style, control))
        return out


def _color(color: RichColor | None, default: Color) -> Color:
    if color is None or color.is_default:
        return default
    triplet = color.get_truecolor()
    return Color(triplet.red, triplet.green, triplet.blue)


def paint_as(app: Any, depth: str = "truecolor") -> Terminal:
    """Make `app` paint like a terminal of `depth` colours (before it runs); returns the filter."""
    terminal = Terminal(depth)
    original: Callable[[], list[LineFilter]] = app.get_line_filters

    def filters() -> list[LineFilter]:
        return [*original(), terminal]

    app.get_line_filters = filters
    return terminal
