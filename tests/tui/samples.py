"""Sample repositories and event sequences shared by the TUI tests, the screenshots and the benches."""

from __future__ import annotations

import subprocess
from pathlib import Path

from workbench.core.approvals import ApprovalRequest, SegmentVerdict, Verdict
from workbench.core.events import (
    AssistantText,
    Event,
    PlanItem,
    PlanUpdated,
    TextDelta,
    ToolCallFinished,
    ToolCallReady,
    TurnDone,
    TurnStarted,
    UsageInfo,
    UsageUpdated,
)
from workbench.core.models import session_model

PAYMENTS = '''"""Payments client."""


class PaymentClient:
    def __init__(self, gateway):
        self.gateway = gateway

    def charge(self, amount):
        for attempt in range(5):
            try:
                return self.gateway.charge(amount)
            except Exception:
                continue
        raise RuntimeError("charge failed")

    def refund(self, charge_id):
        return self.gateway.refund(charge_id)


def backoff_delay(attempt):
    return min(30, 2 ** attempt)
'''


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def make_repo(root: Path, name: str = "myservice") -> Path:
    """A small git repo with one modified, one added and one untracked file."""
    repo = root / name
    (repo / "src").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "src" / "payments.py").write_text(PAYMENTS)
    (repo / "src" / "retry.py").write_text("def retry(fn, attempts=5):\n    return fn()\n")
    (repo / "tests" / "test_payments.py").write_text("def test_charge():\n    assert True\n")
    (repo / "README.md").write_text("# myservice\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init")
    (repo / "src" / "payments.py").write_text(PAYMENTS.replace("range(5)", "range(3)"))
    (repo / "src" / "backoff.py").write_text("def delay(n):\n    return n\n")
    git(repo, "add", "src/backoff.py")
    (repo / "NOTES.txt").write_text("scratch\n")
    return repo


PLAN_MID = (
    PlanItem(content="Map the payments flow", status="completed"),
    PlanItem(content="Find retry call sites", status="completed"),
    PlanItem(content="Propose new policy", status="in_progress", active_form="Proposing a new policy"),
    PlanItem(content="Edit retry.py", status="pending"),
    PlanItem(content="Run the tests", status="pending"),
)

EDIT_DIFF = """--- a/src/retry.py
+++ b/src/retry.py
@@ -40,7 +40,9 @@
     def charge(self, amount):
-        for attempt in range(5):
+        for attempt in range(policy.max_attempts):
+            if not policy.retryable(exc):
+                raise
             try:
                 return self.gateway.charge(amount)"""

EDIT_REQUEST = ApprovalRequest(
    id="req-edit-1",
    call_id="toolu_edit_1",
    tool="Edit",
    input={"file_path": "src/retry.py", "old_string": "range(5)", "new_string": "range(policy.max_attempts)"},
    summary="Edit src/retry.py",
    reason="Edit asks in default mode",
    diff=EDIT_DIFF,
    proposals={"session": "Edit(src/retry.py)", "project": "Edit(src/retry.py)"},
)

SHELL_REQUEST = ApprovalRequest(
    id="req-bash-1",
    call_id="toolu_bash_1",
    tool="Bash",
    input={"command": 'pytest -q && git commit -am "retry policy"'},
    summary="Run: pytest -q && git commit -am …",
    reason="persona rule: git needs approval",
    rule="persona:git-approval",
    command='pytest -q && git commit -am "retry policy"',
    command_visible='pytest -q && git commit -am "retry policy"',
    segments=(
        SegmentVerdict("pytest -q", "pytest -q", Verdict.ALLOW, "Bash(pytest:*)", "allowed by a session grant"),
        SegmentVerdict(
            'git commit -am "retry policy"',
            'git commit -am "retry policy"',
            Verdict.ASK,
            "persona:git-approval",
            "asks: persona rule (git needs approval)",
            program="git",
        ),
    ),
    proposals={"session": "Bash(pytest:*)"},
    rememberable=False,
)

