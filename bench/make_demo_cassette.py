"""Record the bundled demo cassette: the real agent loop, the bundled backend-architect persona, scripted model turns.

    .venv/bin/python bench/make_demo_cassette.py [--out PATH]

The model side is a `MessagesPeer` playing the turns below; everything else is real: `AgentSession` builds the
requests, tools run on a fresh demo workspace (prepare_demo_workspace), every approval is granted, and a
`RecordingTransport` writes the cassette. Each turn after a tool call checks the live tool result it was sent
(the edit applied, the tests passed), so a recording that would tell a story the tools did not is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402

from workbench.config import Config  # noqa: E402
from workbench.core.approvals import ApprovalRequest, Decision  # noqa: E402
from workbench.core.events import ApprovalRequested, ErrorEvent, ToolCallFinished, TurnDone  # noqa: E402
from workbench.core.replay import RecordingTransport, load_cassette  # noqa: E402
from workbench.demo import CASSETTE, DEMO_PROMPT, demo_persona, prepare_demo_workspace  # noqa: E402
from workbench.testing import MessagesPeer, Reply, reply, text, tool_use  # noqa: E402

FINAL_ANSWER = """\
The double charge came from the retry helper, not the gateway. It is fixed with one line in `payments/retry.py`,
and all 8 tests pass.

### 1. Summary

`retry_call` accepted `retry_on=(TransientGatewayError,)` but caught every `Exception`, so a final `CardDeclined`
was retried like a timeout, and each retry was a new charge attempt. It now retries only the types in `retry_on`.
Next, make idempotency a property of the store, not a convention, so no future retry bug can move money twice.

### 2. Context

- `payments/service.py`: `PaymentService.charge` derives the key `order-<id>`, calls the gateway through
  `retry_call`, and maps `CardDeclined` to a failed `ChargeResult`. It relies on the decline arriving at once.
- `payments/retry.py`: bounded exponential backoff (0.2 s, doubling, 3 attempts).
- `payments/ledger.py`: an in-memory, append-only ledger that refuses a second entry per order.
- `INCIDENTS.md`: order 1003 shows three attempts after a decline; `tests/` had two failing decline tests.

### 3. Design

```
web ──> PaymentService.charge(order_id, amount_cents)
           ├─> retry_call(gateway.charge, retry_on=(TransientGatewayError,))  ──> card network
           └─> Ledger.record(Entry)          one entry per order
```

`POST /orders/{orderId}/charge` with `{"amount_cents": 2500, "currency": "EUR"}` and an `Idempotency-Key`:

- `201 {"status": "charged", "charge_id": "ch_order-1001"}`
- `402 {"status": "declined", "reason": "do not honor"}`: final, never retried
- `409 {"status": "exists", "charge_id": "ch_order-1001"}`: the order was already charged
- `503 {"status": "retry_later"}`: transient failures used up the retry budget

### 4. Data model

```sql
CREATE TABLE ledger_entries (
    order_id      TEXT PRIMARY KEY,              -- one charge per order, enforced by the store
    charge_id     TEXT NOT NULL UNIQUE,
    amount_cents  BIGINT NOT NULL CHECK (amount_cents > 0),
    currency      CHAR(3) NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_by_currency ON ledger_entries (currency, created_at);
```

Migration: create the table, backfill from the in-memory ledger's export, then switch `Ledger.record` to insert.

### 5. Trade-offs

- **Retry only what is listed** rather than everything except known-final errors: a new error type is final until
  someone decides otherwise. That fails safe for money, at the cost of an occasional missed retry.
- **Idempotency in the database** rather than in process memory: it survives restarts and concurrent workers.
  It costs one indexed write on the hot path, which the gateway round trip dwarfs.
- **Synchronous charging** rather than a queue: simpler to reason about at this size. A queue earns its keep
  once gateway latency starts holding web workers.

### 6. Risks and rollout

- **Failure modes:** a gateway that reports declines as 5xx would now be retried (correctly, by its own
  contract); watch for it. A timeout after the gateway charged is safe only because the key is reused.
- **Observability:** log every attempt with order id, attempt number and outcome class; alert when a decline is
  ever retried (now zero) or when transient failures exceed 2% of attempts.
- **Rollout:** the fix is backwards compatible; ship it alone first. Roll back by reverting the one-line commit.

### 7. Next steps

