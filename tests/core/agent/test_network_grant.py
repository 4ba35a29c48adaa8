"""The gate tells a tool it may use the network only when the policy granted it or the user approved a request
that showed it; the model's own `network: true` argument never does."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from tests.core.agent.helpers import ScriptedApprover
from tests.core.policy.conftest import make_persona
from workbench.core.agent.calls import CallGate
from workbench.core.approvals import Decision, DenyAll
from workbench.core.events import ToolCallFinished
from workbench.core.policy.engine import PolicyEngine
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.rules import RuleSet
from workbench.core.tools.base import CallPreview, Tool, ToolKind, ToolResult


class NetProbe(Tool):
    """Stands in for Bash: records the `network` it was given."""

    name = "Bash"
    description = "run"
    input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {"command": {"type": "string"}}}
    kind = ToolKind.EXEC

    def __init__(self) -> None:
        self.given: list[bool] = []

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        return CallPreview(summary=f"Run: {args['command']}", command=args["command"])

    async def run(self, args: dict[str, Any], ctx: Any, *, network: bool = False) -> ToolResult:
        self.given.append(network)
        return ToolResult(content="ran")


def policy(root: Path, tmp: Path, *, allow: list[str], mode: str = "default") -> PolicyEngine:
    rules = RuleSet.from_lists(workspace=root, allow=allow, origin="test")
    engine = PolicyEngine(root, mode=mode, rules=rules, persona=make_persona(),
                          ledger=GrantLedger(tmp / "g.json", workspace=root),
                          bypass_allowed=mode == "bypassPermissions")  # fmt: skip
    engine.network_gate = True
    return engine


async def call(gate: CallGate, args: dict[str, Any]) -> ToolCallFinished:
    events = [e async for e in gate.execute("c1", "Bash", args)]
    last = events[-1]
    assert isinstance(last, ToolCallFinished)
    return last


async def test_network_only_through_an_approval_or_a_rule(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    probe = NetProbe()
    approver = ScriptedApprover([Decision(allow=True), Decision(allow=False, reason="no")])

    def gate(engine: PolicyEngine, who: Any = approver) -> CallGate:
        return CallGate({"Bash": probe}, policy=engine, approver=who, context=None)

    # the model asks for the network on a command that is otherwise allowed: the user is asked, and says yes
    open_gate = gate(policy(root, tmp_path, allow=["Bash(*)"]))
    assert not (await call(open_gate, {"command": "python3 x.py", "network": True})).is_error
    assert approver.asked[-1].network and probe.given == [True]
    # then says no: nothing runs
    assert (await call(open_gate, {"command": "python3 x.py", "network": True})).is_error and probe.given == [True]
    # without asking for it: runs offline
    await call(open_gate, {"command": "python3 x.py"})
    assert probe.given == [True, False]
    # bypass mode, headless: a network request is denied, not granted
    bypass = gate(policy(root, tmp_path, allow=["Bash(*)"], mode="bypassPermissions"), DenyAll())
    assert (await call(bypass, {"command": "curl https://example.com"})).is_error and len(probe.given) == 2
    # a Network rule grants it without asking
    ruled = gate(policy(root, tmp_path, allow=["Bash(*)", "Network(curl:*)"]))
    await call(ruled, {"command": "curl https://example.com"})
    assert probe.given == [True, False, True] and len(approver.asked) == 2
