"""Delegation through the Agent tool: a parent persona starts a subagent, against the peer over real HTTP."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.core.agent.helpers import ScriptedApprover, git_repo
from workbench.config import Config
from workbench.core.agent.client import make_client
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import Decision, DenyAll
from workbench.core.events import (
    ApprovalRequested,
    Event,
    SubagentFinished,
    SubagentStarted,
    ToolCallFinished,
    TurnDone,
    UsageInfo,
)
from workbench.core.personas.discovery import discover
from workbench.core.personas.model import Persona
from workbench.core.session_store import SessionStore, export_markdown
from workbench.testing import MessagesPeer, Turn, reply, text, tool_use

PERSONAS = {
    "lead": ("Leads the work and hands reviews to others.", "Read, Grep, Glob, LS, Write, Edit, Bash, Agent"),
    "reviewer": ("Reviews code without changing it. Use it before a merge.", "Read, Grep, Glob, LS"),
    "runner": ("Runs commands and reports their output.", "Bash, Read"),
    "nester": ("Splits a task and hands parts on.", "Read, Agent"),
    "leaf": ("Reads one file and says what is in it.", "Read, Agent"),
}
EXAMPLE = (
    "Use it for reviews.\\n<example>\\nContext: a change is ready.\\nuser: review it\\n"
    'assistant: "I will use the Task tool to launch the reviewer agent."\\n</example>'
)


def marker(name: str) -> str:
    return f"PERSONA-MARKER-{name.upper()}"


def write_personas(folder: Path, names: Iterable[str] = PERSONAS, *, examples: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        description, tools = PERSONAS[name]
        if examples and name == "reviewer":
            description = f'"{description} {EXAMPLE}"'
        (folder / f"{name}.md").write_text(
            f"---\nname: {name}\ndescription: {description}\ntools: {tools}\n---\nYou are the {name}. {marker(name)}\n"
        )
    return folder


def load(folder: Path, cwd: Path) -> dict[str, Persona]:
    found = discover(cwd, [folder], include_defaults=False)
    assert not found.failures, found.failures
    return {p.id: p for p in found.personas}


def system_of(body: dict[str, Any]) -> str:
    system = body.get("system")
    if isinstance(system, list):
        return "\n".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    return str(system or "")


@dataclass
class Router:
    """A peer turn for every request: the next scripted reply of the persona whose marker is in the system."""

    scripts: dict[str, deque[Turn]]
    seen: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, **scripts: list[Turn]) -> Router:
        return cls({k: deque(v) for k, v in scripts.items()})

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.scripts.values())

    def turns(self) -> list[Turn]:
        return [self] * self.total  # type: ignore[list-item]

    def __call__(self, body: dict[str, Any]) -> Turn:
        system = system_of(body)
        for name, queue in self.scripts.items():
            if marker(name) in system:
                self.seen.append(name)
                turn = queue.popleft()
                return turn(body) if callable(turn) else turn
        raise AssertionError("a request from no known persona")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


@pytest.fixture
def personas(repo: Path, tmp_path: Path) -> dict[str, Persona]:
    return load(write_personas(tmp_path / "agents"), repo)


def agent_call(subagent: str, prompt: str = "Review app.py and say if it is correct.") -> Turn:
    return reply(tool_use("Agent", {"description": "review app", "prompt": prompt, "subagent_type": subagent}))


def open_session(
    repo: Path, personas: dict[str, Persona], peer: MessagesPeer, root: str = "lead", **kw: Any
) -> AgentSession:
    return AgentSession.create(
        repo,
        personas[root],
        approver=kw.pop("approver", DenyAll()),
        client=make_client(api_key="k", base_url=peer.url),
        personas=list(personas.values()),
        **kw,
    )


async def collect(session: AgentSession, prompt: str) -> list[Event]:
    return [e async for e in session.run_turn(prompt)]


def finished(events: list[Event], path: tuple[str, ...] = ()) -> list[ToolCallFinished]:
    return [e for e in events if isinstance(e, ToolCallFinished) and e.agent_path == path]


async def test_reviewer_reads_answers_and_cannot_write(repo: Path, personas: dict[str, Persona]) -> None:
    """The parent may write (acceptEdits) but the read-only reviewer's Write is refused; the answer comes back."""
    before = (repo / "app.py").read_text()
    router = Router.of(
        lead=[agent_call("reviewer"), reply(text("The reviewer found it correct."))],
        reviewer=[
            reply(tool_use("Read", {"file_path": "app.py"})),
            reply(tool_use("Write", {"file_path": "app.py", "content": "hacked\n"})),
            reply(text("app.py greets by name. VERDICT-OK")),
        ],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer, mode="acceptEdits")
        events = await collect(session, "get app.py reviewed")
        await session.aclose()
        requests = peer.message_requests
    assert router.seen == ["lead", "reviewer", "reviewer", "reviewer", "lead"]
    assert (repo / "app.py").read_text() == before
    read, write = finished(events, ("reviewer",))
    assert read.tool == "Read" and "def greet" in read.output and not read.is_error
    assert write.tool == "Write" and write.is_error and write.decision == "invalid"
    assert "not available" in write.output
    (agent,) = finished(events)
    assert agent.tool == "Agent" and not agent.is_error and "VERDICT-OK" in agent.output
    started = next(e for e in events if isinstance(e, SubagentStarted))
    done = next(e for e in events if isinstance(e, SubagentFinished))
    assert started.call_id == agent.call_id == done.call_id and started.agent_path == ("reviewer",)
    assert started.tools == ("Read", "LS", "Glob", "Grep") and started.prompt.startswith("Review app.py")
    assert done.final_text.endswith("VERDICT-OK") and done.tool_calls == 2
    # the reviewer is offered only its own read-only tools; the parent sees the answer as the tool result
    assert requests[1].tool_names() == ["Read", "LS", "Glob", "Grep"]
    assert "Agent" in requests[0].tool_names() and "Write" in requests[0].tool_names()
    result = requests[-1].messages[-1]["content"][0]
    assert result["type"] == "tool_result" and "VERDICT-OK" in json.dumps(result)
    assert requests[0].body is not None and requests[-1].body is not None
    assert requests[0].body["tools"] == requests[-1].body["tools"]  # byte-stable for the prompt cache
    # usage: the session and the turn pay for the child too, with a per-persona breakdown
    by = session.usage_by_persona
    assert set(by) == {"lead", "reviewer"} and by["reviewer"].output_tokens > 0
    both = by["lead"] + by["reviewer"]
    assert both.input_tokens == session.usage.input_tokens and both.output_tokens == session.usage.output_tokens
    assert both.cost_usd == pytest.approx(session.usage.cost_usd)
    turn_done = events[-1]
    assert isinstance(turn_done, TurnDone) and turn_done.usage == session.usage
    assert done.usage == by["reviewer"]


