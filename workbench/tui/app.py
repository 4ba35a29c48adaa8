"""The workbench app (placeholder screen until the full layout lands)."""

from __future__ import annotations

import argparse
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class WorkbenchApp(App[int]):
    TITLE = "workbench"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, workspace: Path) -> None:
        super().__init__()
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"workbench on {self.workspace.resolve()}", markup=False)
        yield Footer()


def run_app(args: argparse.Namespace) -> int:
    app = WorkbenchApp(Path(args.dir))
    app.run(inline=bool(getattr(args, "inline", False)))
    return 0
