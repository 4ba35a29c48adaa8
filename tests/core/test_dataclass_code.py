"""The dataclass code table: dataclasses' and named tuples' generated methods come from code an earlier run
compiled, behave exactly as the ones Python builds, and a table that is not ours alone, from another Python, or
not a table is not used."""

from __future__ import annotations

import dataclasses
import marshal
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.core import dataclass_code

SOURCE = '''
from dataclasses import dataclass, field
from typing import NamedTuple

class Pair(NamedTuple):
    a: int
    b: str = "x"

@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list, compare=False, repr=False)
'''


@pytest.fixture
def table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    assert "exec" not in vars(dataclasses), "the test process has the table installed already"
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # whatever the environment running the tests says
    path = tmp_path / "pycache" / "dataclass-code.test.bin"
    yield path
    dataclass_code.uninstall()


def define(tag: str) -> type:
    namespace: dict[str, object] = {"__name__": f"table_probe_{tag}"}
    sys.modules[f"table_probe_{tag}"] = type(sys)(f"table_probe_{tag}")
    try:
        exec(compile(SOURCE, f"<probe {tag}>", "exec"), namespace)
    finally:
        del sys.modules[f"table_probe_{tag}"]
    point, pair = namespace["Point"], namespace["Pair"]
    assert isinstance(point, type) and isinstance(pair, type)
    assert pair(1) == (1, "x") and pair(b="y", a=2) == (2, "y") and pair(1)._asdict() == {"a": 1, "b": "x"}
    with pytest.raises(TypeError):
        pair()
    return point


def check_behaviour(point: type) -> None:
    a, b = point(1, 2, ("t",)), point(1, 2, ("t",))
    assert a == b and hash(a) == hash(b) and a != point(2)
    assert repr(a) == "Point(x=1, y=2, tags=('t',))"
    assert a.notes == [] and a.notes is not b.notes
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 3  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        point()


def test_the_second_run_takes_the_methods_from_the_table(table: Path) -> None:
    dataclass_code.install("test", table)
    check_behaviour(define("first"))
    taken, compiled = dataclass_code.counts()
    assert taken == 0 and compiled >= 7  # __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__; __new__
    dataclass_code.save()
    assert table.is_file() and not table.stat().st_mode & 0o022
    dataclass_code.uninstall()

    dataclass_code.install("test", table)
    check_behaviour(define("second"))
    assert dataclass_code.counts() == (compiled, 0)


def test_after_the_release_nothing_is_looked_up_or_kept(table: Path) -> None:
    """What a process compiles once its start is over (modules a later action loads) stays out of the table, so
    a start reads only what a start needs."""
    dataclass_code.install("test", table)
    define("one")
    dataclass_code.save()
    dataclass_code.uninstall()
    kept = len(dataclass_code.read_table(table))
    dataclass_code.install("test", table)
    dataclass_code.release()
    check_behaviour(define("two"))  # compiled as Python does
    namespace: dict[str, object] = {}
    exec("from dataclasses import dataclass\n@dataclass\nclass Other:\n    z: str = ''\n", namespace)
    assert dataclass_code.counts() == (0, 0)
    dataclass_code.save()
    assert len(dataclass_code.read_table(table)) == kept


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda p: p.chmod(0o666), id="writable by others"),
        pytest.param(lambda p: p.chmod(0o664), id="writable by the group"),
        pytest.param(lambda p: p.write_bytes(b"\x00not marshal"), id="not a table"),
        pytest.param(lambda p: p.write_bytes(marshal.dumps(("other", 1, b"", 0, {}))), id="another header"),
        pytest.param(
            lambda p: p.write_bytes(marshal.dumps((("workbench-dataclass-code", 1, b"\x00\x00\r\n", 0), {}))),
            id="another Python",
        ),
        pytest.param(lambda p: p.write_bytes(b"\x00" * (dataclass_code.MAX_BYTES + 1)), id="too large"),
    ],
)
def test_a_table_that_is_not_ours_alone_or_not_for_this_python_is_not_read(table: Path, spoil: object) -> None:
    dataclass_code.install("test", table)
    define("first")
    dataclass_code.save()
    dataclass_code.uninstall()
    assert dataclass_code.read_table(table)
    spoil(table)  # type: ignore[operator]
    assert dataclass_code.read_table(table) == {}


def test_a_link_is_not_followed(table: Path, tmp_path: Path) -> None:
    dataclass_code.install("test", table)
    define("first")
    dataclass_code.save()
    dataclass_code.uninstall()
    link = tmp_path / "link.bin"
    link.symlink_to(table)
    assert dataclass_code.read_table(link) == {}


def test_a_named_pipe_in_its_place_is_not_waited_on(table: Path) -> None:
    """Opening a pipe for reading waits for a writer: the table is opened without waiting, and refused."""
    table.parent.mkdir(parents=True)
    os.mkfifo(table)
    seen: list[object] = []
    reader = threading.Thread(target=lambda: seen.append(dataclass_code.read_table(table)), daemon=True)
    reader.start()
    reader.join(5)
    assert seen == [{}], "reading the table waited on a pipe"


def test_an_entry_that_is_not_code_is_compiled_afresh(table: Path) -> None:
    dataclass_code.install("test", table)
    define("first")
    dataclass_code.save()
    dataclass_code.uninstall()
    header, entries = marshal.loads(table.read_bytes())
    spoiled = {text: (marshal.dumps(42) if n % 2 else b"\xff junk") for n, text in enumerate(entries)}
    table.write_bytes(marshal.dumps((header, spoiled)))
    dataclass_code.install("test", table)
    check_behaviour(define("second"))
    assert dataclass_code.counts() == (0, len(entries))


def test_nothing_is_written_when_bytecode_is_not(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    dataclass_code.install("test", table)
    define("first")
    dataclass_code.save()
    assert not table.exists()


def test_the_workbench_command_keeps_a_table_per_command_beside_its_bytecode(tmp_path: Path) -> None:
    """`python -m workbench`, twice, with the bytecode under a prefix: the first run writes the `doctor` table,
    the second takes its methods from it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "WORKBENCH_", "PYTHONDONT"))}
    env.update(PYTHONPYCACHEPREFIX=str(tmp_path / "pycache"), WORKBENCH_HOME=str(tmp_path / "home"))
    probe = (
        "import sys\n"
        "from workbench.core import dataclass_code\n"
        "from workbench.cli import main\n"
        "sys.argv[:] = ['workbench', 'doctor']\n"
        "main()\n"
        "print('counts', *dataclass_code.counts(), file=sys.stderr)\n"
    )
    seen = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
        line = [x for x in done.stderr.splitlines() if x.startswith("counts ")]
        assert line, done.stderr[-2000:]
        seen.append(tuple(int(n) for n in line[-1].split()[1:]))
    tables = list((tmp_path / "pycache").rglob("dataclass-code.doctor.*.bin"))
    assert len(tables) == 1, tables
    (taken_first, compiled_first), (taken_second, compiled_second) = seen
    assert taken_first == 0 and compiled_first > 20
    assert taken_second >= compiled_first and compiled_second == 0
