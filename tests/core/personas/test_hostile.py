"""Hostile files get a clear error quickly: never a hang, never a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.core.personas.helpers import codes, run_cli
from workbench.core.personas.discovery import discover
from workbench.core.personas.loader import MAX_BYTES, load_persona_file

pytestmark = pytest.mark.timeout(20)

ALIAS_BOMB = """---
name: laughs
description: billion laughs
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---

You laugh.
"""


def quick(path: Path) -> tuple[list[str], float]:
    start = time.monotonic()
    persona = load_persona_file(path)
    return codes(persona.diagnostics), time.monotonic() - start


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.md"
    path.write_text(ALIAS_BOMB)
    found, elapsed = quick(path)
    assert "E_YAML_ALIAS" in found and elapsed < 5
    persona = load_persona_file(path)
    assert persona.extra == {} and persona.name == "bomb"
    proc = run_cli("personas", "check", str(path))
    assert proc.returncode == 1 and "E_YAML_ALIAS" in proc.stdout and "Traceback" not in proc.stderr


def test_deep_nesting_does_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.md"
    path.write_text("---\nname: deep\ndescription: x\ntools: " + "[" * 5000 + "]" * 5000 + "\n---\n\nBody.\n")
    found, elapsed = quick(path)
    assert elapsed < 5 and "W_YAML_LENIENT" in found


def test_twenty_megabyte_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:
        handle.write(b"---\nname: huge\ndescription: big\n---\n")
        handle.truncate(20 * 1024 * 1024)
    found, elapsed = quick(path)
    assert found == ["E_TOO_LARGE"] and elapsed < 5
    persona = load_persona_file(path)
    assert "20.0 MiB" in persona.diagnostics[0].message


def test_just_over_the_cap_is_refused_and_just_under_loads(tmp_path: Path) -> None:
    over = tmp_path / "over.md"
    over.write_bytes(b"---\nname: over\ndescription: x\n---\n" + b"a" * MAX_BYTES)
    assert codes(load_persona_file(over).diagnostics) == ["E_TOO_LARGE"]
    under = tmp_path / "under.md"
    under.write_bytes(b"---\nname: under\ndescription: x\n---\n" + b"a" * (MAX_BYTES - 100))
    assert not load_persona_file(under).has_errors


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4096))
    found, _ = quick(path)
    assert found == ["E_BINARY"]


def test_symlink_loop_is_diagnosed_and_not_followed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.symlink_to(b)
    b.symlink_to(a)
    found, elapsed = quick(a)
    assert found == ["E_SYMLINK_LOOP"] and elapsed < 5
    loaded = discover(tmp_path, [tmp_path], include_defaults=False)
    assert loaded.personas == []
    assert sorted(d.code for _, d in loaded.failures) == ["E_SYMLINK_LOOP", "E_SYMLINK_LOOP"]


def test_directory_symlink_loop_does_not_hang_a_scan(tmp_path: Path) -> None:
    agents = tmp_path / "agents"
    (agents / "sub").mkdir(parents=True)
    (agents / "sub" / "loop").symlink_to(agents, target_is_directory=True)
    (agents / "ok.md").write_text("---\nname: ok\ndescription: fine\n---\n\nBody.\n")
    loaded = discover(tmp_path, [agents], include_defaults=False)
    assert [p.name for p in loaded.personas] == ["ok"]


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.md"
    path.write_text("---\nname: secret\ndescription: x\n---\n\nBody.\n")
    path.chmod(0)
    try:
        if os.geteuid() == 0:
            pytest.skip("running as root: chmod 000 does not block reads (the directory case is tested separately)")
        found, _ = quick(path)
        assert found == ["E_UNREADABLE"]
    finally:
        path.chmod(0o600)


def test_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    """What an unreadable file looks like when tests run as root: a path that can't be read as a file."""
    folder = tmp_path / "looks-like.md"
    folder.mkdir()
    found, _ = quick(folder)
    assert found == ["E_NOT_A_FILE"]


def test_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    found, elapsed = quick(fifo)
    assert found == ["E_NOT_A_FILE"] and elapsed < 5


def test_missing_file(tmp_path: Path) -> None:
    found, _ = quick(tmp_path / "nope.md")
    assert found == ["E_NOT_FOUND"]


def test_frontmatter_that_is_a_list(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("---\n- a\n- b\n---\n\nYou are a list.\n")
    persona = load_persona_file(path)
    assert "E_FRONTMATTER_NOT_MAPPING" in codes(persona.diagnostics)
    assert persona.name == "list" and persona.system_prompt == "You are a list."


@pytest.mark.parametrize("name", ["bomb.md", "huge.md", "binary.md", "loop.md", "list.md"])
def test_cli_gives_a_clear_error_and_no_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name == "bomb.md":
        path.write_text(ALIAS_BOMB)
    elif name == "huge.md":
        with path.open("wb") as handle:
            handle.truncate(20 * 1024 * 1024)
    elif name == "binary.md":
        path.write_bytes(b"\x00" * 64)
    elif name == "loop.md":
        path.symlink_to(path)
    else:
        path.write_text("---\n- a\n---\n\nBody.\n")
    proc = run_cli("personas", "check", str(path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stdout.strip().splitlines()
    assert lines and all(line.startswith(f"{path}:") for line in lines)
    assert any(" error E_" in line for line in lines)
    shown = run_cli("personas", "show", str(path))
    assert "Traceback" not in shown.stderr + shown.stdout


_SPECIAL = [b":", b" #", b"\t", b"---\n", b"...\n", b"[", b"]", b"{", b"&a ", b"*a", b'"', b"'", b"\\n", b"|", b"- "]
_SPECIAL += [b"\r", b"\xef\xbb\xbf", b"\xff", b"\xc3", b"mcp__", b"Bash(", b"`", b"## Tools\n", b"<example>", b"\x00"]


def test_mutated_files_never_raise() -> None:
    """Random edits of every edge-case fixture: the loader returns a Persona with diagnostics, never raises."""
    import random

    from tests.core.personas.helpers import EDGE
    from workbench.core.personas.loader import parse_persona

    corpus = [p.read_bytes() for p in sorted(EDGE.rglob("*.*"))]
    rng = random.Random(20261121)
    for _ in range(400):
        data = bytearray(rng.choice(corpus))
        for _ in range(rng.randint(1, 6)):
            pos = rng.randint(0, len(data))
            if rng.random() < 0.7:
                data[pos:pos] = rng.choice(_SPECIAL)
            else:
                del data[pos : pos + rng.randint(1, 20)]
        persona = parse_persona(bytes(data), Path("mutated.md"))
        assert persona.to_json()["source"]["path"] == "mutated.md"


def test_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    found, elapsed = quick(link)
    assert found == ["E_NOT_A_FILE"] and elapsed < 5