1. Add a test that a timeout after a successful gateway charge does not create a second ledger entry.
2. Move the ledger to the table above and make `record` an insert that returns the existing entry on conflict.
"""


def _todos(*states: str) -> dict[str, Any]:
    items = [
        ("Read the incident report and the payment path", "Reading the incident report and the payment path"),
        ("Find where retry decisions are made", "Finding where retry decisions are made"),
        ("Fix the retry policy so declines are final", "Fixing the retry policy"),
        ("Run the test suite", "Running the test suite"),
        ("Write the architecture review", "Writing the architecture review"),
    ]
    return {"todos": [{"content": c, "status": s, "activeForm": a} for (c, a), s in zip(items, states, strict=True)]}


def _last_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    content = body["messages"][-1]["content"]
    return [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]


def _result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, list):
        return "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return str(content)


def _after_ok(next_reply: Reply, must_contain: str = "") -> Any:
    """A turn that first checks every tool result it was sent succeeded (and mentions `must_contain`)."""

    def check(body: dict[str, Any]) -> Reply:
        results = _last_results(body)
        failed = [_result_text(r)[:300] for r in results if r.get("is_error")]
        if not results or failed:
            raise RuntimeError(f"a demo tool call failed: {failed or 'no tool results'}")
        if must_contain and not any(must_contain in _result_text(r) for r in results):
            raise RuntimeError(f"expected {must_contain!r} in the tool results: {[_result_text(r) for r in results]}")
        return next_reply

    return check


def turns() -> list[Any]:
    p = 8  # small delta pieces make the replay stream visibly
    return [
        reply(
            text("I'll lay out a plan first, then read the incident report and the retry code."),
            tool_use("TodoWrite", _todos("in_progress", "pending", "pending", "pending", "pending")),
            piece=p,
        ),
        _after_ok(
            reply(
                text("Reading the new incident and the retry helper the service uses."),
                tool_use("Read", {"file_path": "INCIDENTS.md"}),
                tool_use("Read", {"file_path": "payments/retry.py"}),
                piece=p,
            )
        ),
        _after_ok(
            reply(
                text(
                    "Found a likely cause: `retry_call` takes `retry_on=(TransientGatewayError,)` but its `except` "
                    "clause catches every `Exception`, so a `CardDeclined` is retried like a timeout. "
                    "Let me check who relies on it."
                ),
                tool_use("Grep", {"pattern": "retry_call|retry_on|CardDeclined", "output_mode": "content", "-n": True}),
                piece=p,
            ),
            must_contain="retry_on",
        ),
        _after_ok(
            reply(
                text("`PaymentService.charge` expects `CardDeclined` to reach it on the first attempt."),
                tool_use("Read", {"file_path": "payments/service.py"}),
                tool_use("TodoWrite", _todos("completed", "completed", "in_progress", "pending", "pending")),
                piece=p,
            ),
            must_contain="service.py",
        ),
        _after_ok(
            reply(
                text("The fix is one line: catch only the types in `retry_on`. This edit needs your approval."),
                tool_use(
                    "Edit",
                    {
                        "file_path": "payments/retry.py",
                        "old_string": "        except Exception:\n",
                        "new_string": "        except retry_on:\n",
                    },
                ),
                piece=p,
            ),
            must_contain="except CardDeclined",
        ),
        _after_ok(
            reply(
                text("Now the test suite, which has two tests covering declines."),
                tool_use("Bash", {"command": "python3 -m unittest -v", "description": "Run the unit tests"}),
                tool_use("TodoWrite", _todos("completed", "completed", "completed", "in_progress", "pending")),
                piece=p,
            )
        ),
        _after_ok(
            reply(
                text("All 8 tests pass, including both decline tests that failed before. Writing up the review."),
                tool_use("TodoWrite", _todos("completed", "completed", "completed", "completed", "completed")),
                piece=p,
            ),
            must_contain="OK",
        ),
        _after_ok(reply(text(FINAL_ANSWER), piece=12)),
    ]


class ApproveAll:
    async def decide(self, request: ApprovalRequest) -> Decision:
        return Decision(allow=True, reason="approved while recording the demo", by="user")


async def record(out: Path, persona_path: Path | None = None) -> int:
    from workbench.core.agent.client import make_client
    from workbench.core.agent.session import AgentSession

    with tempfile.TemporaryDirectory(prefix="workbench-demo-build-") as tmp:
        os.environ["WORKBENCH_HOME"] = str(Path(tmp) / "home")  # no user config, no user sessions
        workspace = prepare_demo_workspace(Path(tmp) / "ledgerline")
        script = turns()
        with MessagesPeer(script) as peer:
            transport = RecordingTransport(httpx2.AsyncHTTPTransport(), out, note="workbench demo: backend-architect")
            client = make_client(api_key="sk-ant-demo-recording", base_url=peer.url, transport=transport)
            session = AgentSession.create(
                workspace, demo_persona(persona_path), approver=ApproveAll(), client=client, config=Config()
            )
            asked: list[str] = []
            finished: list[ToolCallFinished] = []
            done: TurnDone | None = None
            async for event in session.run_turn(DEMO_PROMPT):
                if isinstance(event, ApprovalRequested):
                    asked.append(event.request.tool)
                elif isinstance(event, ToolCallFinished):
                    finished.append(event)
                elif isinstance(event, ErrorEvent):
                    print(f"error: {event.kind}: {event.message}", file=sys.stderr)
                elif isinstance(event, TurnDone):
                    done = event
            await client.close()
            left = peer.pending
    if done is None or done.stop_reason != "end_turn" or left:
        print(f"recording failed: stop={done.stop_reason if done else None}, turns left={left}", file=sys.stderr)
        return 1
    records = load_cassette(out)
    print(f"wrote {out} ({len(records)} exchanges, {out.stat().st_size} bytes)")
    print(f"tools run: {[f.tool for f in finished]}; approvals asked: {asked}")
    print(json.dumps({"messages": [r["request"]["messages"] for r in records]}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CASSETTE, help=f"cassette to write (default {CASSETTE})")
    parser.add_argument("--persona", type=Path, help="persona file (default: the bundled backend-architect)")
    args = parser.parse_args()
    return asyncio.run(record(args.out, args.persona))


if __name__ == "__main__":
    raise SystemExit(main())
