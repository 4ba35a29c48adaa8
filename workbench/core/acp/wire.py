"""The protocol's transport: version, stdio streams for `workbench acp`, a spawned agent, and frame checks.

`workbench acp` keeps stdout for protocol frames alone: the real stdout is moved to a private descriptor
for the transport, and descriptor 1 (and `sys.stdout`) point at stderr, so a stray print, a warning or a
child process that inherits stdout can never corrupt the stream.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable
from typing import Any, BinaryIO

PROTOCOL_VERSION = 1  # ACP v1; v2 (draft) drops the client's fs/* and terminal/* methods
STDIO_LIMIT = 50 * 1024 * 1024  # one frame may carry a whole file


def claim_stdout() -> BinaryIO:
    """Move the real stdout to a private descriptor for the frames; from now on fd 1 and `sys.stdout` are
    stderr. Called first thing, before anything that could print is imported."""
    sys.stdout.flush()
    frames = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return frames


async def protocol_stdio(frames: BinaryIO) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """(reader of stdin, writer of `frames`, the stdout `claim_stdout` kept)."""
    from acp import stdio_streams

    sys.stdout = frames  # type: ignore[assignment]  # stdio_streams takes its pipe from sys.stdout
    try:
        return await stdio_streams(limit=STDIO_LIMIT)
    finally:
        sys.stdout = sys.stderr


# -- frame checks: every frame validated against the protocol's schema (the SDK's models) --------------

_AGENT_REQUESTS = {  # method an agent calls -> (params model, result model of the client's answer)
    "session/request_permission": ("RequestPermissionRequest", "RequestPermissionResponse"),
    "fs/read_text_file": ("ReadTextFileRequest", "ReadTextFileResponse"),
    "fs/write_text_file": ("WriteTextFileRequest", "WriteTextFileResponse"),
    "terminal/create": ("CreateTerminalRequest", "CreateTerminalResponse"),
    "terminal/output": ("TerminalOutputRequest", "TerminalOutputResponse"),
    "terminal/wait_for_exit": ("WaitForTerminalExitRequest", "WaitForTerminalExitResponse"),
    "terminal/kill": ("KillTerminalRequest", "KillTerminalResponse"),
    "terminal/release": ("ReleaseTerminalRequest", "ReleaseTerminalResponse"),
}
_CLIENT_REQUESTS = {  # method a client calls -> (params model, result model of the agent's answer)
    "initialize": ("InitializeRequest", "InitializeResponse"),
    "session/new": ("NewSessionRequest", "NewSessionResponse"),
    "session/load": ("LoadSessionRequest", "LoadSessionResponse"),
    "session/prompt": ("PromptRequest", "PromptResponse"),
    "session/set_mode": ("SetSessionModeRequest", "SetSessionModeResponse"),
    "authenticate": ("AuthenticateRequest", "AuthenticateResponse"),
}
_NOTIFICATIONS = {"session/update": "SessionNotification", "session/cancel": "CancelNotification"}


def check_frames(
    frames: Iterable[dict[str, Any]], *, sent_by: str, received: Iterable[dict[str, Any]] = ()
) -> list[str]:
    """Problems with the frames one side (`agent` or `client`) sent, in order; [] when all conform.
    `received` are the other side's frames, which say what each answer answers.

    A frame conforms when its params (or result) validate against the schema model for its method and
    dumping the model gives the frame back: the SDK's models quietly replace a malformed optional field
    with its default, so validation alone would let such a field through.
    """
    from acp import schema

    own, theirs = (_AGENT_REQUESTS, _CLIENT_REQUESTS) if sent_by == "agent" else (_CLIENT_REQUESTS, _AGENT_REQUESTS)
    asked: dict[Any, str] = {}  # ids of the other side's requests -> method, to check our answers
    problems: list[str] = []
    frames = list(frames)
    for frame in received:
        if "method" in frame and "id" in frame and frame["method"] in theirs:
            asked[frame["id"]] = frame["method"]
    for number, frame in enumerate(frames, 1):
        if frame.get("jsonrpc") != "2.0":
            problems.append(f"frame {number}: jsonrpc is not '2.0'")
            continue
        method = frame.get("method")
        if method is not None:
            name = own[method][0] if method in own and "id" in frame else _NOTIFICATIONS.get(method)
            payload = frame.get("params")
        elif "error" in frame:
            error = frame["error"]
            if not (isinstance(error, dict) and isinstance(error.get("code"), int) and "message" in error):
                problems.append(f"frame {number}: malformed error {error!r}")
            continue
        else:
            answered = asked.get(frame.get("id"))
            name = theirs[answered][1] if answered else None
            method = f"result of {answered}"
            payload = frame.get("result")
        if name is None:
            problems.append(f"frame {number}: no schema for {method!r}")
            continue
        problems.extend(f"frame {number} ({method}): {p}" for p in _conforms(getattr(schema, name), payload))
    return problems


def _conforms(model: Any, payload: Any) -> list[str]:
    from pydantic import ValidationError

    try:
        parsed = model.model_validate(payload)
    except ValidationError as exc:
        return [str(exc).replace("\n", " ")]
    again = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    lost = _lost(payload, again)
    return [f"{lost} does not match the schema"] if lost else []


def _lost(sent: Any, kept: Any, where: str = "") -> str:
    """The first place where `kept` (the frame after the model) differs from `sent`; "" when none does."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        for key, value in sent.items():
            if value is None and key not in kept:
                continue
            if key not in kept:
                return f"{where}.{key}"
            found = _lost(value, kept[key], f"{where}.{key}")
            if found:
                return found
        return ""
    if isinstance(sent, list) and isinstance(kept, list):
        if len(sent) != len(kept):
            return f"{where}[] (items dropped)"
        for index, (a, b) in enumerate(zip(sent, kept, strict=True)):
            found = _lost(a, b, f"{where}[{index}]")
            if found:
                return found
        return ""
    return "" if sent == kept else (where or "the frame")
