"""Attack group: binary, huge, FIFO, device and invalid UTF-8 files; Read paging; output caps."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.config import Config
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.limits import Limits, cap_text
from workbench.core.tools.registry import build_registry

from .conftest import Caller


async def test_read_numbers_lines_and_pages(call: Caller, proj: Path) -> None:
    (proj / "long.txt").write_text("".join(f"line {i}\n" for i in range(1, 5001)))
    first = await call("Read", {"file_path": "long.txt"})
    assert first.content.startswith("     1\tline 1\n")
    assert "  2000\tline 2000" in first.content and "line 2001" not in first.content
    assert "Read with offset=2001 for more" in first.content
    page = await call("Read", {"file_path": "long.txt", "offset": 4999, "limit": 10})
    assert page.content == "  4999\tline 4999\n  5000\tline 5000"
    zero = await call("Read", {"file_path": "long.txt", "offset": 0, "limit": 1})
    assert zero.content.startswith("     1\tline 1")  # 0 is treated as 1
    assert "past the end" in await call.refused("Read", {"file_path": "long.txt", "offset": 6000})


async def test_read_empty_file_and_folder(call: Caller, proj: Path) -> None:
    (proj / "empty.txt").write_text("")
    assert "empty" in (await call("Read", {"file_path": "empty.txt"})).content
    assert "is a folder" in await call.refused("Read", {"file_path": "src"})
    assert "no such file" in await call.refused("Read", {"file_path": "nope.txt"})


async def test_binary_file_is_refused(call: Caller, proj: Path) -> None:
    (proj / "blob.bin").write_bytes(b"\x7fELF\x00\x01\x02" * 100)
    assert "binary" in await call.refused("Read", {"file_path": "blob.bin"})
    assert "binary" in await call.refused("Edit", {"file_path": "blob.bin", "old_string": "ELF", "new_string": "x"})


async def test_images_and_pdfs_are_refused_with_a_reason(call: Caller, proj: Path) -> None:
    (proj / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (proj / "doc.pdf").write_bytes(b"%PDF-1.4 text only")
    assert "images" in await call.refused("Read", {"file_path": "pic.png"})
    assert "PDFs" in await call.refused("Read", {"file_path": "doc.pdf"})
    (proj / "nb.ipynb").write_text('{"cells": [], "nbformat": 4}\n')
    assert '"nbformat": 4' in (await call("Read", {"file_path": "nb.ipynb"})).content


async def test_huge_file_is_refused_before_reading(proj: Path) -> None:
    big = proj / "big.log"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    ctx = ToolContext(proj, settings=ToolSettings(limits=Limits(max_file_bytes=1024 * 1024)))
    read = build_registry().get("Read")
    assert read is not None
    with pytest.raises(Exception, match="over the 1,048,576-byte limit"):
        await read.run({"file_path": "big.log"}, ctx)


async def test_fifo_is_refused_without_blocking(call: Caller, proj: Path, unchanged: Callable[[], None]) -> None:
    os.mkfifo(proj / "pipe")
    reason = await asyncio.wait_for(call.refused("Read", {"file_path": "pipe"}), 5)
    assert "FIFO" in reason
    assert "FIFO" in await asyncio.wait_for(call.refused("Write", {"file_path": "pipe", "content": "x"}), 5)
    grep = await asyncio.wait_for(call("Grep", {"pattern": "x"}), 10)
    assert "pipe" not in grep.content
    many = await asyncio.wait_for(call("ReadManyFiles", {"paths": ["pipe"]}), 5)
    assert "FIFO" in many.content
    unchanged()


async def test_device_file_is_refused(call: Caller, proj: Path) -> None:
    try:
        os.mknod(proj / "zero", 0o600 | 0o020000, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device node needs privileges")
    reason = await asyncio.wait_for(call.refused("Read", {"file_path": "zero"}), 5)
    assert "device" in reason


async def test_invalid_utf8_is_replaced(call: Caller, proj: Path) -> None:
    (proj / "latin.txt").write_bytes(b"caf\xe9 ok\nsecond \xff\xfe line\n")
    result = await call("Read", {"file_path": "latin.txt"})
    assert "caf\ufffd ok" in result.content and "second \ufffd\ufffd line" in result.content


async def test_long_lines_are_cut_with_a_note(call: Caller, proj: Path) -> None:
    (proj / "min.js").write_text("x" * 10_000 + "\nshort\n")
    result = await call("Read", {"file_path": "min.js"})
    assert "line cut: 8,000 more characters" in result.content and "short" in result.content


async def test_read_stops_at_its_budget_and_says_where_to_go_on(proj: Path) -> None:
    (proj / "wide.txt").write_text(("y" * 1500 + "\n") * 100)
    ctx = ToolContext(proj, settings=ToolSettings(limits=Limits(read_max_chars=5000)))
    read = build_registry().get("Read")
    assert read is not None
    result = await read.run({"file_path": "wide.txt"}, ctx)
    assert len(result.content) < 5000
    assert result.content.endswith("[lines 1-3 of 100; Read with offset=4 for more]")


async def test_output_cap_marker_says_how_much_and_how(proj: Path) -> None:
    ctx = ToolContext(proj, settings=ToolSettings(limits=Limits(max_output_chars=2000)))
    bash = build_registry().get("Bash")
    assert bash is not None
    result = await bash.run({"command": "seq 1 20000"}, ctx)
    assert len(result.content) < 2600
    assert "output cut:" in result.content and "head/tail" in result.content
    assert result.content.startswith("1\n2\n") and "20000" in result.content


def test_cap_text_keeps_head_and_tail() -> None:
    text = "HEAD" + "m" * 10_000 + "TAIL"
    out = cap_text(text, 1000, "hint", keep_tail=True)
    assert out.startswith("HEAD") and out.endswith("TAIL") and "9,008 more characters" in out
    assert cap_text("short", 1000, "hint") == "short"


def test_limits_from_config_ignores_bad_values() -> None:
    limits = Limits.from_config({"max_output_chars": 999, "max_file_bytes": -1, "glob_max_results": "many"})
    assert limits.max_output_chars == 999
    assert limits.max_file_bytes == Limits().max_file_bytes and limits.glob_max_results == 100
    config = Config(data={"tools": {"network": True, "read_secrets": "yes", "max_output_chars": 999}})
    settings = ToolSettings.from_config(config.tools)
    assert settings.network and not settings.read_secrets and settings.limits.max_output_chars == 999
    assert any("read_secrets: should be true or false, not 'yes'" in e for e in config.errors)


async def test_glob_caps_at_100_newest_first(call: Caller, proj: Path) -> None:
    (proj / "many").mkdir()
    for i in range(130):
        path = proj / "many" / f"f{i:03}.txt"
        path.write_text("x")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    result = await call("Glob", {"pattern": "many/*.txt"})
    lines = result.content.splitlines()
    assert lines[0] == "many/f129.txt" and lines[99] == "many/f030.txt"
    assert "30 more files not shown" in lines[100]


async def test_glob_respects_gitignore(call: Caller, proj: Path) -> None:
    (proj / ".gitignore").write_text("build/\n*.log\n")
    (proj / "build").mkdir()
    (proj / "build" / "out.py").write_text("x")
    (proj / "debug.log").write_text("x")
    (proj / "keep.log.txt").write_text("x")
    result = await call("Glob", {"pattern": "**/*"})
    assert "build/out.py" not in result.content and "debug.log\n" not in result.content + "\n"
    assert "src/app.py" in result.content and "keep.log.txt" in result.content
    braces = await call("Glob", {"pattern": "*.{py,md}"})
    assert set(braces.content.splitlines()) == {"src/app.py", "README.md"}
    none = await call("Glob", {"pattern": "*.rs"})
    assert none.content == "No files found"


async def test_ls_lists_one_folder(call: Caller, proj: Path) -> None:
    (proj / "link").symlink_to(proj / "README.md")
    result = await call("LS", {"path": ".", "ignore": ["*.md"]})
    assert result.content.splitlines() == ["./", "src/", "link@"]
    assert "not a folder" in await call.refused("LS", {"path": "README.md"})


async def test_readmany_reads_folders_and_globs(call: Caller, proj: Path) -> None:
    (proj / "node_modules").mkdir()
    (proj / "node_modules" / "dep.js").write_text("dep")
    (proj / "src" / "util.py").write_text("def util(): pass\n")
    result = await call("ReadManyFiles", {"paths": ["src", "*.md"], "exclude": ["**/util.py"]})
    assert "--- src/app.py ---" in result.content and "--- README.md ---" in result.content
    assert "util.py" not in result.content and "dep" not in result.content


@pytest.mark.parametrize("use_rg", [True, False])
async def test_grep_flood_is_capped(proj: Path, monkeypatch: pytest.MonkeyPatch, use_rg: bool) -> None:
    import workbench.core.tools.grep as grep_module

    monkeypatch.setattr(grep_module, "RG_MAX_BYTES", 200_000)  # rg is stopped after this much output
    (proj / "huge.txt").write_text("match this line\n" * 200_000)
    grep = build_registry(use_rg=use_rg).get("Grep")
    assert grep is not None
    result = await asyncio.wait_for(grep.run({"pattern": "match", "output_mode": "content"}, ToolContext(proj)), 30)
    assert len(result.content) < 31_000
    assert "output cut:" in result.content
    if use_rg:
        assert "results are incomplete" in result.content
    paged = await grep.run({"pattern": "match", "output_mode": "content", "head_limit": 5}, ToolContext(proj))
    lines = paged.content.splitlines()
    if use_rg:
        assert lines.pop(0).startswith("[the search produced over 200,000 bytes")
    assert lines[:5] == [f"huge.txt:{i}:match this line" for i in range(1, 6)]
    assert "use offset=5 for more" in paged.content


async def test_ls_caps_entries(proj: Path) -> None:
    for i in range(30):
        (proj / f"f{i:02}").write_text("")
    ctx = ToolContext(proj, settings=ToolSettings(limits=Limits(ls_max_entries=10)))
    ls = build_registry().get("LS")
    assert ls is not None
    result = await ls.run({"path": "."}, ctx)
    assert "more entries not shown" in result.content and len(result.content.splitlines()) == 12


async def test_readmany_stops_at_its_budget_and_lists_the_rest(proj: Path) -> None:
    (proj / "bulk").mkdir()
    for i in range(40):
        (proj / "bulk" / f"f{i:02}.txt").write_text(f"file {i}\n" + "z" * 1000 + "\n")
    ctx = ToolContext(proj, settings=ToolSettings(limits=Limits(read_max_chars=10_000)))
    many = build_registry().get("ReadManyFiles")
    assert many is not None
    result = await many.run({"paths": ["bulk"]}, ctx)
    assert len(result.files_read) == 10 and result.files_read[0] == "bulk/f00.txt"
    assert result.content.rstrip().endswith("30 more files not read: the output budget is spent")
