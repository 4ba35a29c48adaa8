"""Small real tools and a rule-table policy for driving AgentLoop without the full tool set."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import anthropic

from workbench.core.agent.calls import CallGate
from workbench.core.agent.client import make_client
from workbench.core.agent.loop import AgentLoop, LoopOutcome, LoopSettings
from workbench.core.agent.retry import RetryPolicy
from workbench.core.approvals import ApprovalRequest, Approver, Decision, DenyAll, SegmentVerdict, Verdict
from workbench.core.events import Event, UsageInfo
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult


class CatTool(Tool):
    """Reads a file under a root folder."""

    name = "Cat"
    description = "Print a file."
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"file_path": {"type": "string"}},
        "required": ["file_path"],
    }
    kind = ToolKind.READ

    def __init__(self, root: Path) -> None:
        self.root = root

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        path = args.get("file_path")
        if not isinstance(path, str):
            raise ToolError("file_path must be a string")
        return CallPreview(summary=f"Cat {path}", paths=(path,))

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        target = self.root / str(args["file_path"])
        try:
            return ToolResult(content=target.read_text())
        except OSError as exc:
            raise ToolError(f"cannot read {args['file_path']}: {exc.strerror}") from exc


class SleepTool(Tool):
    """Runs `sleep N` as a real subprocess and kills it when cancelled."""

    name = "Sleep"
    description = "Sleep."
    input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {"seconds": {"type": "number"}}}
    kind = ToolKind.EXEC
    started: asyncio.Event
    killed: bool

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.killed = False
        self.pid: int | None = None

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        return CallPreview(summary="sleep", command=f"sleep {args.get('seconds', 1)}")

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        proc = await asyncio.create_subprocess_exec("sleep", str(args.get("seconds", 1)))
        self.pid = proc.pid
        self.started.set()
        try:
            code = await proc.wait()
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            self.killed = True
            raise
        return ToolResult(content=f"slept, exit {code}", exit_code=code)


@dataclass
class Evaluation:
    verdict: Verdict
    reason: str
    rule: str | None = None
    matched: Any = None
    segments: tuple[SegmentVerdict, ...] = ()
    request: ApprovalRequest | None = None


@dataclass
class TablePolicy:
    """Verdict per tool name (default allow); records what was applied."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    applied: list[tuple[ApprovalRequest, Decision]] = field(default_factory=list)

    def evaluate(
        self, tool: str, kind: ToolKind, args: dict[str, Any], preview: CallPreview, *, call_id: str
    ) -> Evaluation:
        verdict = self.verdicts.get(tool, Verdict.ALLOW)
        request = None
        if verdict is Verdict.ASK:
            digest = hashlib.sha256(json.dumps([tool, args, call_id], sort_keys=True).encode()).hexdigest()
            request = ApprovalRequest(
                id=digest,
                call_id=call_id,
                tool=tool,
                input=args,
                summary=preview.summary,
                reason=f"{tool} asks in this test",
            )
        return Evaluation(verdict=verdict, reason=f"table says {verdict} for {tool}", request=request)

    def apply(self, request: ApprovalRequest, decision: Decision) -> None:
        self.applied.append((request, decision))


@dataclass
class Harness:
    loop: AgentLoop
    history: list[dict[str, Any]]
    usage: list[UsageInfo]

    async def turn(self, prompt: str) -> tuple[list[Event], LoopOutcome]:
        self.history.append({"role": "user", "content": [{"type": "text", "text": prompt}]})
        outcome = LoopOutcome()
        events = [e async for e in self.loop.run(self.history, outcome)]
        return events, outcome

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.loop.client.close()

    def stream(self, prompt: str, outcome: LoopOutcome) -> AsyncIterator[Event]:
        self.history.append({"role": "user", "content": [{"type": "text", "text": prompt}]})
        return self.loop.run(self.history, outcome)


FAST_RETRY = RetryPolicy(max_retries=3, base_delay_s=0.01, max_delay_s=0.05, retry_after_cap_s=0.2)


