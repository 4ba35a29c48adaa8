"""The audit log: one JSON line per tool call, append-only, file mode 0600, secrets redacted.

Record fields (docs/personas.md): ts_start, duration_ms, session, persona_id, persona_sha256, tool,
tool_alias_used, input, policy{matched, decision, reason}, approval{required, decision, by, scope,
remembered}, outcome{ok, exit_code, error, output_bytes}, files_changed, targets{response_time_ms, exceeded}.
`render_markdown(path)` turns a log into a Markdown table; every value from the call is shown in a code
span with hidden characters made visible, so nothing from a file or the model is rendered as markup.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.core import secrets
from workbench.core.approvals import Decision
from workbench.core.markdown_safe import code_span
from workbench.core.tools.base import ToolResult

MAX_FIELD_CHARS = 4_000
MAX_BYTES = 10_000_000  # a log this large moves aside as `<name>.1` and a new one starts
KEEP = 3  # rotated parts kept: `<name>.1` (newest) to `<name>.3`


def redact_value(value: Any) -> Any:
    """Redact secrets in every string inside `value` (dicts and lists walked), and cap long strings."""
    if isinstance(value, str):
        text = secrets.redact(value)
        if len(text) > MAX_FIELD_CHARS:
            text = text[:MAX_FIELD_CHARS] + f"… [{len(text) - MAX_FIELD_CHARS} more characters]"
        return text
    if isinstance(value, dict):
        return {str(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_value(str(value))


def utc_stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class CallRecord:
    """What the agent loop knows about one finished call; `AuditLog.record` turns it into a line."""

    tool: str
    input: dict[str, Any]
    started: float  # epoch seconds
    duration_ms: int
    decision: str  # policy verdict: allow | ask | deny
    matched: Sequence[str] = ()
    reason: str = ""
    approval: Decision | None = None  # the answer when the call asked
    remembered: bool = False
    result: ToolResult | None = None
    error: str | None = None
    tool_alias_used: str = ""
    response_target_ms: int | None = None


def audit_files(path: Path) -> list[Path]:
    """The parts of a log that exist, oldest first: the rotated `<name>.N` ... `<name>.1`, then `<name>` itself."""
    rotated = []
    for candidate in path.parent.glob(path.name + ".*"):
        suffix = candidate.name[len(path.name) + 1 :]
        if suffix.isdigit():
            rotated.append((int(suffix), candidate))
    parts = [p for _, p in sorted(rotated, reverse=True)]
    return [*parts, path] if path.is_file() else parts


class AuditLog:
    """An append-only JSONL file for one session, rotated by size (`max_bytes`, `keep` parts)."""

    def __init__(
        self,
        path: Path,
        *,
        session: str = "",
        persona_id: str = "",
        persona_sha256: str = "",
        max_bytes: int = MAX_BYTES,
        keep: int = KEEP,
    ) -> None:
        self.path = path
        self.session = session
        self.persona_id = persona_id
        self.persona_sha256 = persona_sha256
        self.max_bytes = max_bytes
        self.keep = keep
        self.errors: list[str] = []
        paths.private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an existing file with wider permissions is narrowed
        finally:
            os.close(fd)

    def append(self, entry: dict[str, Any]) -> None:
        """Write one record as one line. Every string in it is redacted here, whoever built it: the input, the
        policy's reason (it quotes the command), the error."""
        safe = redact_value(entry)
        # ASCII escapes: hidden characters from a command never reach a terminal that shows the file raw
        line = (json.dumps(safe, ensure_ascii=True, separators=(",", ":"), default=str) + "\n").encode()
        try:
            size = self.path.stat().st_size if self.path.exists() else 0
            if size and size + len(line) > self.max_bytes:
                self._rotate()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:  # a full disk must not end the turn; the failure is kept for the UI to show
            self.errors.append(f"{self.path}: a record could not be written ({exc.strerror or exc})")

    def _rotate(self) -> None:
        """`<name>` becomes `<name>.1`, `.1` becomes `.2`, ...; the part past `keep` is dropped."""
        for number in range(self.keep, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if number == self.keep:
                older.unlink(missing_ok=True)
            else:
                newer = self.path.with_name(f"{self.path.name}.{number + 1}")
                if older.exists():
                    os.replace(older, newer)
        if self.keep > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)

    def record(self, call: CallRecord) -> dict[str, Any]:
        """Build the spec's record for `call`, append it, and return it."""
        result = call.result
        approval = call.approval
        required = call.decision == "ask"
        ok = result is not None and not result.is_error and call.error is None
        error = call.error if call.error is not None else (result.content if result and result.is_error else None)
        exceeded = call.response_target_ms is not None and call.duration_ms > call.response_target_ms
        entry: dict[str, Any] = {
            "ts_start": utc_stamp(call.started),
            "duration_ms": int(call.duration_ms),
            "session": self.session,
            "persona_id": self.persona_id,
            "persona_sha256": self.persona_sha256,
            "tool": call.tool,
            "tool_alias_used": call.tool_alias_used or call.tool,
            "input": call.input,
            "policy": {"matched": list(call.matched), "decision": call.decision, "reason": call.reason},
            "approval": {
                "required": required,
                "decision": None if approval is None else ("approved" if approval.allow else "denied"),
                "by": None if approval is None else approval.by,
                "scope": None if approval is None else str(approval.scope),
                "remembered": call.remembered,
            },
            "outcome": {
                "ok": ok,
                "exit_code": None if result is None else result.exit_code,
                "error": error,
                "output_bytes": 0 if result is None else result.output_bytes,
            },
            "files_changed": [] if result is None else list(result.files_changed),
            "targets": {"response_time_ms": call.response_target_ms, "exceeded": exceeded},
        }
        self.append(entry)
        return json.loads(json.dumps(redact_value(entry), default=str))  # type: ignore[no-any-return]


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """All records of a log, and a message for each line that is not a JSON object."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"line {number}: not JSON ({exc.msg})")
                continue
            if isinstance(value, dict):
                records.append(value)
            else:
                problems.append(f"line {number}: not a record")
    return records, problems


def _code(value: Any) -> str:
    """A Markdown code span holding `value` made visible, safe inside a table cell."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return code_span(text, table=True)


