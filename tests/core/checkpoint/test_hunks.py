"""Per-hunk approval of an edit: the user accepts one hunk of two; the file gets exactly that one, and the
model is told which hunk was rejected, with its text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.agent.helpers import ScriptedApprover
from workbench.core.agent.builtin import builtin_persona
from workbench.core.agent.client import make_client
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import Decision
from workbench.core.events import ApprovalRequested, ToolCallFinished
from workbench.core.tools.hunks import apply_selected, hunks, split_diff
from workbench.testing import MessagesPeer, reply, text, tool_use

LINES = "".join(f"line {n}\n" for n in range(1, 31))
EDITS = [
    {"old_string": "line 2\n", "new_string": "line two\n"},
    {"old_string": "line 27\n", "new_string": "line twenty-seven\n"},
]


async def test_one_hunk_accepted_one_rejected(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "notes.txt").write_text(LINES)
    script = [
        reply(tool_use("Read", {"file_path": "notes.txt"})),
        reply(tool_use("MultiEdit", {"file_path": "notes.txt", "edits": EDITS}, id="toolu_edit")),
        reply(text("Understood.")),
    ]
    approver = ScriptedApprover([Decision(allow=True, hunks=(1,))])
    with MessagesPeer(script) as peer:
        client = make_client(api_key="k", base_url=peer.url)
        session = AgentSession.create(ws, builtin_persona(), approver=approver, client=client)
        events = [e async for e in session.run_turn("rename two lines")]
        requests = peer.message_requests
        await session.aclose()
    asked = [e.request for e in events if isinstance(e, ApprovalRequested)]
    assert len(asked) == 1 and asked[0].diff is not None
    assert len(split_diff(asked[0].diff)[1]) == 2  # the card shows two hunks
    assert (ws / "notes.txt").read_text() == LINES.replace("line 2\n", "line two\n")
    finished = next(e for e in events if isinstance(e, ToolCallFinished) and e.tool == "MultiEdit")
    assert not finished.is_error
    result = next(
        block
        for block in requests[2].messages[-1]["content"]
        if block.get("type") == "tool_result" and block["tool_use_id"] == "toolu_edit"
    )
    said = result["content"] if isinstance(result["content"], str) else json.dumps(result["content"])
    assert "applied hunk(s) 1 of 2" in said and "rejected hunk(s) 2" in said
    assert "-line 27\n+line twenty-seven" in said  # the rejected text, so the model can continue sensibly
    assert "line two" not in said.split("--- rejected hunk", 1)[1]


def test_apply_selected_keeps_only_the_chosen_hunks() -> None:
    new = LINES.replace("line 2\n", "line two\n").replace("line 27\n", "")
    assert len(hunks(LINES, new)) == 2
    assert apply_selected(LINES, new, {2}) == LINES.replace("line 27\n", "")
    assert apply_selected(LINES, new, {1, 2}) == new
    assert apply_selected(LINES, new, set()) == LINES


async def test_a_changed_file_is_not_partly_written(tmp_path: Path) -> None:
    """The hunks the user chose belong to the diff on the card: if the file changed meanwhile, nothing is written."""
    from workbench.core.tools.context import ToolContext
    from workbench.core.tools.edit import MultiEdit

    (tmp_path / "notes.txt").write_text(LINES)
    ctx = ToolContext(tmp_path)
    ctx.settings = type(ctx.settings)(require_read_before_edit=False)
    tool = MultiEdit()
    args = {"file_path": "notes.txt", "edits": EDITS}
    preview = await tool.preview(args, ctx)
    changed = LINES.replace("line 3\n", "line 3 (edited by someone)\n")
    (tmp_path / "notes.txt").write_text(changed)
    try:
        await tool.run_selected(args, ctx, (1,), preview.diff)
    except Exception as exc:
        assert "changed after the approval card was shown" in str(exc)
    else:
        raise AssertionError("a stale selection was written")
    assert (tmp_path / "notes.txt").read_text() == changed
