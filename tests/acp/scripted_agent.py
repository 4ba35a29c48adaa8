"""A small ACP agent for tests: on each prompt it plays the steps of a JSON script, then ends the turn.

    python scripted_agent.py SCRIPT.json LOG.json

Steps (one JSON object each):
    {"say": TEXT}                          an agent_message_chunk
    {"think": TEXT}                        an agent_thought_chunk
    {"plan": [[CONTENT, STATUS], ...]}     a plan
    {"read": PATH}                         fs/read_text_file (relative paths are taken from the session's cwd)
    {"write": PATH, "content": TEXT}       fs/write_text_file
    {"ask": TITLE, "kind": K, "path": P}   a tool_call, then session/request_permission, then its update
    {"ran": TITLE, "kind": K}              a tool call it ran itself (tool_call, then completed)
    {"terminal": COMMAND}                  terminal/create, wait_for_exit, output, release
    {"sleep": SECONDS}
    {"exit": CODE}                         the process ends at once, mid-turn
Each request's answer or error goes to LOG (a JSON object: "results" in order, "received" frames) and is
also said as message text, so the client's output shows it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, RequestError, run_agent, text_block
from acp.connection import StreamDirection, StreamEvent
from acp.schema import (
    AgentCapabilities,
    AgentMessageChunk,
    AgentPlanUpdate,
    AgentThoughtChunk,
    FileEditToolCallContent,
    InitializeResponse,
    NewSessionResponse,
    PermissionOption,
    PlanEntry,
    PromptResponse,
    ToolCallLocation,
    ToolCallProgress,
    ToolCallStart,
    ToolCallUpdate,
)


class ScriptedAgent:
    def __init__(self, script: list[dict[str, Any]], log: Path) -> None:
        self.script = script
        self.log = log
        self.results: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.cwd = Path.cwd()
        self.conn: Any = None
        self.calls = 0

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    def observe(self, event: StreamEvent) -> None:
        (self.received if event.direction is StreamDirection.INCOMING else self.sent).append(event.message)
        self.save()

    def save(self) -> None:
        data = {"results": self.results, "received": self.received, "sent": self.sent}
        self.log.write_text(json.dumps(data))

    async def initialize(self, protocol_version: int, **kwargs: Any) -> InitializeResponse:
        return InitializeResponse(protocol_version=PROTOCOL_VERSION, agent_capabilities=AgentCapabilities())

    async def new_session(self, cwd: str, **kwargs: Any) -> NewSessionResponse:
        self.cwd = Path(cwd)
        return NewSessionResponse(session_id="scripted-1")

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        self.results.append({"cancelled": True})

    async def say(self, session_id: str, text: str) -> None:
        chunk = AgentMessageChunk(session_update="agent_message_chunk", content=text_block(text))
        await self.conn.session_update(session_id=session_id, update=chunk)

    def path(self, raw: str) -> str:
        return raw if os.path.isabs(raw) else str(self.cwd / raw)  # `..` kept: the client must see it

    async def prompt(self, prompt: list[Any], session_id: str, **kwargs: Any) -> PromptResponse:
        for step in self.script:
            try:
                await self.step(session_id, step)
            except RequestError as exc:
                self.results.append({"step": step, "error": str(exc), "data": exc.data})
                await self.say(session_id, f"refused: {exc}\n")
            self.save()
        return PromptResponse(stop_reason="end_turn")

    async def step(self, sid: str, step: dict[str, Any]) -> None:
        conn = self.conn
        if "say" in step:
            await self.say(sid, step["say"])
        elif "think" in step:
            update = AgentThoughtChunk(session_update="agent_thought_chunk", content=text_block(step["think"]))
            await conn.session_update(session_id=sid, update=update)
        elif "plan" in step:
            entries = [PlanEntry(content=c, status=s, priority="medium") for c, s in step["plan"]]
            await conn.session_update(session_id=sid, update=AgentPlanUpdate(session_update="plan", entries=entries))
        elif "read" in step:
            answer = await conn.read_text_file(session_id=sid, path=self.path(step["read"]))
            self.results.append({"step": step, "content": answer.content})
            await self.say(sid, f"read {step['read']}: {answer.content}\n")
        elif "write" in step:
            await conn.write_text_file(session_id=sid, path=self.path(step["write"]), content=step["content"])
            self.results.append({"step": step, "written": True})
        elif "ask" in step:
            await self.ask(sid, step)
        elif "ran" in step:
            self.calls += 1
            call_id = f"own-{self.calls}"
            start = ToolCallStart(
                session_update="tool_call", tool_call_id=call_id, title=step["ran"], kind=step.get("kind", "other")
            )
            await conn.session_update(session_id=sid, update=start)
            done = ToolCallProgress(session_update="tool_call_update", tool_call_id=call_id, status="completed")
            await conn.session_update(session_id=sid, update=done)
        elif "terminal" in step:
            made = await conn.create_terminal(session_id=sid, command="bash", args=["-c", step["terminal"]])
            status = await conn.wait_for_terminal_exit(session_id=sid, terminal_id=made.terminal_id)
            out = await conn.terminal_output(session_id=sid, terminal_id=made.terminal_id)
            await conn.release_terminal(session_id=sid, terminal_id=made.terminal_id)
            self.results.append({"step": step, "exit_code": status.exit_code, "output": out.output})
        elif "sleep" in step:
            await asyncio.sleep(step["sleep"])
        elif "exit" in step:
            os._exit(step["exit"])

    async def ask(self, sid: str, step: dict[str, Any]) -> None:
        self.calls += 1
        call_id = f"ask-{self.calls}"
        where = self.path(step["path"]) if "path" in step else None
        diff = FileEditToolCallContent(type="diff", path=where, old_text="old\n", new_text="new\n") if where else None
        content = [diff] if diff else None
        locations = [ToolCallLocation(path=where)] if where else None
        start = ToolCallStart(
            session_update="tool_call",
            tool_call_id=call_id,
            title=step["ask"],
            kind=step.get("kind", "edit"),
            status="pending",
            content=content,
            locations=locations,
        )
        await self.conn.session_update(session_id=sid, update=start)
        options = [
            PermissionOption(option_id="yes", name="Allow", kind="allow_once"),
            PermissionOption(option_id="always", name="Always", kind="allow_always"),
            PermissionOption(option_id="no", name="Reject", kind="reject_once"),
        ]
        answer = await self.conn.request_permission(
            session_id=sid, tool_call=ToolCallUpdate(tool_call_id=call_id, title=step["ask"]), options=options
        )
        outcome = answer.outcome
        chosen = getattr(outcome, "option_id", None) or outcome.outcome
        self.results.append({"step": step, "permission": chosen})
        status = "completed" if chosen == "yes" else "failed"
        done = ToolCallProgress(session_update="tool_call_update", tool_call_id=call_id, status=status)
        await self.conn.session_update(session_id=sid, update=done)
        await self.say(sid, f"permission for {step['ask']}: {chosen}\n")


async def main() -> None:
    script = json.loads(Path(sys.argv[1]).read_text())
    agent = ScriptedAgent(script, Path(sys.argv[2]))
    await run_agent(agent, observers=[agent.observe])  # type: ignore[arg-type]


if __name__ == "__main__":
    asyncio.run(main())
