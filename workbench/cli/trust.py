"""`workbench trust [DIR]` / `workbench untrust [DIR]`: answer the project trust question from the shell.

    workbench trust              # this project's settings, .mcp.json servers and personas take effect
    workbench trust --show       # only say what the project supplies and whether it is trusted
    workbench untrust            # forget the answer: its settings only tighten again

The answer is the one the screen asks for (workbench.core.trust): stored per real path and per content hash of
the repository's files, so it holds until one of them changes. `workbench mcp trust` is the same answer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.args import parse


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("dir", nargs="?", default=None, help="the project folder (default: .)")
    p.add_argument("--cwd", default=None, help=argparse.SUPPRESS)  # as `workbench mcp trust --cwd DIR`
    return p


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> tuple[argparse.Namespace, Path] | int:
    """(the arguments, the project folder), or the exit code when they are not usable."""
    args = parse(parser, argv)
    if isinstance(args, int):
        return args
    folder = Path(args.dir or args.cwd or ".").expanduser()
    if not folder.is_dir():
        print(f"{parser.prog}: {folder}: not a folder", file=sys.stderr)
        return 2
    return args, folder


def main(argv: list[str]) -> int:
    parser = _parser("workbench trust", "Trust a project: its own settings, MCP servers and personas take effect.")
    parser.add_argument("--show", action="store_true", help="say what the project supplies; change nothing")
    parsed = _parse(parser, argv)
    if isinstance(parsed, int):
        return parsed
    args, folder = parsed
    from workbench.config import load_config
    from workbench.core.trust import assess, remember, trust_file
    from workbench.core.trust_report import withheld
    from workbench.headless import terminal_safe

    config = load_config()
    trust = assess(folder, config=config)
    found = withheld(folder, trust, config=config) if not trust.trusted else None
    state = {"stored": "trusted", "config": "trusted by the config file ([mcp] trusted_projects)"}
    print(terminal_safe(f"{trust.workspace}: {state.get(trust.source, 'not trusted')}"))
    if trust.changed:
        print(terminal_safe(f"changed since the last answer: {', '.join(trust.changed)}"))
    if found:
        print("trusting it applies:")
        for line in found.lines():
            print(terminal_safe(f"  {line}"))
    elif not trust.files:
        print("it supplies no settings, MCP servers or personas")
    if args.show or trust.source == "stored":
        return 0
    remember(folder, True, trust.files)
    print(f"trusted until one of its {len(trust.files)} file(s) changes (stored in {trust_file()})")
    return 0


def untrust(argv: list[str]) -> int:
    parsed = _parse(_parser("workbench untrust", "Stop trusting a project: its settings only tighten again."), argv)
    if isinstance(parsed, int):
        return parsed
    _, folder = parsed
    from workbench.core.trust import remember, trust_file

    remember(folder, False)
    print(f"{folder.resolve()}: not trusted (stored in {trust_file()})")
    return 0
