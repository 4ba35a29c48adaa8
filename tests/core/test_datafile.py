"""The one reader for JSON and TOML settings files: size cap, plain messages, nothing raised for bad content."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import load_config
from workbench.core.datafile import read_object


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [
        ("{not json", "json", "not valid JSON (line 1, column 2: Expecting property name"),
        ("[1]", "json", "should hold a JSON object at the top level; ignored"),
        ("a = ", "toml", "not valid TOML (Invalid value (at end of document)); ignored"),
        ("[" * 100_000 + "]" * 100_000, "json", "nested too deeply"),
    ],
)
def test_bad_content_is_a_message(tmp_path: Path, content: str, kind: str, message: str) -> None:
    path = write(tmp_path, "f", content)
    data, problem = read_object(path, kind)  # type: ignore[arg-type]
    assert data is None and problem is not None and problem.startswith(f"{path}: ") and message in problem


def test_missing_empty_large_and_folders(tmp_path: Path) -> None:
    assert read_object(tmp_path / "none.json", "json") == (None, None)
    empty = write(tmp_path, "empty.json", "  \n")
    assert read_object(empty, "json", empty_ok=True) == (None, None)
    assert "not valid JSON" in str(read_object(empty, "json")[1])
    big = write(tmp_path, "big.json", '{"a": "' + "x" * 3000 + '"}')
    assert read_object(big, "json", max_bytes=2048) == (None, f"{big}: larger than 2 KiB; ignored")
    assert read_object(tmp_path, "json") == (None, f"{tmp_path}: not a regular file; ignored")


def test_a_bom_and_odd_bytes_still_read(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.json", b'\xef\xbb\xbf{"a": "\xff"}')
    data, problem = read_object(path, "json")
    assert problem is None and data == {"a": "\ufffd"}


def test_the_config_file_says_it_uses_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "config.toml", "[ui\n"))
    assert config.data == {} and len(config.errors) == 1 and config.errors[0].endswith("; using defaults")
