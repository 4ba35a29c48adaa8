"""`workbench acp`: serve a persona as an Agent Client Protocol agent on stdin/stdout (docs/acp.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from workbench.cli.args import parse

EPILOG = """The client (Zed, Toad, any ACP client) starts this command and talks to it over stdin/stdout;
stdout carries only protocol frames and logs go to stderr (WORKBENCH_ACP_LOG=info|debug for more).
Each ACP session works in the folder the client names (its cwd) and is saved like any other session:
`workbench sessions list` shows it and `workbench --resume ID` opens it on the screen."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="workbench acp",
        description="Serve a persona as an ACP agent over stdio.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--persona", help="persona id, name or file (default: the same rule as the screen's)")
    p.add_argument("--model", help="model id or alias, overriding the persona's")
    p.add_argument("--agents", action="append", default=[], metavar="PATH", help="extra persona file or folder")
    return p


def main(argv: list[str]) -> int:
    args = parse(parser(), argv)
    if isinstance(args, int):
        return args
    from workbench.core.acp.wire import claim_stdout

    frames = claim_stdout()  # before anything else can print: stdout is the protocol's alone
    level = os.environ.get("WORKBENCH_ACP_LOG", "warning").upper()
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.WARNING), format="acp: %(message)s")
    from workbench.core.acp.agent import Options, serve

    options = Options(persona=args.persona, model=args.model, agents=list(args.agents))
    try:
        return asyncio.run(serve(options, frames))
    except KeyboardInterrupt:
        return 130
