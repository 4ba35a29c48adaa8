"""Running hook commands the way Claude Code does, and reading what they answer.

Every matching command of an event runs at once, through `/bin/sh -c`, in the project folder, in a process group
of its own, with the event as JSON on stdin and a scrubbed environment (no API keys). Each has a timeout (its
`timeout`, else 60 s); a command that runs past it is killed with its whole group, and that counts as a failed
hook, never as a decision: no hook can hang a turn.

Answers, per Claude Code:
* exit 0: success. stdout that is a JSON object is read as a decision (below); plain stdout becomes context for
  UserPromptSubmit and SessionStart, and is only shown for the others.
* exit 2: a blocking error. stderr is the reason: the model reads it for PreToolUse (the call does not run),
  PostToolUse, Stop and SubagentStop; the user reads it for UserPromptSubmit (the prompt is dropped); for the
  other events it is only shown to the user.
* any other exit, a timeout, a command that cannot start: a non-blocking error, shown to the user.
* JSON on exit 0: `continue: false` (+ `stopReason`) stops the turn; `systemMessage` is shown to the user;
  `decision: "block"` + `reason` blocks (PostToolUse, UserPromptSubmit, Stop, SubagentStop);
  `hookSpecificOutput.permissionDecision` allow|deny|ask (+ `permissionDecisionReason`) for PreToolUse (the
  older `decision: approve|block` too); `hookSpecificOutput.additionalContext` adds context.

Deviation, on purpose: a PreToolUse "allow" does not skip the workbench's approval; deny and ask do apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.hooks.config import HookCommand
from workbench.core.secrets import redact
from workbench.core.tools.bash import scrub_env

MAX_STREAM_BYTES = 64 * 1024  # of stdout and of stderr, per command; the rest is read and dropped
MAX_MESSAGE = 4000  # characters of a reason that reach the model or the user
BLOCKING_FOR_MODEL = frozenset({"PreToolUse", "PostToolUse", "Stop", "SubagentStop"})
CONTEXT_FROM_STDOUT = frozenset({"UserPromptSubmit", "SessionStart"})
# Scrubbed environment: what a shell command needs, nothing that carries a credential.
def hook_environment(workspace: Path) -> dict[str, str]:
    """The environment a hook runs with: the one the agent's shell commands get (no credentials, git that runs
    none of the repository's programs, no prompts or pagers), plus Claude Code's `CLAUDE_PROJECT_DIR`."""
    env = scrub_env(os.environ, workspace)
    env.setdefault("PATH", os.defpath)
    env["CLAUDE_PROJECT_DIR"] = str(workspace)
    return env


@dataclass(frozen=True)
class HookRun:
    """One command's run, for the evidence card and the audit log."""

    event: str
    command: str
    source: str
    target: str | None  # what the matcher was tried on (a tool name, a trigger)
    exit_code: int | None  # None: it did not finish (timeout) or did not start
    duration_ms: int
    outcome: str  # ok | blocked | error | timeout
    message: str = ""  # the reason or the error, capped and redacted (untrusted text)


@dataclass
class HookOutcome:
    """What all the commands of one event decided together."""

    runs: list[HookRun] = field(default_factory=list)
    blocked: bool = False
    reasons: list[str] = field(default_factory=list)  # why it blocked (for the model or the user, per event)
    permission: str | None = None  # PreToolUse: deny beats ask beats allow
    context: list[str] = field(default_factory=list)  # text to add for the model
    stop: bool = False  # `continue: false`
    stop_reason: str = ""
    messages: list[str] = field(default_factory=list)  # for the user: systemMessage, errors, shown stderr

    @property
    def reason(self) -> str:
        return "\n".join(r for r in self.reasons if r) or "a hook blocked it"


_RANK = {"allow": 0, "ask": 1, "deny": 2}


async def run_hooks(hooks: list[HookCommand], event: str, payload: dict[str, Any], *, workspace: Path,
                    target: str | None = None) -> HookOutcome:  # fmt: skip
    """Run `hooks` (already matched) for one event at once and merge their answers."""
    outcome = HookOutcome()
    if not hooks:
        return outcome
    # ASCII escapes: a prompt or a path with bytes that are not UTF-8 still makes valid JSON
    data = json.dumps({**payload, "hook_event_name": event}, ensure_ascii=True, default=str).encode()
    env = await asyncio.to_thread(hook_environment, workspace)  # reads the repository's git config
    answers = await asyncio.gather(*(_run_one(h, data, workspace, env) for h in hooks))
    for hook, (code, stdout, stderr, elapsed, timed_out) in zip(hooks, answers, strict=True):
        run = _read(outcome, hook, event, code, stdout, stderr, timed_out)
        outcome.runs.append(HookRun(event, hook.command, hook.source, target, code, elapsed, *run))
    return outcome


