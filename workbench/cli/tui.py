"""`workbench [DIR]`: open the workbench screen."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.quietgc import hold_for_startup

if TYPE_CHECKING:
    import argparse


@dataclass(frozen=True)
class TuiArgs:
    """`workbench [DIR]`'s options, as `build_parser` reads them."""

    dir: str = "."
    persona: str | None = None
    model: str | None = None
    mode: str | None = None
    resume: str | None = None
    continue_: bool = False
    inline: bool = False
    demo: bool = False
    agents: tuple[str, ...] = ()
    no_sandbox: bool = False
    agent: str | None = None


def parse_args(argv: list[str]) -> TuiArgs:
    """The options in `argv`. A plain `workbench [DIR]` has none to read: it skips loading argparse (a couple of
    milliseconds before the first frame); anything else goes through `build_parser` (its usage errors exit 2)."""
    if len(argv) <= 1 and not any(arg.startswith("-") for arg in argv):
        return TuiArgs(dir=argv[0]) if argv else TuiArgs()
    return from_namespace(build_parser().parse_args(argv))


def from_namespace(namespace: argparse.Namespace) -> TuiArgs:
    values = vars(namespace)
    values["agents"] = tuple(values.get("agents") or ())
    return TuiArgs(**values)


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from workbench.core.approvals import PermissionMode

    p = argparse.ArgumentParser(prog="workbench", description="Open the workbench on a repository.")
    p.add_argument("dir", nargs="?", default=".", help="the repository or folder to open (default: .)")
    p.add_argument("--persona", help="persona id, name or file to start with")
    p.add_argument("--model", help="model id or alias, overriding the persona's")
    p.add_argument(
        "--mode",
        choices=list(PermissionMode),
        help="permission mode",
    )
    p.add_argument("--resume", metavar="ID", help="resume a saved session")
    p.add_argument("--continue", dest="continue_", action="store_true", help="resume the latest session")
    p.add_argument("--inline", action="store_true", help="run inline under the prompt instead of full screen")
    p.add_argument("--demo", action="store_true", help="start the offline demo session")
    p.add_argument("--agents", action="append", default=[], metavar="PATH", help="extra persona file or folder")
    p.add_argument("--no-sandbox", action="store_true", help="run shell commands without the OS sandbox")
    p.add_argument(
        "--agent",
        metavar="acp:COMMAND",
        help="drive an external ACP agent instead of a persona: acp:COMMAND [ARGS] (one quoted word), or a preset: "
        "claude, gemini, codex, opencode (docs/acp.md)",
    )
    return p


def start(workspace: Path) -> None:
    """Before the UI loads: the collector waits until the first screen is whole (the main screen ends the
    hold), and the explorer's file list and git status are read in a thread, their git processes running
    while the interpreter loads the UI."""
    from workbench.core.repo.first_load import prefetch

    hold_for_startup()
    prefetch(workspace)


def main(argv: list[str], *, tables: bool = False) -> int:
    """`tables`: the process is the `workbench` command itself (not a caller's), so the screen's CSS comes from
    the table its last start kept (workbench.tui.css_table)."""
    args = parse_args(argv)
    workspace = Path(args.dir).expanduser()
    if not workspace.is_dir():
        print(f"workbench: {args.dir}: not a folder")
        return 2
    if args.no_sandbox:
        from workbench.core.sandbox.settings import ENV as SANDBOX_ENV

        os.environ[SANDBOX_ENV] = "off"  # read wherever a session builds its sandbox
    if args.agent:
        from workbench.config import load_config
        from workbench.core.acp.presets import AgentSpecError, resolve

        try:
            resolve(args.agent, load_config())
        except AgentSpecError as exc:
            print(f"workbench: {exc}")
            return 2
    start(workspace)
    if tables:
        from workbench.tui import css_table

        css_table.install()
    from workbench.tui.app import run_app

    return run_app(args)
