"""The shell analysis against bash itself: for each line, what bash hands `printf` must be what the analysis says
the words are, unless the analysis gives up on them (a word only known at run time, or a segment it marks as
opaque: the policy then asks). Lines come from differential runs that once found the two apart."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from workbench.core.policy.pathwords import expand_braces
from workbench.core.policy.shell import analyze

BASH = shutil.which("bash") or "/bin/bash"

WORDS = [
    "README.md 2>&1 .env",
    "2>/dev/null .env",
    ".e\\\nnv",
    ".[\\e]nv",
    'id_$"rsa"',
    '-$"o" out',
    "x\\ \\ y",
    "README.md\\\n#;echo hidden",
    "README.md \\\t#;echo hidden",
    "] [",
    "}\t]",
    "{\\\n ]{",
    "a\\ #b",
    "{a,b}c .env",
    "'a b' \"c d\" $'e\\tf'",
    "\\#x #comment",
]


def _bash_words(line: str, cwd: Path) -> str:
    done = subprocess.run([BASH, "-c", f"set -f; printf '<%s>' {line}"], capture_output=True, text=True, cwd=cwd,
                          env={"PATH": "/nonexistent", "HOME": str(cwd)}, timeout=10)  # fmt: skip
    return done.stdout


def _analysed_words(line: str) -> str | None:
    """The words after `printf '<%s>'` as the analysis reads them (braces expanded), or None when it gives up."""
    analysis = analyze(f"printf '<%s>' {line}")
    if analysis.error or any(s.opaque for s in analysis.segments):
        return None
    printf = [s for s in analysis.segments if s.program == "printf"]
    values: list[str] = []
    for word in printf[0].words[2:] if len(printf) == 1 else []:
        if word.value is None:
            return None
        expanded = expand_braces(word.value) if word.glob and "{" in word.value else [word.value]
        if expanded is None:
            return None
        values += expanded
    return "".join(f"<{v}>" for v in values) or "<>"


@pytest.mark.parametrize("line", WORDS)
def test_the_analysis_reads_words_as_bash_does_or_gives_up(line: str, tmp_path: Path) -> None:
    analysed = _analysed_words(line)
    if analysed is not None:
        assert analysed == _bash_words(line, tmp_path), line
