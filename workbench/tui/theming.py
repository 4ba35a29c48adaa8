"""Themes from TOML files: the bundled `themes/*.toml` and the user's themes folder.

A theme file holds Textual `Theme` fields (`name`, `primary`, `secondary`, `accent`, `background`, ...,
`dark`) and an optional `[variables]` table. A bad file is reported and skipped, never fatal.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.terminal_theme import TerminalTheme
from textual.color import Color, ColorParseError
from textual.theme import Theme

from workbench import paths

COLOR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
DEFAULT_THEME = "workbench-dusk"


@dataclass
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _check_color(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be a colour string, not {type(value).__name__}")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ValueError(f"{where}: {key} = {value!r} is not a colour ({exc})") from None
    return value


def theme_from_data(data: dict[str, Any], where: str) -> Theme:
    """Validate one theme table and build the Textual Theme; raises ValueError with a plain message."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: needs a `name` string")
    if "primary" not in data:
        raise ValueError(f"{where}: needs a `primary` colour")
    unknown = set(data) - {*COLOR_FIELDS, "name", "dark", "variables", "luminosity_spread", "text_alpha"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    colors = {key: _check_color(where, key, data[key]) for key in COLOR_FIELDS if key in data}
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError(f"{where}: dark must be true or false")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError(f"{where}: [variables] must map names to strings")
    theme = Theme(name=name.strip(), primary=colors["primary"], dark=dark)
    for key, value in colors.items():
        setattr(theme, key, value)
    theme.variables = {str(k): v for k, v in variables.items()}
    return theme


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name}: not valid TOML ({exc})") from None
    return theme_from_data(data, path.name)


def theme_folders(folders: list[Path] | None = None) -> list[Path]:
    return folders if folders is not None else [paths.bundled_themes_dir(), paths.user_themes_dir()]


def load_named_theme(name: str, folders: list[Path] | None = None) -> Theme | None:
    """The theme in `<name>.toml` (the user's folder wins, as in `load_themes`), or None when there is no such
    file or it does not hold that theme; `load_themes` reports why later."""
    found: Theme | None = None
    for folder in theme_folders(folders):
        path = folder / f"{name}.toml"
        if path.is_file():
            try:
                theme = load_theme_file(path)
            except ValueError:
                return None
            found = theme if theme.name == name else None
    return found


def load_themes(folders: list[Path] | None = None) -> ThemeLoad:
    """Every theme in the bundled folder, then the user's folder (a later theme of the same name wins)."""
    result = ThemeLoad()
    for folder in theme_folders(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                result.themes.append(load_theme_file(path))
            except ValueError as exc:
                result.errors.append(str(exc))
    return result


# -- legible colours --------------------------------------------------------------------------------
# Text must read at 4.5:1 wherever it lands, and many terminals (tmux's default, the Linux console) show only 256
# or 16 colours: a colour is checked as each depth paints it (Rich's downgrade, the xterm palette's RGB).

DEPTHS = (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD)
LEGIBLE = 4.5
ANSI_TEXT = (1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14)  # the ANSI colours renderables use for text
_ANSI_DARK = ("#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2")
_ANSI_LIGHT = ("#b4232f", "#2b7a3b", "#8a5a00", "#2563c4", "#8a3fb8", "#0f6f7d")


# 16 colours as the Linux console paints them (the VGA palette, which is also the one Rich picks the nearest from).
_VGA = [(0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170), (0, 170, 170), (170, 170, 170)]
_VGA_BRIGHT = [(85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85), (85, 85, 255), (255, 85, 255)]
LINUX_CONSOLE = TerminalTheme((0, 0, 0), (170, 170, 170), _VGA, [*_VGA_BRIGHT, (85, 255, 255), (255, 255, 255)])


@lru_cache(maxsize=4096)  # a theme's palette checks each colour against the same few backgrounds, many times
def painted(color: Color, depth: ColorSystem) -> tuple[int, int, int]:
    """The RGB a terminal of `depth` colours shows for `color` (16 colours: the Linux console's)."""
    rich = RichColor.from_rgb(color.r, color.g, color.b)
    if depth == ColorSystem.TRUECOLOR:
        return color.r, color.g, color.b
    triplet = rich.downgrade(depth).get_truecolor(LINUX_CONSOLE)
    return triplet.red, triplet.green, triplet.blue


@lru_cache(maxsize=4096)
def _luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = ((c / 255) / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def worst_contrast(color: Color, backgrounds: Sequence[Color]) -> float:
    return min(contrast(painted(color, d), painted(bg, d)) for d in DEPTHS for bg in backgrounds)


def legible(color: Color, backgrounds: Sequence[Color], target: float = LEGIBLE + 0.5) -> Color:
    """`color`, lightened (on dark backgrounds) or darkened until it reads on each of them at every depth; the
    closest to it that does, or the best found. The target leaves room for the tints lists and cards add."""
    dark = sum(bg.brightness for bg in backgrounds) / max(1, len(backgrounds)) < 0.5
    hue, saturation, lightness = color.hsl
    best, best_ratio = color, worst_contrast(color, backgrounds)
    step = 0.02 if dark else -0.02
    for n in range(1, 50):
        if best_ratio >= target:
            break
        level = lightness + n * step
        if not 0 <= level <= 1:
            break
        candidate = Color.from_hsl(hue, saturation, level)
        ratio = worst_contrast(candidate, backgrounds)
        if ratio > best_ratio:
            best, best_ratio = candidate, ratio
    return best


def theme_variables(theme: Theme) -> dict[str, str]:
    """The CSS variables `theme` gives, its own [variables] included (what `App.get_css_variables` makes)."""
    return {**theme.to_color_system().generate(), **theme.variables}


def theme_backgrounds(theme: Theme, variables: Mapping[str, str] | None = None) -> list[Color]:
    """The theme's background, surface and panel colours; `variables`: its CSS variables, when worked out already."""
    variables = theme_variables(theme) if variables is None else variables
    return [Color.parse(variables[name]) for name in ("background", "surface", "panel")]


def ansi_palette(theme: Theme, variables: Mapping[str, str] | None = None) -> TerminalTheme:
    """The ANSI colours for `theme`: what Rich styles such as "red" or a Pygments highlight turn into (Textual maps
    named colours through it), each made legible on the theme's backgrounds. `variables`: the theme's CSS
    variables, when worked out already (the theme's generation is most of the cost)."""
    backgrounds = theme_backgrounds(theme, variables)
    base = [Color.parse(c) for c in (_ANSI_DARK if theme.dark else _ANSI_LIGHT)]
    colors = [legible(c, backgrounds) for c in base]
    bright = [legible(c.lighten(0.08) if theme.dark else c.darken(0.08), backgrounds) for c in base]
    background = backgrounds[0]
    foreground = Color.parse(theme.foreground) if theme.foreground else background.get_contrast_text()
    ends = [background.rgb, *(c.rgb for c in colors), foreground.rgb]
    return TerminalTheme(
        background.rgb, foreground.rgb, ends, [background.rgb, *(c.rgb for c in bright), foreground.rgb]
    )
