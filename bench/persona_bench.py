"""Persona loading cost: the full pipeline against a naive peer, measured in the same process.

    .venv/bin/python bench/persona_bench.py [--runs 200] [--seeds ../shared/seeds]

Printed, per file and as medians over runs (microseconds):
- `load`: `load_persona_file` (read, decode, frontmatter, the YAML stages, dialect, fields, grants, policies,
  referenced-path checks);
- `peer`: the least a loader can do: read the file, split on the `---` fences with one regex, and
  `yaml.safe_load` the frontmatter (what most strict loaders do, and what fails on seed 004);
- the ratio load / peer;
- `discover`: one full `discover()` of the seed folder plus the bundled personas (what `workbench personas list`
  and the TUI pay at startup).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.core.personas.discovery import discover  # noqa: E402
from workbench.core.personas.loader import load_persona_file  # noqa: E402

_FENCES = re.compile(r"^---\s*\n([\s\S]*?)---\s*\n?")


def peer(path: Path) -> object:
    text = path.read_text(encoding="utf-8", errors="replace")
    match = _FENCES.match(text)
    if match is None:
        return None
    try:
        return yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None


def median_us(func: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    args = parser.parse_args()
    files = sorted(args.seeds.glob("*.txt")) or sorted((ROOT / "agents").glob("*.md"))
    if not files:
        print("no persona files found")
        return 1
    print(f"{'file':<28} {'load us':>9} {'peer us':>9} {'ratio':>6}")
    ratios = []
    for path in files:
        load = median_us(lambda p=path: load_persona_file(p), args.runs)
        base = median_us(lambda p=path: peer(p), args.runs)
        ratios.append(load / base)
        print(f"{path.name[:28]:<28} {load:9.0f} {base:9.0f} {load / base:6.1f}")
    print(f"median ratio load/peer: {statistics.median(ratios):.1f}")
    with tempfile.TemporaryDirectory() as cwd:
        folder = files[0].parent
        whole = median_us(lambda: discover(Path(cwd), [folder], include_txt=True), max(args.runs // 10, 5))
    print(f"discover (seed folder + bundled + user dirs): {whole / 1000:.1f} ms median")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
