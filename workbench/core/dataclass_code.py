"""The code of dataclasses' and named tuples' generated methods, compiled once and kept beside our bytecode.

Python builds a dataclass's `__init__`, `__repr__`, `__eq__` (and, frozen, `__setattr__`, `__delattr__`,
`__hash__`) from source text each time the class is defined, and compiling that text is most of the cost:
about 0.4 ms a class. A start of the workbench screen defines over a hundred (Textual's and ours), which is
some 30 ms before the first frame; a named tuple's `__new__` is built the same way (65 of them, 5 ms). The
same text always compiles to the same code, so `install()` has the `dataclasses` and `collections` modules
compile through a table of what earlier runs compiled: the table is read at start, what is new is added at
exit (what a start compiles: once it is over, `release()`, nothing more is kept). The methods are exactly the
ones Python builds; only the compile is skipped.

The table lives beside the package's own `.pyc` files and is trusted no more than they are (see
`beside_bytecode`: read only when it is the running user's alone, written only when bytecode is); it is ignored
for another Python (its bytecode magic) or optimisation level, and an entry that is not code is compiled afresh.
"""

from __future__ import annotations

import atexit
import builtins
import collections
import dataclasses
import importlib.util
import marshal
import sys
import threading
from pathlib import Path
from types import CodeType
from typing import Any

from workbench.core import beside_bytecode

_TAG = "workbench-dataclass-code"
_VERSION = 1
_EVAL = "\0eval\0"  # the key of an expression (a named tuple's `__new__`) starts with this
MAX_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 3000  # beyond this, a save keeps only what the saving process used

_lock = threading.Lock()
_known: dict[str, bytes] = {}  # source text -> marshalled code, as read at start
_used: set[str] = set()
_new: dict[str, CodeType] = {}
_released = False  # the start is over: nothing is looked up or kept any more
_path: Path | None = None


def table_path(name: str) -> Path:
    """Where the table of `name` (a command: each loads its own set of modules) is kept, one file per Python."""
    return beside_bytecode.folder() / f"dataclass-code.{name}.{sys.implementation.cache_tag}.bin"


def _header() -> tuple[Any, ...]:
    return (_TAG, _VERSION, importlib.util.MAGIC_NUMBER, sys.flags.optimize)


def install(name: str, path: Path | None = None) -> None:
    """From now on, dataclasses compile through the table of `name` (once per process; later calls do
    nothing). `path`: another place for it (tests)."""
    global _path, _released
    if "exec" in vars(dataclasses):
        return
    _path = path or table_path(name)
    _released = False  # a release by an app run without the table (a test's) does not carry over
    _known.update(read_table(_path))
    # Module globals: each shadows the builtin in that module only.
    setattr(dataclasses, "exec", _exec)  # noqa: B010
    setattr(collections, "eval", _eval)  # noqa: B010
    atexit.register(save)


def uninstall() -> None:
    """Back to the builtin compile (tests); what is new is not saved."""
    global _path, _released
    if vars(dataclasses).get("exec") is _exec:
        delattr(dataclasses, "exec")
    if vars(collections).get("eval") is _eval:
        delattr(collections, "eval")
    atexit.unregister(save)
    with _lock:
        _known.clear()
        _used.clear()
        _new.clear()
    _path = None
    _released = False


def release() -> None:
    """The process's start is over (the screen is whole): the table read for it goes, and what is compiled
    from now on (for what a later action loads) is not kept. The table stays what a start needs, and a start
    reads no more than that."""
    global _released
    with _lock:
        _known.clear()
    _released = True


def counts() -> tuple[int, int]:
    """How many methods this process took from the table, and how many it compiled."""
    with _lock:
        return len(_used), len(_new)


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **kwargs: Any) -> None:
    if isinstance(source, str):
        source = _code_for(source, source, "exec")
    builtins.exec(source, globals, locals, **kwargs)


def _eval(source: Any, globals: Any = None, locals: Any = None, /) -> Any:
    if isinstance(source, str):
        source = source.lstrip(" \t")  # as the builtin does with a string
        source = _code_for(_EVAL + source, source, "eval")
    return builtins.eval(source, globals, locals)


def _code_for(text: str, source: str, mode: str) -> CodeType:
    if _released:
        return compile(source, "<string>", mode, dont_inherit=True)
    with _lock:
        raw = _known.get(text)
        done = _new.get(text)
    if done is not None:
        return done
    if isinstance(raw, bytes):
        try:
            code = marshal.loads(raw)
        except (ValueError, EOFError, TypeError):
            code = None
        if isinstance(code, CodeType):
            with _lock:
                _used.add(text)
            return code
    # As `exec(source)` in the dataclasses module compiles it: none of our own __future__ flags.
    code = compile(source, "<string>", mode, dont_inherit=True)
    with _lock:
        _new[text] = code
    return code


def read_table(path: Path) -> dict[Any, Any]:
    """The table in `path`, or nothing when it cannot be trusted (`beside_bytecode.read`), is from another Python
    or is not a table. Its entries are checked as they are used."""
    raw = beside_bytecode.read(path, MAX_BYTES)
    if raw is None:
        return {}
    try:
        data = marshal.loads(raw)
    except (ValueError, EOFError, TypeError):
        return {}
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == _header() and isinstance(data[1], dict)):
        return {}
    return data[1]


def save() -> None:
    """Add what this process compiled to the table (atexit). Another process may have saved meanwhile: its
    entries are kept."""
    path = _path
    with _lock:
        new = {text: marshal.dumps(code) for text, code in _new.items()}
        used = set(_used)
        _new.clear()
    if not new or path is None or sys.dont_write_bytecode:
        return
    table = {text: raw for text, raw in read_table(path).items() if isinstance(text, str) and isinstance(raw, bytes)}
    if len(table) + len(new) > MAX_ENTRIES:
        table = {text: raw for text, raw in table.items() if text in used}
    table.update(new)
    write_table(path, table)


def write_table(path: Path, table: dict[str, bytes]) -> None:
    beside_bytecode.write(path, marshal.dumps((_header(), table)))