def _read(outcome: HookOutcome, hook: HookCommand, event: str, code: int | None, stdout: str, stderr: str,
          timed_out: bool) -> tuple[str, str]:  # fmt: skip
    """Fold one command's answer into `outcome`; return its (outcome word, message) for the run record."""
    label = f"{event} hook `{_short(hook.command)}`"
    if timed_out:
        outcome.messages.append(f"{label} ran past {hook.timeout:g}s and was stopped; ignored")
        return "timeout", f"stopped after {hook.timeout:g}s"
    if code is None:
        outcome.messages.append(f"{label} could not start: {stderr}")
        return "error", stderr
    if code == 2:
        reason = _clean(stderr) or f"the {event} hook exited with code 2"
        if event in BLOCKING_FOR_MODEL or event == "UserPromptSubmit":
            outcome.blocked = True
            outcome.reasons.append(reason)
            if event == "PreToolUse":
                outcome.permission = "deny"
        else:
            outcome.messages.append(f"{label}: {reason}")
        return "blocked", reason
    if code != 0:
        error = _clean(stderr) or f"exit code {code}"
        outcome.messages.append(f"{label} failed (exit code {code}): {error}")
        return "error", error
    text = stdout.strip()
    if text.startswith("{"):
        try:
            answer = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            answer = None
        if isinstance(answer, dict):
            return _decision(outcome, event, answer)
    if text and event in CONTEXT_FROM_STDOUT:
        outcome.context.append(_clean(text))
    return "ok", _clean(text)


def _decision(outcome: HookOutcome, event: str, answer: dict[str, Any]) -> tuple[str, str]:
    word = "ok"
    message = ""
    if isinstance(answer.get("systemMessage"), str) and answer["systemMessage"].strip():
        outcome.messages.append(_clean(answer["systemMessage"]))
    specific = answer.get("hookSpecificOutput")
    specific = specific if isinstance(specific, dict) else {}
    context = specific.get("additionalContext")
    if isinstance(context, str) and context.strip():
        outcome.context.append(_clean(context))
    decision = answer.get("decision")
    reason = _clean(str(answer.get("reason") or ""))
    if event == "PreToolUse":
        wanted = specific.get("permissionDecision")
        why = _clean(str(specific.get("permissionDecisionReason") or "")) or reason
        if wanted is None and decision in ("approve", "block"):
            wanted = "allow" if decision == "approve" else "deny"
        if wanted in _RANK:
            if outcome.permission is None or _RANK[str(wanted)] > _RANK[outcome.permission]:
                outcome.permission = str(wanted)
            if wanted == "deny":
                outcome.blocked = True
                outcome.reasons.append(why or "a PreToolUse hook denied it")
                word, message = "blocked", why
            elif why:
                outcome.reasons.append(why)
                message = why
    elif decision == "block":
        outcome.blocked = True
        outcome.reasons.append(reason or f"a {event} hook blocked it")
        word, message = "blocked", reason
    if answer.get("continue") is False:
        outcome.stop = True
        outcome.stop_reason = _clean(str(answer.get("stopReason") or "")) or f"a {event} hook stopped the turn"
        word, message = "blocked", outcome.stop_reason
    return word, message


async def _run_one(hook: HookCommand, data: bytes, workspace: Path, env: dict[str, str]
                   ) -> tuple[int | None, str, str, int, bool]:  # fmt: skip
    """(exit code or None, stdout, stderr, milliseconds, timed out) of one command."""
    started = time.perf_counter()
    try:
        process = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            hook.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=workspace,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        return None, "", str(exc.strerror or exc), 0, False
    timed_out = False
    try:
        async with asyncio.timeout(hook.timeout):
            out, err, _ = await asyncio.gather(_drain(process.stdout), _drain(process.stderr), _feed(process, data))
            code: int | None = await process.wait()
    except TimeoutError:
        timed_out, out, err, code = True, b"", b"", None
    finally:
        if process.returncode is None:  # a timeout, or the turn was cancelled: end it and all it started
            _kill_group(process.pid)
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
    elapsed = int((time.perf_counter() - started) * 1000)
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), elapsed, timed_out


async def _feed(process: asyncio.subprocess.Process, data: bytes) -> None:
    stdin = process.stdin
    if stdin is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.write(data)
        await stdin.drain()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.close()
        await stdin.wait_closed()


async def _drain(stream: asyncio.StreamReader | None) -> bytes:
    """Everything the stream gives, keeping only the first MAX_STREAM_BYTES (a chatty hook never fills memory)."""
    if stream is None:
        return b""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < MAX_STREAM_BYTES:
            kept += chunk[: MAX_STREAM_BYTES - len(kept)]
    return bytes(kept)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _clean(text: str) -> str:
    text = redact(text.strip())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _short(command: str) -> str:
    line = " ".join(command.split())
    return line if len(line) <= 60 else line[:59] + "…"
