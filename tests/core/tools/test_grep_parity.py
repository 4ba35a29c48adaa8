"""Grep through ripgrep and through the Python fallback give the same output on a fixture tree with
.gitignore files (nested, negated), hidden files, binary files, secrets, CRLF and non-ASCII text."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from workbench.core.globs import glob_matches
from workbench.core.repo.gitignore import IgnoreMatcher
from workbench.core.tools.base import ToolError
from workbench.core.tools.context import ToolContext
from workbench.core.tools.grep import Grep
from workbench.core.tools.walk import find_rg, walk_files

pytestmark = pytest.mark.skipif(find_rg() is None, reason="ripgrep binary not installed")

TREE: dict[str, bytes] = {
    ".gitignore": b"build/\n*.log\n!keep.log\n/top_only.txt\n",
    "src/app.py": b"import os\n\ndef main():\n    return 'Hello'\n\n\nclass App:\n    hello = 1\n",
    "src/util.py": b"def helper():\n    # TODO: hello world\n    pass\n",
    "src/web/index.ts": b"export const hello = () => 'HELLO';\n",
    "src/web/view.tsx": b"const x = <div>hello</div>;\n",
    "src/.gitignore": b"generated.py\n",
    "src/generated.py": b"hello = 'generated'\n",
    "src/deep/top_only.txt": b"hello from deep\n",
    "top_only.txt": b"hello top\n",
    "build/out.js": b"hello build\n",
    "debug.log": b"hello log\n",
    "keep.log": b"hello kept log\n",
    ".github/workflow.yml": b"name: hello\n",
    ".env": b"HELLO_TOKEN=abcdef\n",
    "data.bin": b"hello\x00\x01\x02binary",
    "crlf.txt": b"first hello\r\nsecond\r\nthird hello\r\n",
    "unicode.md": "Grüße hello\nnaïve HELLO café\n".encode(),
    "no_newline.txt": b"tail hello",
    "multi.txt": b"start\nfoo\nbar\nend\nfoo\nbaz\n",
}

CASES: list[dict[str, Any]] = [
    {"pattern": "hello"},
    {"pattern": "hello", "output_mode": "content"},
    {"pattern": "hello", "output_mode": "count"},
    {"pattern": "hello", "-i": True, "output_mode": "content"},
    {"pattern": "HELLO", "output_mode": "content", "-n": False},
    {"pattern": "hello", "output_mode": "content", "-C": 1},
    {"pattern": "hello", "output_mode": "content", "-A": 2, "-B": 0},
    {"pattern": "hello", "output_mode": "content", "-B": 3},
    {"pattern": "hello", "glob": "*.py", "output_mode": "content"},
    {"pattern": "hello", "glob": "*.{ts,tsx}"},
    {"pattern": "hello", "glob": "src/**/*.ts"},
    {"pattern": "hello", "type": "py", "output_mode": "count"},
    {"pattern": "hello", "type": "ts"},
    {"pattern": "hello", "path": "src", "output_mode": "content"},
    {"pattern": "hello", "path": "src/web"},
    {"pattern": "hello", "path": "crlf.txt", "output_mode": "content"},
    {"pattern": r"def \w+\(\)", "output_mode": "content"},
    {"pattern": r"^\s+return", "output_mode": "content"},
    {"pattern": "hello$", "output_mode": "content"},
    {"pattern": "foo\\nbar", "multiline": True, "output_mode": "content"},
    {"pattern": "start.*end", "multiline": True, "output_mode": "content"},
    {"pattern": "caf.|Grü", "output_mode": "content"},
    {"pattern": "hello", "output_mode": "content", "head_limit": 3},
    {"pattern": "hello", "output_mode": "content", "head_limit": 2, "offset": 2},
    {"pattern": "nothing-matches-this"},
    {"pattern": "CAFÉ", "-i": True, "output_mode": "content"},
    {"pattern": "grüße hello", "-i": True, "output_mode": "content"},
    {"pattern": "Hello", "output_mode": "count"},
    {"pattern": "HELLO|world", "output_mode": "content"},
    {"pattern": "kept|GRÜSSE", "-i": True, "output_mode": "content"},
]


def build(root: Path, with_git: bool) -> Path:
    root.mkdir()
    for rel, data in TREE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # Fixed, distinct mtimes so files_with_matches order is deterministic.
    for i, rel in enumerate(sorted(TREE)):
        os.utime(root / rel, (1_600_000_000 + i * 10, 1_600_000_000 + i * 10))
    if with_git:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True, timeout=30)
    return root


@pytest.fixture(params=[True, False], ids=["git", "plain"])
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return build(tmp_path / "tree", with_git=request.param)


async def both(tree: Path, args: dict[str, Any]) -> tuple[str, str]:
    ctx = ToolContext(tree)
    rg = await Grep(use_rg=True).run(args, ctx)
    py = await Grep(use_rg=False).run(args, ctx)
    return rg.content, py.content


@pytest.mark.parametrize("args", CASES, ids=[str(i) for i in range(len(CASES))])
async def test_rg_and_fallback_agree(tree: Path, args: dict[str, Any]) -> None:
    rg, py = await both(tree, args)
    assert rg == py


async def test_results_respect_gitignore_and_skip_binary_and_secrets(tree: Path) -> None:
    rg, _ = await both(tree, {"pattern": "hello", "output_mode": "count"})
    found = {line.rsplit(":", 1)[0] for line in rg.splitlines()}
    assert {"src/app.py", "keep.log", ".github/workflow.yml", "src/deep/top_only.txt", "crlf.txt"} <= found
    assert not found & {"build/out.js", "debug.log", "top_only.txt", "src/generated.py", ".env", "data.bin"}


async def test_content_format(tree: Path) -> None:
    rg, _ = await both(tree, {"pattern": "hello", "path": "src", "output_mode": "content", "-C": 1})
    lines = rg.splitlines()
    assert "src/app.py:4:    return 'Hello'" not in lines  # case-sensitive
    assert "src/app.py:8:    hello = 1" in lines and "src/app.py-7-class App:" in lines
    assert "--" in lines


async def test_files_mode_lists_newest_first(tree: Path) -> None:
    os.utime(tree / "src" / "util.py", (1_900_000_000, 1_900_000_000))
    rg, py = await both(tree, {"pattern": "hello"})
    assert rg == py
    assert rg.splitlines()[1] == "src/util.py" and rg.startswith("Found ")


@pytest.mark.parametrize("use_rg", [True, False])
async def test_bad_input_is_a_clear_error(tree: Path, use_rg: bool) -> None:
    ctx = ToolContext(tree)
    grep = Grep(use_rg=use_rg)
    with pytest.raises(ToolError, match=r"regular expression|regex|parse"):
        await grep.run({"pattern": "(unclosed"}, ctx)
    with pytest.raises(ToolError, match="unrecognized file type"):
        await grep.run({"pattern": "x", "type": "nosuchtype"}, ctx)
    with pytest.raises(ToolError, match="output_mode"):
        await grep.preview({"pattern": "x", "output_mode": "lines"}, ctx)
    with pytest.raises(ToolError, match="no such"):
        await grep.preview({"pattern": "x", "path": "missing"}, ctx)


def test_pattern_starting_with_a_dash_is_a_pattern(tmp_path: Path) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / "a.txt").write_text("use --force here\n")
    for use_rg in (True, False):
        out = asyncio.run(Grep(use_rg=use_rg).run({"pattern": "--force", "output_mode": "content"}, ToolContext(root)))
        assert out.content == "a.txt:1:use --force here"


@pytest.mark.parametrize(
    "pattern,path,expected",
    [
        ("*.py", "a/b/c.py", True),
        ("*.py", "c.pyc", False),
        ("src/**/*.ts", "src/a/b/x.ts", True),
        ("src/**/*.ts", "src/x.ts", True),
        ("src/**/*.ts", "lib/src/x.ts", False),
        ("*.{ts,tsx}", "a/x.tsx", True),
        ("[ab].txt", "b.txt", True),
        ("[!ab].txt", "b.txt", False),
        ("?.md", "x.md", True),
        ("docs/*", "docs/sub/x", False),
    ],
)
def test_glob_matching(pattern: str, path: str, expected: bool) -> None:
    assert glob_matches(pattern, path) is expected


def test_ignore_rules(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("# comment\n*.tmp\n!important.tmp\nout/\n/rootonly\n\\#hash\n")
    rules = IgnoreMatcher().with_folder(tmp_path, "")
    assert rules.ignored("x.tmp", False) and rules.ignored("a/b/x.tmp", False)
    assert not rules.ignored("important.tmp", False)
    assert rules.ignored("out", True) and not rules.ignored("out", False)
    assert rules.ignored("rootonly", False) and not rules.ignored("a/rootonly", False)
    assert rules.ignored("#hash", False)


def test_walk_matches_git(tmp_path: Path) -> None:
    root = build(tmp_path / "w", with_git=True)
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(walk_files(root, root)) == sorted(listed)


@pytest.mark.parametrize("use_rg", [True, False])
async def test_single_special_files_are_refused_not_searched(tree: Path, use_rg: bool) -> None:
    ctx = ToolContext(tree)
    os.mkfifo(tree / "pipe")
    grep = Grep(use_rg=use_rg)
    with pytest.raises(ToolError, match="FIFO"):
        await asyncio.wait_for(grep.run({"pattern": "x", "path": "pipe"}, ctx), 5)
    with pytest.raises(ToolError, match="binary"):
        await grep.run({"pattern": "hello", "path": "data.bin"}, ctx)


async def test_long_lines_are_cut_the_same_way(tree: Path) -> None:
    (tree / "min.js").write_text("var a='hello';" + "x" * 5000 + "\n")
    rg, py = await both(tree, {"pattern": "hello", "glob": "*.js", "output_mode": "content"})
    assert rg == py
    assert "line cut: 3,014 more characters" in rg