def _input_summary(tool: str, value: Any) -> str:
    if isinstance(value, dict):
        for key in ("command", "file_path", "path", "pattern", "url", "fact"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return json.dumps(value, ensure_ascii=False, default=str)


def _section(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def render_markdown(path: Path) -> str:
    """The log at `path` (its rotated parts first) as Markdown: a header and one table row per call."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    try:
        for part in audit_files(path) or [path]:
            found, wrong = read_records(part)
            records += found
            problems += [f"{part.name}: {p}" for p in wrong] if part != path else wrong
    except OSError as exc:
        return f"# Audit log {_code(path.name)}\n\nThe log cannot be read: {_code(exc.strerror or str(exc))}.\n"
    first = records[0] if records else {}
    lines = [f"# Audit log {_code(first.get('session', '')) or _code(path.name)}", ""]
    if first.get("persona_id"):
        lines.append(f"Persona {_code(first['persona_id'])}, sha256 {_code(first.get('persona_sha256', ''))}")
        lines.append("")
    lines.append(f"{len(records)} tool call(s).")
    lines.append("")
    lines.append("| # | Started (UTC) | Tool | Input | Policy | Approval | Outcome | Files changed | ms |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for number, rec in enumerate(records, 1):
        policy = _section(rec, "policy")
        approval = _section(rec, "approval")
        outcome = _section(rec, "outcome")
        targets = _section(rec, "targets")
        matched = ", ".join(str(m) for m in policy.get("matched") or [])
        policy_cell = _code(policy.get("decision", "")) + (f" by {_code(matched)}" if matched else "")
        if approval.get("required"):
            answer = approval.get("decision") or "none"
            approval_cell = f"{_code(answer)} by {_code(approval.get('by') or '?')}"
            approval_cell += f" ({_code(approval.get('scope') or 'once')}"
            approval_cell += ", remembered)" if approval.get("remembered") else ")"
        else:
            approval_cell = "not needed"
        if outcome.get("ok"):
            outcome_cell = "ok"
        else:
            outcome_cell = "failed" + (f": {_code(outcome.get('error'))}" if outcome.get("error") else "")
        if outcome.get("exit_code") is not None:
            outcome_cell += f", exit {_code(outcome['exit_code'])}"
        outcome_cell += f", {int(outcome.get('output_bytes') or 0)} bytes"
        files = ", ".join(_code(f) for f in rec.get("files_changed") or [])
        duration = f"{int(rec.get('duration_ms') or 0)}" + (" (over target)" if targets.get("exceeded") else "")
        tool = str(rec.get("tool", ""))
        cells = [
            str(number),
            _code(rec.get("ts_start", "")),
            _code(tool),
            _code(_input_summary(tool, rec.get("input"))),
            policy_cell,
            approval_cell,
            outcome_cell,
            files,
            duration,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if problems:
        lines.append("")
        lines.append("Lines that could not be read:")
        lines.extend(f"- {_code(p)}" for p in problems)
    return "\n".join(lines) + "\n"