NETWORK_REQUEST = ApprovalRequest(
    id="req-bash-2",
    call_id="toolu_bash_2",
    tool="Bash",
    input={"command": "npm install left-pad"},
    summary="Run: npm install left-pad",
    reason="asks: network access (npm install reaches the network)",
    command="npm install left-pad",
    command_visible="npm install left-pad",
    segments=(
        SegmentVerdict(
            "npm install left-pad", "npm install left-pad", Verdict.ALLOW, "Bash(npm install:*)", "", program="npm"
        ),
    ),
    rememberable=False,
    network="npm install reaches the network",
)

NO_SANDBOX = "no OS sandbox: shell commands run unconfined (bwrap is not installed; Landlock is not available)"

USAGE = UsageInfo(
    input_tokens=2356, output_tokens=1900, cache_read_input_tokens=10044, cache_creation_input_tokens=0, cost_usd=0.031
)


def first_turn() -> list[Event]:
    """Prompt, two reads, a test run and a streamed answer (deltas, then the full text)."""
    answer = (
        "The retry loop in `charge()` retries on **every** exception (E1:9), including card declines.\n\n"
        "I propose a `RetryPolicy` with a bounded number of attempts and a `retryable()` check."
    )
    events: list[Event] = [
        TurnStarted(
            turn=1, prompt="Review the payments module and propose a safer retry policy.", persona_id="b", model="m"
        ),
        ToolCallReady(call_id="c1", tool="Read", input={"file_path": "src/payments.py"}, summary="src/payments.py"),
        ToolCallFinished(
            call_id="c1",
            tool="Read",
            input={"file_path": "src/payments.py"},
            output=PAYMENTS,
            is_error=False,
            duration_ms=12,
            files_read=("src/payments.py",),
        ),
        ToolCallFinished(
            call_id="c2",
            tool="Grep",
            input={"pattern": "retry(", "path": "src/"},
            output="src/payments.py:9\nsrc/retry.py:1",
            is_error=False,
            duration_ms=31,
        ),
        ToolCallFinished(
            call_id="c3",
            tool="Bash",
            input={"command": "pytest -q tests/test_payments.py"},
            output="14 passed in 1.92s",
            is_error=False,
            duration_ms=2100,
            exit_code=0,
        ),
        PlanUpdated(items=PLAN_MID),
    ]
    for i in range(0, len(answer), 7):
        events.append(TextDelta(text=answer[i : i + 7]))
    events.append(AssistantText(text=answer))
    events.append(UsageUpdated(turn=USAGE, session=USAGE, model=session_model("sonnet")))  # what the app resolves
    events.append(TurnDone(stop_reason="end_turn", final_text=answer, usage=USAGE, session_id="7f3a9c2e"))
    return events


REWIND_PROMPTS = (
    "Add a retry policy module",
    "Use the policy in retry.py",
    "Retry card declines too",
)


def small_turn(number: int) -> list[Event]:
    """Turn `number` (1-3) of a short session that a rewind then cuts back: a shell command, an answer."""
    prompt = REWIND_PROMPTS[number - 1]
    command = ("touch src/policy.py", "sed -i s/3/MAX/ src/retry.py", "sed -i s/Decline// src/retry.py")[number - 1]
    answer = ("Added `src/policy.py`.", "`retry.py` now reads the policy.", "Declines are retried now.")[number - 1]
    return [
        TurnStarted(turn=number, prompt=prompt, persona_id="b", model="m"),
        ToolCallFinished(
            call_id=f"r{number}",
            tool="Bash",
            input={"command": command},
            output="",
            is_error=False,
            duration_ms=40,
            exit_code=0,
        ),
        AssistantText(text=answer),
        TurnDone(stop_reason="end_turn", final_text=answer, usage=USAGE, session_id="7f3a9c2e"),
    ]
