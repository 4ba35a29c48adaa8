"""Loading a large collection of agent files in one process: time per file over a generated corpus.

    .venv/bin/python bench/corpus_bench.py [--files 1000] [--runs 5]

The corpus mixes the shapes public collections hold, in their usual proportions: Claude Code subagents (long
bodies, `<example>` blocks, tool lists, library ids and API routes in prose, unquoted `: ` in descriptions,
same names in subfolders), OpenCode agents with permission maps, Gemini subagents, plain Markdown without
frontmatter, and files with broken YAML. Printed: the median of `runs` full `discover()` calls over the corpus
(what `workbench personas check DIR` pays), per file and in total, and the median of `load_persona_file` alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.core.personas.discovery import discover  # noqa: E402
from workbench.core.personas.loader import load_persona_file  # noqa: E402

BODY = """You are a {role} for a team that ships a payments platform.

## Responsibilities

- Read the code before proposing anything; cite files and lines.
- Consult the Context Manager before large changes. NEVER push without approval.
- Library docs: resolve `/vercel/next.js` or /rails/rails first, then fetch the topic.
- Endpoints follow `GET /api/v1/{{resource}}/:id`; errors carry `code` and `message`.
- Save findings to `./docs/reports/{name}.md`.

## Mandated Output Structure

1. **Summary**
2. **Findings**
3. **Next steps**

{filler}
"""

CLAUDE = """---
name: {name}
description: {description}
tools: Read, Grep, Glob, Bash(git diff:*), mcp__context7__resolve-library-id
model: {model}
color: blue
---

{body}
"""

OPENCODE = """---
description: {description}
mode: subagent
model: anthropic/claude-sonnet-4-5
tools:
  write: false
permission:
  bash:
    "*": deny
    "git log*": allow
---

{body}
"""

GEMINI = """---
name: {name}
description: {description}
kind: local
tools:
  - read_file
  - run_shell_command
---

{body}
"""

BROKEN = """---
name: {name}
description: {description}
  user: "please review"
	tools: Read
---

{body}
"""

PLAIN = """# {title} Agent

## Mission

You are a {role}. {filler}
"""


def write_corpus(folder: Path, count: int) -> None:
    shapes = [CLAUDE] * 6 + [OPENCODE, GEMINI, BROKEN, PLAIN]
    roles = ["backend architect", "code reviewer", "debugger", "test writer", "security auditor", "data engineer"]
    for n in range(count):
        role = roles[n % len(roles)]
        name = role.replace(" ", "-") + (f"-{n}" if n % 7 else "")  # some names repeat, as in real collections
        filler = ("Explain trade-offs plainly and keep answers short. " * (5 + n % 40)).strip()
        body = BODY.format(role=role, name=name, filler=filler)
        description = (
            f"Use PROACTIVELY for {role} work. Note: it asks before changing anything. <example>user: help</example>"
        )
        text = shapes[n % len(shapes)].format(
            name=name,
            description=description,
            body=body,
            model=["sonnet", "opus", "inherit", "claude-sonnet-4-5"][n % 4],
            title=role.title(),
            role=role,
            filler=filler,
        )
        sub = folder / f"collection-{n % 13}" / ("nested" if n % 5 == 0 else "")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{name}-{n}.md").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, args.files)
        files = sorted(corpus.rglob("*.md"))
        cwd = Path(tmp) / "cwd"
        cwd.mkdir()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            loaded = discover(cwd, [corpus])
            times.append(time.perf_counter() - start)
        total = statistics.median(times)
        singles = []
        for path in files[:200]:
            start = time.perf_counter()
            load_persona_file(path)
            singles.append(time.perf_counter() - start)
        print(f"corpus: {len(files)} files, {len(loaded.personas)} personas, {len(loaded.failures)} not loaded")
        print(f"discover (corpus + bundled + user folders), median of {args.runs}: {total:.2f} s")
        print(f"  per file: {total / len(files) * 1000:.2f} ms")
        print(f"load_persona_file alone, median over 200 files: {statistics.median(singles) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
