"""Themes from TOML files: the bundled `themes/*.toml` and the user's themes folder.

A theme file holds Textual `Theme` fields (`name`, `primary`, `secondary`, `accent`, `background`, ...,
`dark`) and an optional `[variables]` table. A bad file is reported and skipped, never fatal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