async def test_tool_description_lists_personas_with_examples(repo: Path, tmp_path: Path) -> None:
    personas = load(write_personas(tmp_path / "agents", examples=True), repo)
    with MessagesPeer([reply(text("ok")), reply(text("again"))]) as peer:
        session = open_session(repo, personas, peer)
        await collect(session, "hello")
        await collect(session, "hello again")
        await session.aclose()
        first, second = peer.message_requests
    spec = next(t for t in (first.body or {})["tools"] if t["name"] == "Agent")
    again = next(t for t in (second.body or {})["tools"] if t["name"] == "Agent")
    assert json.dumps(spec, sort_keys=True) == json.dumps(again, sort_keys=True)
    described = spec["description"]
    assert "- reviewer: Reviews code without changing it." in described
    assert "<example>\nContext: a change is ready." in described and "(Tools: Read, LS, Glob, Grep)" in described
    assert "- lead:" not in described  # a persona never delegates to itself
    assert spec["input_schema"]["properties"]["subagent_type"]["enum"] == ["leaf", "nester", "reviewer", "runner"]
    assert described.index("- leaf:") < described.index("- nester:") < described.index("- reviewer:")


async def test_unknown_subagent_type_lists_the_valid_ones(repo: Path, personas: dict[str, Persona]) -> None:
    router = Router.of(lead=[agent_call("ghost"), reply(text("No such agent."))])
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer)
        events = await collect(session, "delegate")
        await session.aclose()
    (agent,) = finished(events)
    assert agent.is_error and agent.decision == "invalid"
    assert agent.output == "unknown subagent_type 'ghost'; valid subagent types: leaf, nester, reviewer, runner"
    assert not any(isinstance(e, SubagentStarted) for e in events)


