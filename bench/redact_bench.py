"""Redaction and terminal-safety throughput on what tools really return, next to a single regex pass as the peer.

    .venv/bin/python bench/redact_bench.py [--runs 9]

The text: the installed `textual` package's sources as the Read tool shows them (`{n:>6}\\t` line numbers), about
3 MB, plus the same with a secret-bearing config line every 50 lines. Printed (medians over runs, ms): `redact()`
(token shapes, auth headers, values of secret names), `terminal_safe()` (the screen's and the CLI's one function),
and the peer: one `re.sub` of a plain `KEY=value` pattern over the same text (the floor any scan costs), with the
ratio redact/peer.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.core.safe_text import terminal_safe  # noqa: E402
from workbench.core.secrets import redact  # noqa: E402

PEER = re.compile(r"(?m)^([ \t]*[A-Z_]+=)(\S+)")


def corpus(secrets: bool) -> str:
    import textual

    files = sorted(Path(textual.__file__).parent.rglob("*.py"))
    lines = "\n".join(p.read_text(encoding="utf-8") for p in files).splitlines()
    if secrets:
        lines = [line if n % 50 else f'DB_PASSWORD = "hunter2hunter{n}"' for n, line in enumerate(lines)]
    return "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(lines, 1))


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    for label, secrets in (("code", False), ("code + secrets", True)):
        text = corpus(secrets)
        ours = median_ms(lambda t=text: redact(t), runs)
        peer = median_ms(lambda t=text: PEER.sub(r"\1x", t), runs)
        safe = median_ms(lambda t=text: terminal_safe(t), runs)
        size = len(text) / 1e6
        print(
            f"{label:<15} {size:.1f} MB  redact {ours:7.1f} ms ({ours / size:.0f} ms/MB)  "
            f"peer re.sub {peer:6.1f} ms  ratio {ours / peer:.1f}x  terminal_safe {safe:6.1f} ms"
        )


if __name__ == "__main__":
    main()
