"""Parsing a command's arguments into a value, or the exit code to return instead."""

from __future__ import annotations

import argparse


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose: 0 after --help, 2 for a usage error (its message
    is printed already). A command's `main` returns the code rather than letting SystemExit end the process."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 2