async def test_nested_approval_is_asked_with_the_child_path(repo: Path, personas: dict[str, Persona]) -> None:
    router = Router.of(
        lead=[agent_call("runner", "Run date."), reply(text("done"))],
        runner=[reply(tool_use("Bash", {"command": "date +nested-%Y"})), reply(text("It printed the year."))],
    )
    approver = ScriptedApprover([Decision(allow=True)])
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer, approver=approver)
        events = await collect(session, "run it through the runner")
        await session.aclose()
    (asked,) = approver.asked
    assert asked.agent_path == ("runner",) and asked.persona_id == "runner" and asked.command == "date +nested-%Y"
    requested = next(e for e in events if isinstance(e, ApprovalRequested))
    assert requested.agent_path == ("runner",) and requested.request.agent_path == ("runner",)
    (bash,) = finished(events, ("runner",))
    assert bash.decision == "approved" and bash.output.startswith("nested-")
    assert "It printed the year." in finished(events)[0].output


async def test_child_cannot_use_a_tool_the_parent_lacks(repo: Path, tmp_path: Path) -> None:
    """runner grants Bash, the reviewer-rooted parent has no Bash: the child is not offered it."""
    folder = write_personas(tmp_path / "agents", ["reviewer", "runner"])
    (folder / "reviewer.md").write_text(
        f"---\nname: reviewer\ndescription: Reviews.\ntools: Read, Agent\n---\nYou review. {marker('reviewer')}\n"
    )
    personas = load(folder, repo)
    router = Router.of(
        reviewer=[agent_call("runner", "Run ls."), reply(text("ok"))],
        runner=[reply(tool_use("Bash", {"command": "touch made-by-child"})), reply(text("could not"))],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer, root="reviewer", mode="acceptEdits")
        events = await collect(session, "go")
        await session.aclose()
        child_tools = peer.message_requests[1].tool_names()
    assert child_tools == ["Read"]
    (bash,) = finished(events, ("runner",))
    assert bash.is_error and not (repo / "made-by-child").exists()


async def test_depth_limit_and_no_persona_twice_on_a_path(repo: Path, personas: dict[str, Persona]) -> None:
    router = Router.of(
        lead=[agent_call("nester", "Split it."), reply(text("all done"))],
        nester=[
            reply(tool_use("Agent", {"description": "loop", "prompt": "p", "subagent_type": "lead"})),
            reply(tool_use("Agent", {"description": "read", "prompt": "Read app.py", "subagent_type": "leaf"})),
            reply(text("leaf said it greets")),
        ],
        leaf=[reply(tool_use("Read", {"file_path": "app.py"})), reply(text("it greets"))],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer)
        events = await collect(session, "go deep")
        await session.aclose()
        by_persona = {name: [r for r in peer.message_requests if marker(name) in r.system_text()] for name in PERSONAS}
    looped, deeper = finished(events, ("nester",))
    assert looped.is_error and "already running in this chain (lead > nester)" in looped.output
    assert not deeper.is_error and "it greets" in deeper.output
    (read,) = finished(events, ("nester", "leaf"))
    assert "def greet" in read.output
    nester_spec = next(t for t in (by_persona["nester"][0].body or {})["tools"] if t["name"] == "Agent")
    assert nester_spec["input_schema"]["properties"]["subagent_type"]["enum"] == ["leaf", "reviewer", "runner"]
    # the leaf (depth 2, the default limit) grants Agent but is not offered it
    assert by_persona["leaf"][0].tool_names() == ["Read"]
    assert set(session.usage_by_persona) == {"lead", "nester", "leaf"}


async def test_depth_one_offers_no_agent_to_children(repo: Path, personas: dict[str, Persona]) -> None:
    router = Router.of(lead=[agent_call("nester", "Split it."), reply(text("ok"))], nester=[reply(text("alone"))])
    config = Config(data={"agent": {"max_subagent_depth": 1}})
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer, config=config)
        await collect(session, "go")
        await session.aclose()
        assert peer.message_requests[1].tool_names() == ["Read"]


