"""The `workbench` command: `workbench [DIR]` opens the TUI; subcommands live in sibling modules.

Each subcommand module exposes `main(argv: list[str]) -> int` and is imported only when used, so
`workbench personas list` never pays for Textual.
"""

from __future__ import annotations

import importlib
import sys

from workbench import __version__
from workbench.core import dataclass_code
from workbench.core.quietgc import quiet_gc

COMMANDS: dict[str, tuple[str, str]] = {
    "personas": ("workbench.cli.personas", "list, show and check persona files"),
    "run": ("workbench.cli.run", "run one prompt headless (text, json or stream-json output)"),
    "sessions": ("workbench.cli.sessions", "list, show and export saved sessions"),
    "demo": ("workbench.cli.demo", "replay the bundled offline demo session"),
    "serve": ("workbench.cli.serve", "publish the workbench in a browser (textual-serve)"),
    "mcp": ("workbench.cli.mcp", "list configured MCP servers and their tools"),
    "doctor": ("workbench.cli.doctor", "check the sandbox, tools, credentials, config and folders"),
    "trust": ("workbench.cli.trust", "trust a project: its own settings, MCP servers and personas take effect"),
    "untrust": ("workbench.cli.untrust", "stop trusting a project: its settings only tighten again"),
    "acp": ("workbench.cli.acp", "serve a persona as an ACP agent over stdio (Zed, Toad)"),
    "skills": ("workbench.cli.skills", "list the skills and custom slash commands a project offers"),
}

USAGE = """usage: workbench [DIR] [options]        open the workbench on DIR (default: .)
       workbench COMMAND [args]         see `workbench COMMAND --help`

commands:
{commands}

`workbench --help-tui` lists the options of the workbench screen."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help", "help"):
        width = max(len(c) for c in COMMANDS)
        lines = "\n".join(f"  {name.ljust(width)}  {desc}" for name, (_, desc) in COMMANDS.items())
        print(USAGE.format(commands=lines))
        return 0
    if args and args[0] in ("-V", "--version"):
        print(f"workbench {__version__}")
        return 0
    if argv is None:  # the process's own command line (not a caller's list, such as a test's)
        # Before anything defines a dataclass (Textual's and ours): their methods come from the command's table.
        dataclass_code.install(args[0] if args and args[0] in COMMANDS else "tui")
    if args and args[0] in COMMANDS:
        with quiet_gc():
            module = importlib.import_module(COMMANDS[args[0]][0])
        code: int = module.main(args[1:])
        return code
    if args and args[0] == "--help-tui":
        args = ["--help"]
    from workbench.cli import tui

    return tui.main(args, tables=argv is None)
