"""`workbench run "PROMPT"`: one prompt, headless. See workbench/headless.py and docs/events.md."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from workbench.cli.args import parse
from workbench.core.agent.client import import_sdk_in_background
from workbench.core.approvals import PermissionMode
from workbench.core.quietgc import quiet_gc
from workbench.core.sandbox.settings import ENV as SANDBOX_ENV

EPILOG = """output formats:
  text         the answer on stdout as it streams; tool calls, retries and errors on stderr
  json         one JSON object at the end: final_text, usage, cost_usd, session_id, tool_calls, errors
  stream-json  one JSON event per line as it happens (schema: docs/events.md), then nothing else

approvals:
  nothing can be approved headless: a call that would ask is denied and the reason goes back to the
  model. Permit calls up front with --allow 'Bash(npm test:*)', --allow Edit, or --mode acceptEdits.

sandbox:
  shell commands run in an OS sandbox (bubblewrap, Landlock or Seatbelt) even in bypassPermissions mode:
  the workspace and a private /tmp are writable, secrets are hidden, control files are read-only and the
  network is off. --allow 'Network(npm install:*)' gives matching commands the network; --no-sandbox
  turns the sandbox off. `workbench doctor` says what is confined here.

exit codes:
  0    the turn completed
  1    API error (after retries), or the API rejected the request; the message says what to do
  2    bad input: unknown persona, missing folder, no credentials, a session that cannot be resumed
       or that another workbench process is writing (the message names its pid)
  3    the turn completed but one or more tool calls were denied (rule, mode, or approval needed)
  4    stopped by the --max-turns limit
  130  interrupted (Ctrl-C); the transcript is saved, --continue resumes it
  143  stopped by SIGTERM (129: SIGHUP); as Ctrl-C, the running command is killed, the transcript saved"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="workbench run",
        description="Run one prompt headless with a persona.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
    p.add_argument(
        "--persona",
        help="persona id, name or path to a persona file (default: [personas] default, else the repository's "
        "own persona, else the built-in one)",
    )
    p.add_argument("--cwd", type=Path, default=Path.cwd(), help="the repository to work in (default: .)")
    p.add_argument(
        "--mode",
        choices=list(PermissionMode),
        help="permission mode (default: the settings' defaultMode, else default; a resumed session keeps its mode)",
    )
    p.add_argument("--allow", action="append", default=[], metavar="RULE", help="allow rule, e.g. 'Bash(git diff:*)'")
    p.add_argument("--deny", action="append", default=[], metavar="RULE", help="deny rule, e.g. 'Bash(rm:*)'")
    p.add_argument("--model", help="model id or alias (default: the persona's model)")
    p.add_argument("--max-turns", type=int, default=50, help="model requests per run before stopping (default 50)")
    p.add_argument("--output-format", default="text", choices=["text", "json", "stream-json"])
    group = p.add_mutually_exclusive_group()
    group.add_argument("--resume", metavar="ID", help="continue the session ID (a unique prefix is enough)")
    group.add_argument("--continue", dest="continue_", action="store_true", help="continue the latest session")
    p.add_argument("--record", type=Path, metavar="FILE", help="write the model traffic to a replay cassette")
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run shell commands without the OS sandbox (same as WORKBENCH_SANDBOX=off); see docs/sandbox.md",
    )
    p.add_argument(
        "--trust-project",
        action="store_true",
        help="trust this project for this run: its .claude settings, .mcp.json servers and personas take effect "
        "(without it they only tighten, unless `workbench trust` was answered for the files as they are)",
    )
    p.add_argument("--trust-project-mcp", action="store_true", help=argparse.SUPPRESS)  # the old name
    p.add_argument(
        "--agent",
        metavar="acp:COMMAND",
        help="drive an external ACP agent instead of a persona: acp:COMMAND [ARGS] (one quoted word), or a preset: "
        "claude, gemini, codex, opencode (docs/acp.md)",
    )
    return p


def main(argv: list[str]) -> int:
    args = parse(parser(), argv)
    if isinstance(args, int):
        return args
    if args.no_sandbox:
        os.environ[SANDBOX_ENV] = "off"  # read wherever a session builds its sandbox, subagents included
    if not args.agent:  # a persona's run needs the SDK: load it while the session opens
        import_sdk_in_background()
    with quiet_gc():
        from workbench.headless import RunOptions, run

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        print("workbench run: the prompt is empty", file=sys.stderr)
        return 2
    if args.max_turns < 1:
        print("workbench run: --max-turns must be at least 1", file=sys.stderr)
        return 2
    opts = RunOptions(
        prompt=prompt,
        cwd=args.cwd.expanduser().resolve(),
        persona=args.persona,
        mode=args.mode,
        allow=args.allow,
        deny=args.deny,
        model=args.model,
        max_turns=args.max_turns,
        output_format=args.output_format,
        resume="latest" if args.continue_ else args.resume,
        record=args.record,
        trust_project=args.trust_project or args.trust_project_mcp,
        agent=args.agent,
    )
    if args.trust_project_mcp:
        note = "workbench run: --trust-project-mcp is now --trust-project (it trusts the whole project)"
        print(note, file=sys.stderr)
    try:
        return asyncio.run(run(opts))
    except KeyboardInterrupt:
        return 130
