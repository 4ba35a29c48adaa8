"""The keys in force: the bindings' defaults with the user's `[keys]` remapping, for handlers and labels alike.

Every label that names a key (approval cards, the status bar, the plan's hints, the pane tabs, F1) asks
`keymap_of(app).show(binding_id, default)`, so it names the key that really works. Bindings that must work
wherever the focus is, the prompt included (palette, help, panes, dialogs), are declared `priority=True`: they
win over the focused widget's own keys (the prompt's ctrl+k, ctrl+f, ctrl+e), so a remapped key works
everywhere its default did; a printable key cannot be given to one, or the prompt could not type it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import REPLACED_KEYS, key_to_character
from textual.screen import ModalScreen, Screen

_SYMBOLS = {"space": "space", "escape": "Esc", "enter": "Enter", "tab": "Tab", "delete": "Del"}


def _character(name: str) -> str | None:
    """The character a key name types (`at` -> `@`, `question_mark` -> `?`), or None."""
    char = key_to_character(REPLACED_KEYS.get(name, name))
    return char if char is not None and len(char) == 1 and char.isprintable() else None


def printable(key: str) -> bool:
    """True for a key that types a character (a letter, a digit, `@`, shift+a): the prompt needs it for text."""
    *modifiers, name = key.split("+") if key != "+" else ["+"]
    return modifiers in ([], ["shift"]) and _character(name) is not None


def display(key: str) -> str:
    """A key as labels show it: `^k` for ctrl+k, `alt+1`, `F1`, `@`, `y`."""
    first = key.split(",")[0].strip()
    *modifiers, name = first.split("+")
    if name in _SYMBOLS:
        name = _SYMBOLS[name]
    elif name[:1] == "f" and name[1:].isdigit():
        name = name.upper()
    elif len(name) > 1 and (char := _character(name)) is not None:
        name = char
    if modifiers == ["ctrl"]:
        return f"^{name}"
    return "+".join([*modifiers, name])


@dataclass
class KeyMap:
    """The user's remapping (binding id -> keys), checked against the bindings that exist."""

    overrides: dict[str, str] = field(default_factory=dict)

    def key(self, binding_id: str, default: str) -> str:
        """The keys bound to `binding_id` now (comma-separated, as in BINDINGS)."""
        return self.overrides.get(binding_id, default)

    def show(self, binding_id: str, default: str) -> str:
        """The first key bound to `binding_id`, as labels show it."""
        return display(self.key(binding_id, default))

    def matches(self, binding_id: str, default: str, key: str) -> bool:
        return key in [k.strip() for k in self.key(binding_id, default).split(",")]


def check_keymap(wanted: Mapping[str, Any], groups: Iterable[Iterable[Binding]]) -> tuple[KeyMap, list[str]]:
    """The remapping to apply (known ids only), and a message per entry that is not applied (a key that is not a
    string, a printable key for a priority binding: one that works from the prompt would take the character) or
    that takes a key another binding of the same place already has. `groups`: each class's bindings."""
    lists = [[b for b in group if b.id] for group in groups]
    known = {b.id: b for group in lists for b in group if b.id}
    out: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, value in wanted.items():
        name = str(binding_id)
        if name not in known:  # the config reports those (Config.unknown_keys)
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f'[keys] {name!r} needs a key string such as "ctrl+k"; ignored')
            continue
        keys = ",".join(k.strip() for k in value.split(",") if k.strip())
        if known[name].priority and any(printable(k) for k in keys.split(",")):
            default = known[name].key
            problems.append(
                f"[keys] {name!r} = {value!r} would take that character from the prompt; keeping {default!r}"
            )
            continue
        out[name] = keys
    for group in lists:
        taken: dict[str, list[str]] = {}
        for b in group:
            for key in out.get(b.id or "", b.key).split(","):
                taken.setdefault(key.strip(), []).append(b.id or "")
        for b in group:
            for key in out.get(b.id or "", "").split(","):
                others = [i for i in taken.get(key.strip(), []) if i != b.id] if key else []
                if others:
                    problems.append(f"[keys] {b.id!r} = {key!r} is also the key of {', '.join(others)}")
    return KeyMap(out), problems


def binding_classes() -> list[type[DOMNode]]:
    """Every app, screen and widget class of the workbench that declares bindings (all modules are imported)."""
    import importlib
    import pkgutil

    import workbench.tui

    for info in pkgutil.walk_packages(workbench.tui.__path__, "workbench.tui."):
        importlib.import_module(info.name)
    found: list[type[DOMNode]] = []
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("workbench.tui.") and "BINDINGS" in vars(cls):
            found.append(cls)
    return sorted(set(found), key=_rank)


def _rank(cls: type[DOMNode]) -> tuple[int, str]:
    """App first, then the main screen, its widgets, then the dialogs and other screens."""
    if issubclass(cls, App):
        return 0, ""
    if issubclass(cls, ModalScreen):
        return 3, group_title(cls)
    if issubclass(cls, Screen):
        return 1 if cls.__name__ == "MainScreen" else 4, group_title(cls)
    return 2, group_title(cls)


def group_title(cls: type[DOMNode]) -> str:
    return cls.BINDING_GROUP_TITLE or cls.__name__


def binding_groups() -> list[list[Binding]]:
    """Each class's bindings (the app's count in every group: they work everywhere)."""
    classes = binding_classes()
    app = [b for cls in classes if issubclass(cls, App) for b in cls.BINDINGS if isinstance(b, Binding)]
    groups = [[b for b in cls.BINDINGS if isinstance(b, Binding)] for cls in classes if not issubclass(cls, App)]
    return [[*app, *group] for group in groups]


_MAPS: WeakKeyDictionary[App[Any], KeyMap] = WeakKeyDictionary()


def install(app: App[Any], keymap: KeyMap) -> None:
    """Make `keymap` the app's keys in force (bindings and labels)."""
    _MAPS[app] = keymap
    app.set_keymap(dict(keymap.overrides))


def keymap_of(app: App[Any]) -> KeyMap:
    return _MAPS.get(app) or KeyMap()