async def test_no_agent_tool_without_a_grant_or_another_persona(repo: Path, personas: dict[str, Persona]) -> None:
    only_lead = {"lead": personas["lead"]}
    with MessagesPeer([reply(text("a")), reply(text("b"))]) as peer:
        alone = open_session(repo, only_lead, peer)
        reviewer = open_session(repo, personas, peer, root="reviewer")
        assert "Agent" not in alone.registry_tools and "Agent" not in reviewer.registry_tools
        await alone.aclose()
        await reviewer.aclose()


async def test_resume_export_and_audit_include_the_child(repo: Path, tmp_path: Path) -> None:
    folder = write_personas(tmp_path / "agents", ["lead", "reviewer"])
    lead = folder / "lead.md"
    lead.write_text(lead.read_text() + "\nAll operations must maintain audit trails.\n")
    personas = load(folder, repo)
    assert any(p.kind == "audit" for p in personas["lead"].policies)
    router = Router.of(
        lead=[agent_call("reviewer"), reply(text("Reviewed.")), reply(text("Still reviewed."))],
        reviewer=[reply(tool_use("Read", {"file_path": "app.py"})), reply(text("Looks right. NESTED-ANSWER"))],
    )
    store = SessionStore(repo)
    with MessagesPeer(router.turns()) as peer:
        first = open_session(repo, personas, peer, store=store)
        await collect(first, "review")
        usage, by = first.usage, dict(first.usage_by_persona)
        await first.aclose()
        resumed = AgentSession.resume(
            first.id,
            repo,
            approver=DenyAll(),
            store=store,
            persona=personas["lead"],
            personas=list(personas.values()),
            client=make_client(api_key="k", base_url=peer.url),
        )
        assert resumed.usage == usage and resumed.usage_by_persona == by
        nested = [e for e in resumed.events if e.agent_path == ("reviewer",)]
        assert any(isinstance(e, ToolCallFinished) and "def greet" in e.output for e in nested)
        assert any(isinstance(e, SubagentFinished) and "NESTED-ANSWER" in e.final_text for e in nested)
        await collect(resumed, "and now?")
        await resumed.aclose()
    report = export_markdown(first.id, repo)
    assert "### Subagent `reviewer` (`reviewer`, model" in report and "Prompt:" in report
    assert "Subagent `reviewer` finished (`end_turn`, 1 tool call(s)" in report
    assert "Its answer above went back" in report
    assert report.count("NESTED-ANSWER") == 2  # the child's answer, once, and the Agent call's result
    assert "#### `reviewer` › `Read`" in report
    assert "- Usage by persona: `lead` " in report and "; `reviewer` " in report
    audit = [json.loads(line) for line in store.audit_path(first.id).read_text().splitlines()]
    assert [(r["persona_id"], r["tool"]) for r in audit] == [("reviewer", "Read"), ("lead", "Agent")]


async def test_default_discovery_offers_bundled_personas(repo: Path, tmp_path: Path) -> None:
    personas = load(write_personas(tmp_path / "agents", ["lead"]), repo)
    with MessagesPeer([reply(text("ok"))]) as peer:
        session = AgentSession.create(
            repo, personas["lead"], approver=DenyAll(), client=make_client(api_key="k", base_url=peer.url)
        )
        await collect(session, "hi")
        await session.aclose()
        spec = next(t for t in (peer.message_requests[0].body or {})["tools"] if t["name"] == "Agent")
    assert "code-reviewer" in spec["input_schema"]["properties"]["subagent_type"]["enum"]


def test_usage_breakdown_adds_up() -> None:
    from workbench.core.agent.delegate import usage_by_persona
    from workbench.core.events import UsageUpdated

    one = UsageInfo(input_tokens=10, output_tokens=2, cost_usd=0.5)
    events: list[Event] = [
        UsageUpdated(turn=one, session=one),
        UsageUpdated(agent_path=("a",), turn=one, session=one + one),
        UsageUpdated(agent_path=("a", "b"), turn=one, session=one + one + one),
    ]
    assert usage_by_persona(events, "root") == {"root": one, "a": one, "b": one}
