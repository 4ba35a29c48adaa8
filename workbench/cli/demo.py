"""`workbench demo`: replay the bundled session offline, in the workbench screen or as plain text.

    workbench demo                 open the workbench screen in demo mode (plain text when there is no terminal)
    workbench demo --text          replay in plain text; each approval is asked on stdin
    workbench demo --text --yes    the same, approving every request automatically (and saying so)

No API key and no network are needed: the model's side comes from a recording, the tools run for real on a
fresh copy of the sample repository.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import unicodedata
from pathlib import Path
from typing import TextIO

from workbench import demo
from workbench.core.approvals import ApprovalRequest, Decision
from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    ContractReport,
    ErrorEvent,
    Event,
    Notice,
    PlanUpdated,
    Retrying,
    TextDelta,
    ToolCallFinished,
    ToolCallReady,
    TurnDone,
)

PLAN_MARKS = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}
OUTPUT_PREVIEW_LINES = 8


def clean(text: str) -> str:
    """Untrusted text made safe for a terminal: control, format and bidi characters become <U+XXXX> tags."""
    if text.isascii() and all(c.isprintable() or c in "\n\t" for c in text):
        return text
    out: list[str] = []
    for char in text:
        if char in "\n\t":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"<U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench demo", description="Replay the bundled offline demo session.")
    p.add_argument("--text", action="store_true", help="replay as plain text in this terminal")
    p.add_argument("--yes", "-y", action="store_true", help="approve every request automatically (text mode)")
    p.add_argument(
        "--delay",
        type=float,
        default=None,
        help="seconds between streamed events (0: instant)",
    )
    p.add_argument("--dir", type=Path, help="create the demo workspace here instead of the data folder")
    return p


class StdinApprover:
    """Asks each approval on stdin; with `yes`, approves at once and says so."""

    def __init__(self, out: TextIO, *, yes: bool, stdin: TextIO | None = None) -> None:
        self.out = out
        self.yes = yes
        self.stdin = stdin or sys.stdin
        self.denied = 0

    async def decide(self, request: ApprovalRequest) -> Decision:
        w = self.out.write
        w(f"\n  ? approval needed: {clean(request.summary)}\n    why: {clean(request.reason)}\n")
        if request.command:
            w(f"    command: {clean(request.command_visible or request.command)}\n")
        if request.diff:
            w("".join(f"    {clean(line)}\n" for line in request.diff.splitlines()))
        if self.yes:
            w("    approved automatically (--yes)\n")
            self.out.flush()
            return Decision(allow=True, reason="approved by --yes", by="user")
        w("    allow? [y/N] ")
        self.out.flush()
        answer = await asyncio.to_thread(self.stdin.readline)
        if answer.strip().lower() in ("y", "yes"):
            return Decision(allow=True, reason="approved on stdin", by="user")
        self.denied += 1
        if not answer:
            w("\n    no answer (stdin closed): denied\n")
            return Decision(allow=False, reason="the user did not answer (stdin closed)", by="user")
        return Decision(allow=False, reason="the user declined this call", by="user")


class TextRenderer:
    """Prints the session's events as plain text."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.at_line_start = True
        self.calls: dict[str, str] = {}  # call id -> one-line summary

    def _line(self, text: str) -> None:
        if not self.at_line_start:
            self.out.write("\n")
        self.out.write(text + "\n")
        self.at_line_start = True

    def show(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            piece = clean(event.text)
            self.out.write(piece)
            if piece:
                self.at_line_start = piece.endswith("\n")
        elif isinstance(event, ToolCallReady):
            summary = clean(event.summary or event.tool)
            if not summary.startswith(event.tool):
                summary = f"{clean(event.tool)} {summary}"
            self.calls[event.call_id] = summary
            self._line(f"  > {summary}")
        elif isinstance(event, ToolCallFinished):
            self._finished(event)
        elif isinstance(event, ApprovalDecided):
            verdict = "allowed" if event.decision.allow else f"denied: {clean(event.decision.reason)}"
            self._line(f"    {verdict}")
        elif isinstance(event, PlanUpdated):
            self._line("  plan:")
            for item in event.items:
                self._line(f"    {PLAN_MARKS.get(item.status, '[?]')} {clean(item.content)}")
        elif isinstance(event, ContractReport):
            if event.missing:
                self._line(f"  output contract: missing {', '.join(clean(m) for m in event.missing)}")
            else:
                self._line(f"  output contract: all {len(event.required)} sections present")
        elif isinstance(event, (Retrying, Notice, ErrorEvent)):
            self._other(event)
        elif isinstance(event, TurnDone):
            u = event.usage
            total_in = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens
            cached = u.cache_read_input_tokens
            self._line(f"\n-- {event.stop_reason}: {total_in} tokens in ({cached} from cache), {u.output_tokens} out")
        self.out.flush()

    def _finished(self, event: ToolCallFinished) -> None:
        mark = "failed" if event.is_error else "ok"
        code = f", exit {event.exit_code}" if event.exit_code is not None else ""
        name = self.calls.get(event.call_id) or clean(event.tool)
        self._line(f"  < {name} -> {mark}{code}, {event.duration_ms:.0f} ms")
        if event.tool in ("TodoWrite",):
            return
        lines = event.output.splitlines()
        extra = len(lines) - OUTPUT_PREVIEW_LINES
        tail = event.tool == "Bash"  # a command's verdict is at its end
        if extra > 0 and tail:
            self._line(f"    | ... {extra} lines before")
        shown = lines[-OUTPUT_PREVIEW_LINES:] if tail else lines[:OUTPUT_PREVIEW_LINES]
        for line in shown:
            self._line(f"    | {clean(line)}")
        if extra > 0 and not tail:
            self._line(f"    | ... {extra} more lines")

    def _other(self, event: Event) -> None:
        if isinstance(event, Retrying):
            self._line(f"  retrying in {event.delay_s:.0f}s: {clean(event.reason)}")
        elif isinstance(event, Notice):
            self._line(f"  note: {clean(event.message)}")
        elif isinstance(event, ErrorEvent):
            hint = f" ({clean(event.hint)})" if event.hint else ""
            self._line(f"  error: {clean(event.message)}{hint}")


async def replay_text(
    out: TextIO, *, yes: bool, delay: float, workspace: Path | None = None, stdin: TextIO | None = None
) -> int:
    """Run the demo session to its end, printing it. Returns the exit code (0: the turn completed)."""
    target = demo.prepare_demo_workspace(workspace)
    out.write("workbench demo: an offline replay of the backend-architect persona (no API key, no network)\n")
    out.write(f"workspace: {target} (a git repository with one uncommitted change)\n")
    if yes:
        out.write("approvals: every request is approved automatically (--yes)\n")
    out.write(f"\n>>> {demo.DEMO_PROMPT}\n\n")
    approver = StdinApprover(out, yes=yes, stdin=stdin)
    session = demo.demo_session(approver, workspace=target, delay=delay)
    renderer = TextRenderer(out)
    done: TurnDone | None = None
    errors = 0
    try:
        async for event in session.run_turn(demo.DEMO_PROMPT):
            if isinstance(event, ApprovalRequested):
                continue  # the approver prints the request itself
            renderer.show(event)
            if isinstance(event, TurnDone):
                done = event
            elif isinstance(event, ErrorEvent):
                errors += 1
    finally:
        await session.aclose()
    if approver.denied:
        out.write(
            f"\nYou denied {approver.denied} request(s). The tools honoured that, but the model's words are a "
            "recording made with every request approved.\n"
        )
    out.write(f"\nThe demo workspace stays at {target}; open it with `workbench {target}`.\n")
    return 0 if done is not None and done.stop_reason == "end_turn" and not errors else 1


def _open_screen(args: argparse.Namespace) -> int | None:
    """The workbench screen in demo mode; None when it cannot start here (the caller falls back to text)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    try:
        from workbench.cli.tui import build_parser as tui_parser
        from workbench.cli.tui import from_namespace
        from workbench.tui.app import run_app
    except ImportError:
        return None
    workspace = demo.prepare_demo_workspace(args.dir)
    tui_args = tui_parser().parse_args([str(workspace), "--demo", "--persona", demo.DEMO_PERSONA])
    return run_app(from_namespace(tui_args))


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.delay is not None and args.delay < 0:
        print("workbench demo: --delay must be 0 or more", file=sys.stderr)
        return 2
    try:
        if not args.text:
            code = _open_screen(args)
            if code is not None:
                return code
            print("workbench demo: no interactive terminal; replaying as plain text", file=sys.stderr)
        delay = demo.DEMO_DELAY if args.delay is None else args.delay
        return asyncio.run(replay_text(sys.stdout, yes=args.yes, delay=delay, workspace=args.dir))
    except demo.DemoError as exc:
        print(f"workbench demo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nworkbench demo: interrupted", file=sys.stderr)
        return 130