def harness(
    base_url: str,
    tools: list[Tool],
    *,
    policy: TablePolicy | None = None,
    approver: Approver | None = None,
    max_turns: int = 10,
    retry: RetryPolicy = FAST_RETRY,
    read_timeout: float = 5.0,
    client: anthropic.AsyncAnthropic | None = None,
) -> Harness:
    history: list[dict[str, Any]] = []
    usage: list[UsageInfo] = []
    gate = CallGate(
        {t.name: t for t in tools}, policy=policy or TablePolicy(), approver=approver or DenyAll(), context=None
    )

    def add(u: UsageInfo) -> UsageInfo:
        usage.append(u)
        total = UsageInfo()
        for item in usage:
            total = total + item
        return total

    loop = AgentLoop(
        client or make_client(api_key="test-key", base_url=base_url, timeout=read_timeout),
        LoopSettings(model="claude-sonnet-5-5", max_turns=max_turns, retry=retry),
        system="You are a test persona.",
        tools=[t.api_spec() for t in tools],
        executor=gate,
        commit=history.append,
        session_usage=add,
    )
    return Harness(loop, history, usage)


def git_repo(root: Path) -> Path:
    """A small real git repository with one commit."""

    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text("def greet(name):\n    return f'hello {name}'\n")
    (root / "README.md").write_text("# demo\n")
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)
    return root


@dataclass
class ScriptedApprover:
    """Answers approval requests from a list, in order; records what it was asked."""

    answers: list[Decision]
    asked: list[ApprovalRequest] = field(default_factory=list)

    async def decide(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return self.answers.pop(0)


def write_config(home: Path, text: str) -> None:
    """The workbench config file of the test home (WORKBENCH_HOME is home/.workbench)."""
    cfg = home / ".workbench" / "config" / "config.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text)


def run_cli(
    args: list[str],
    *,
    base_url: str | None,
    home: Path,
    timeout: float = 60,
    config: str | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m workbench ARGS` in a subprocess, pointed at the peer through ANTHROPIC_BASE_URL."""
    if config is not None:
        write_config(home, config)
    return run_python(["-m", "workbench", *args], base_url=base_url, home=home, timeout=timeout, stdin=stdin)


def run_python(
    args: list[str], *, base_url: str | None, home: Path, timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in a fresh subprocess with `home` as its home, pointed at the peer through ANTHROPIC_BASE_URL."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "WORKBENCH_"))}
    env.update(HOME=str(home), WORKBENCH_HOME=str(home / ".workbench"), ANTHROPIC_CONFIG_DIR=str(home / ".anthropic"))
    if base_url:
        env["ANTHROPIC_BASE_URL"] = base_url
    root = Path(__file__).resolve().parents[3]
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


def sessions_folder(home: Path) -> Path:
    found = list((home / ".workbench" / "data" / "projects").glob("*/sessions"))
    assert len(found) == 1, found
    return found[0]


@dataclass
class Probed:
    """What a probe script printed (its last line, JSON), and the requests the peer saw."""

    seen: dict[str, Any]
    requests: list[list[dict[str, Any]]]  # each request's messages


def probe_a_saved_session(tmp_path: Path, probe: str, *, timeout: float = 60) -> Probed:
    """`workbench run hello` on a small repository (the peer answers "First answer."), then `probe` in a fresh
    interpreter with the repository as argv[1], the same home, and "Second answer." waiting at the peer."""
    from workbench.testing import MessagesPeer, reply, text

    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    with MessagesPeer([reply(text("First answer.")), reply(text("Second answer."))]) as peer:
        first = run_cli(["run", "hello", "--cwd", str(repo)], base_url=peer.url, home=home)
        assert first.returncode == 0, first.stderr
        done = run_python(["-c", probe, str(repo)], base_url=peer.url, home=home, timeout=timeout)
        requests = [r.messages for r in peer.message_requests]
    assert done.returncode == 0, done.stderr
    return Probed(json.loads(done.stdout.splitlines()[-1]), requests)
