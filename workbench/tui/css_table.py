"""Parsed CSS kept for the next start.

Before its first frame the screen parses every stylesheet source it uses (our CSS and the default CSS of the
Textual widgets under ours): about 10 ms, the same work each start. `install()` (the `workbench` command does it)
keeps each source's parsed rules in a table beside our bytecode, and the app's stylesheet takes them from there
(`textual_compat.parse_css_through`); a source not in the table is parsed and added at exit.

An entry is one source's rules (its text, where it was read from, its scope), parsed with one set of CSS
variables: the table holds the rules for one theme, and a start with another theme parses afresh, the table
then holding that theme's. Entries are Textual's own rule objects, pickled: the table is for the installed
Textual only, and is trusted as our `.pyc` files are (`core.beside_bytecode`). Each entry is unpickled only when
its source is parsed; one that cannot be is parsed afresh.
"""

from __future__ import annotations

import atexit
import marshal
import os
import pickle
import sys
import threading
from collections.abc import Hashable, Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core import beside_bytecode

if TYPE_CHECKING:
    from textual.css.model import RuleSet

_TAG = "workbench-parsed-css"
_VERSION = 1
MAX_BYTES = 4 * 1024 * 1024

_active: CssTable | None = None


def install(path: Path | None = None) -> CssTable:
    """The process's table (made once): apps built from now on parse through it."""
    global _active
    if _active is None:
        _active = CssTable(path or beside_bytecode.folder() / "parsed-css.bin")
        atexit.register(_active.save)
    return _active


def active() -> CssTable | None:
    return _active


def uninstall() -> None:
    """No table from now on (tests); what is new is not saved."""
    global _active
    if _active is not None:
        atexit.unregister(_active.save)
    _active = None


def _textual_stamp() -> tuple[str, int, int]:
    """Which Textual is installed: where, and when and how large its package file is (an upgrade rewrites it).
    Cheaper than its version, which reads the package metadata."""
    spec = find_spec("textual")
    origin = spec.origin if spec is not None and spec.origin else ""
    try:
        info = os.stat(origin)
    except OSError:
        return origin, 0, 0
    return origin, info.st_mtime_ns, info.st_size


class CssTable:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._read: tuple[tuple[Any, ...], dict[Any, Any]] | None = None
        self._new: dict[tuple[Any, ...], list[RuleSet]] = {}
        self._new_variables: tuple[tuple[str, str], ...] | None = None
        self._seen: tuple[dict[str, str], tuple[tuple[str, str], ...]] | None = None
        self._stamp: tuple[str, int, int] | None = None
        self.taken = 0  # sources whose rules came from the table

    def _header(self, variables: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
        if self._stamp is None:
            self._stamp = _textual_stamp()
        return (_TAG, _VERSION, pickle.HIGHEST_PROTOCOL, self._stamp, variables)

    def _frozen(self, variables: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """The variables as the table's header holds them (sorted pairs), worked out once for equal variables."""
        if self._seen is not None and self._seen[0] == variables:
            return self._seen[1]
        frozen = tuple(sorted((str(k), str(v)) for k, v in variables.items()))
        self._seen = (dict(variables), frozen)
        return frozen

    def _entries(self, variables: tuple[tuple[str, str], ...]) -> dict[Any, Any]:
        if self._read is None:
            self._read = self._load()
        header, entries = self._read
        return entries if header == self._header(variables) else {}

    def _load(self) -> tuple[tuple[Any, ...], dict[Any, Any]]:
        raw = beside_bytecode.read(self.path, MAX_BYTES)
        try:
            data = marshal.loads(raw) if raw is not None else None
        except (ValueError, EOFError, TypeError):
            data = None
        if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], tuple) and isinstance(data[1], dict):
            return data[0], data[1]
        return (), {}

    def lookup(self, variables: Mapping[str, str], key: Hashable) -> list[RuleSet] | None:
        """The rules parsed earlier for `key` with these variables, or None."""
        with self._lock:
            blob = self._entries(self._frozen(variables)).get(key)
        if not isinstance(blob, bytes):
            return None
        try:
            rules = pickle.loads(blob)
        except Exception:  # any failure: the source is parsed afresh
            return None
        if not isinstance(rules, list):
            return None
        self.taken += 1
        return rules

    def add(self, variables: Mapping[str, str], key: tuple[Any, ...], rules: list[RuleSet]) -> None:
        """Keep `rules` (just parsed for `key` with these variables) for the next start: pickled as it is saved,
        not while the screen waits."""
        if sys.dont_write_bytecode:  # nothing would be saved
            return
        with self._lock:
            frozen = self._frozen(variables)
            if self._new_variables not in (None, frozen):  # a theme change: the first theme's rules are kept
                return
            self._new_variables = frozen
            self._new[key] = rules

    def save(self) -> None:
        """Add what this process parsed to the table (atexit); entries for other variables are dropped."""
        with self._lock:
            new, variables = dict(self._new), self._new_variables
            self._new.clear()
        if not new or variables is None:
            return
        blobs: dict[tuple[Any, ...], bytes] = {}
        for key, rules in new.items():
            try:
                blobs[key] = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # rules that do not pickle are parsed each start
                continue
        header = self._header(variables)
        old_header, entries = self._load()
        table = dict(entries) if old_header == header else {}
        table.update(blobs)
        try:
            data = marshal.dumps((header, table))
        except ValueError:  # a key marshal cannot hold: nothing is kept
            return
        beside_bytecode.write(self.path, data)
