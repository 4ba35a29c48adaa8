"""Offline replay and recording of Messages API traffic, as httpx2 transports under the real SDK.

`CassetteTransport` serves recorded responses in order, so the SDK's own SSE parsing, streaming helpers and
error mapping all run; only the model side is recorded, so tool calls still run live against the workspace.
`RecordingTransport` wraps a real transport and writes what passed through as a cassette.

    client = make_client(transport=CassetteTransport("demo.cassette.jsonl", delay=0.01))
    client = make_client(transport=RecordingTransport(httpx2.AsyncHTTPTransport(), "out.cassette.jsonl"))

Cassette format (JSON Lines, UTF-8, one object per line):
- an optional first line `{"kind": "header", "format": "workbench-cassette", "version": 1, ...}`;
- then one `{"kind": "exchange", ...}` per HTTP request, in order:
    "index":    0-based position;
    "request":  a summary, never the body: {"method", "path", "model", "stream", "tools": [names offered],
                "messages": count, "last_user": [block types of the newest user message]};
    "response": {"status": int, "headers": {content-type, request-id, retry-after, retry-after-ms,
                x-should-retry when present}, "body": the raw response text (SSE with its `event:` lines, or JSON)};
    "error":    null, or "ExceptionName: message" when the transfer failed: with a response, the body ended
                early and replay raises the same httpx2 error after it; without one, replay raises it at once.
                A turn cancelled while recording keeps the body that arrived, with a ReadError.
Secrets and ids are scrubbed as they are written: API keys (`sk-ant-...`, `Bearer ...`) become `REDACTED`,
and `msg_`, `toolu_`, `srvtoolu_`, `req_` ids become `<prefix>_rec000001`, ... in order of first appearance
(deterministic, and consistent across the whole cassette). Request headers are never stored.

Replay checks each request against its record: the same path, the same set of tools offered, and the same
number of messages. A mismatch (or running out of records) answers HTTP 400 `invalid_request_error` with a
message starting "cassette:" and `x-should-retry: false`, so the SDK raises a clear `BadRequestError` instead
of the session drifting. A `count_tokens` request with no matching record gets a 404, like a local server.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import httpx2

FORMAT = "workbench-cassette"
VERSION = 1
KEPT_HEADERS = ("content-type", "request-id", "retry-after", "retry-after-ms", "x-should-retry")
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
CANCELLED = "ReadError: the client stopped reading while recording (a cancelled turn)"

_KEY = re.compile(r"sk-ant-[A-Za-z0-9_\-]{4,}")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9_\-\.]+")
_ID = re.compile(r"\b(msg|toolu|srvtoolu|req)_[A-Za-z0-9]{6,}\b")
_TRANSPORT_ERRORS: dict[str, type[httpx2.TransportError]] = {
    cls.__name__: cls
    for cls in (
        httpx2.RemoteProtocolError,
        httpx2.ReadError,
        httpx2.ReadTimeout,
        httpx2.ConnectError,
        httpx2.ConnectTimeout,
        httpx2.WriteError,
        httpx2.PoolTimeout,
    )
}


class CassetteError(ValueError):
    """A cassette file that cannot be read, with the line at fault."""


class Scrubber:
    """Replaces keys and ids deterministically; one instance per cassette keeps ids consistent."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def _id(self, match: re.Match[str]) -> str:
        original = match.group(0)
        if original not in self._ids:
            prefix = match.group(1)
            self._counts[prefix] = self._counts.get(prefix, 0) + 1
            self._ids[original] = f"{prefix}_rec{self._counts[prefix]:06d}"
        return self._ids[original]

    def __call__(self, value: str) -> str:
        value = _KEY.sub("sk-ant-REDACTED", value)
        value = _BEARER.sub(r"\1REDACTED", value)
        return _ID.sub(self._id, value)


def summarize_request(path: str, method: str, body: Any) -> dict[str, Any]:
    """The request summary a cassette stores (and replay compares)."""
    data = body if isinstance(body, dict) else {}
    messages = data.get("messages") if isinstance(data.get("messages"), list) else []
    last_user: list[str] = []
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                last_user = ["text"]
            elif isinstance(content, list):
                last_user = [str(b.get("type", "?")) for b in content if isinstance(b, dict)]
            break
    tools = data.get("tools") if isinstance(data.get("tools"), list) else []
    return {
        "method": method,
        "path": path,
        "model": str(data.get("model", "")),
        "stream": bool(data.get("stream")),
        "tools": [str(t.get("name", "")) for t in tools or [] if isinstance(t, dict)],
        "messages": len(messages or []),
        "last_user": last_user,
    }


def load_cassette(path: Path | str) -> list[dict[str, Any]]:
    """The exchanges of a cassette file, in order; raises CassetteError with the line number when malformed."""
    target = Path(path)
    try:
        lines = target.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(f"cannot read cassette {target}: {exc}") from exc
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise CassetteError(f"{target}:{number}: not JSON ({exc})") from exc
        if not isinstance(record, dict):
            raise CassetteError(f"{target}:{number}: a cassette line must be a JSON object")
        if record.get("kind") == "header":
            if record.get("version", VERSION) > VERSION:
                raise CassetteError(
                    f"{target}:{number}: cassette version {record.get('version')} is newer than {VERSION}"
                )
            continue
        _check_record(record, f"{target}:{number}")
        records.append(record)
    return records


def _check_record(record: dict[str, Any], where: str) -> None:
    response = record.get("response")
    if response is None:
        if not record.get("error"):
            raise CassetteError(f"{where}: an exchange needs a response or an error")
        return
    if not isinstance(response, dict) or not isinstance(response.get("status"), int):
        raise CassetteError(f"{where}: response.status must be an integer")
    if not isinstance(response.get("body", ""), str):
        raise CassetteError(f"{where}: response.body must be text")


def _split_events(body: bytes, chunk: int | None) -> list[bytes]:
    if chunk:
        return [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    parts = body.split(b"\n\n")
    pieces = [p + b"\n\n" for p in parts[:-1]]
    if parts[-1]:
        pieces.append(parts[-1])
    return pieces or [b""]


def _raise_recorded(error: str) -> None:
    name, _, message = error.partition(": ")
    cls = _TRANSPORT_ERRORS.get(name, httpx2.RemoteProtocolError)
    raise cls(message or name)


class _ReplayStream(httpx2.AsyncByteStream):
    def __init__(self, pieces: list[bytes], delay: float, error: str | None) -> None:
        self._pieces = pieces
        self._delay = delay
        self._error = error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, piece in enumerate(self._pieces):
            if self._delay and i:
                await asyncio.sleep(self._delay)
            yield piece
        if self._error:
            _raise_recorded(self._error)


def _json_error(status: int, kind: str, message: str, request: httpx2.Request) -> httpx2.Response:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    headers = {"content-type": "application/json", "x-should-retry": "false"}
    return httpx2.Response(status, headers=headers, content=json.dumps(body).encode(), request=request)


class CassetteTransport(httpx2.AsyncBaseTransport):
    """Serves a cassette's responses in order (see the module docstring).

    Args:
        path_or_records: a cassette file, or its exchanges as dicts (as `load_cassette` returns them).
        delay: seconds between body pieces, for a live typing effect (0: as fast as possible).
        chunk: body piece size in bytes (None: one piece per SSE event).
    """

    def __init__(
        self, path_or_records: Path | str | Iterable[dict[str, Any]], *, delay: float = 0.0, chunk: int | None = None
    ) -> None:
        if isinstance(path_or_records, (str, Path)):
            self.records = load_cassette(path_or_records)
            self.source = str(path_or_records)
        else:
            self.records = [dict(r) for r in path_or_records]
            for i, record in enumerate(self.records):
                _check_record(record, f"record {i}")
            self.source = "<records>"
        self.delay = delay
        self.chunk = chunk
        self.position = 0
        self.seen: list[dict[str, Any]] = []
        self.mismatches: list[str] = []

    @property
    def remaining(self) -> int:
        return len(self.records) - self.position

    @property
    def finished(self) -> bool:
        return self.position >= len(self.records)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raw = await request.aread()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.seen.append(body if isinstance(body, dict) else {})
        summary = summarize_request(request.url.path, request.method, body)
        if self.finished:
            if summary["path"] == COUNT_TOKENS_PATH:
                return _json_error(404, "not_found_error", "cassette: count_tokens was not recorded", request)
            played = len(self.records)
            return self._mismatch(request, f"the recording has ended (all {played} recorded responses were played)")
        record = self.records[self.position]
        recorded = record.get("request") or {}
        if summary["path"] == COUNT_TOKENS_PATH and recorded.get("path") != COUNT_TOKENS_PATH:
            return _json_error(404, "not_found_error", "cassette: count_tokens was not recorded", request)
        problem = self._compare(summary, recorded)
        if problem:
            return self._mismatch(request, problem)
        self.position += 1
        response = record.get("response")
        error = record.get("error")
        if response is None:
            _raise_recorded(str(error))
        assert isinstance(response, dict)  # checked on load
        content = str(response.get("body", "")).encode()
        headers = {str(k): str(v) for k, v in (response.get("headers") or {}).items()}
        stream = _ReplayStream(_split_events(content, self.chunk), self.delay, str(error) if error else None)
        return httpx2.Response(int(response["status"]), headers=headers, stream=stream, request=request)

    def _compare(self, summary: dict[str, Any], recorded: dict[str, Any]) -> str:
        index = self.position
        if recorded.get("path") and recorded["path"] != summary["path"]:
            return f"request {index} went to {summary['path']} but the recording went to {recorded['path']}"
        if "tools" in recorded and set(recorded["tools"]) != set(summary["tools"]):
            extra = sorted(set(summary["tools"]) - set(recorded["tools"]))
            missing = sorted(set(recorded["tools"]) - set(summary["tools"]))
            return f"request {index} offers different tools (extra: {extra}, missing: {missing})"
        if "messages" in recorded and recorded["messages"] != summary["messages"]:
            return (
                f"request {index} carries {summary['messages']} messages but the recording had "
                f"{recorded['messages']}: the conversation took a different path"
            )
        return ""

    def _mismatch(self, request: httpx2.Request, problem: str) -> httpx2.Response:
        message = f"cassette: {problem} (replaying {self.source})"
        self.mismatches.append(message)
        return _json_error(400, "invalid_request_error", message, request)


class _RecordingStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, done: Callable[[bytes, str | None], None]) -> None:
        self._inner = inner
        self._done = done
        self._parts: list[bytes] = []
        self._reported = False

    def _report(self, error: str | None) -> None:
        if not self._reported:
            self._reported = True
            self._done(b"".join(self._parts), error)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._inner:
                self._parts.append(part)
                yield part
        except httpx2.TransportError as exc:
            self._report(f"{type(exc).__name__}: {exc}")
            raise
        self._report(None)

    async def aclose(self) -> None:
        # Closed before the body ended: the reader stopped (a cancelled turn). Keep what arrived, and say so.
        self._report(CANCELLED)
        await self._inner.aclose()


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Forwards to `inner` and writes each exchange to `path` as a cassette line (see the module docstring)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, path: Path | str, *, note: str = "") -> None:
        self.inner = inner
        self.path = Path(path)
        self.scrub = Scrubber()
        self.count = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = {"kind": "header", "format": FORMAT, "version": VERSION}
        if note:
            header["note"] = note
        self.path.write_text(json.dumps(header) + "\n", encoding="utf-8")

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raw = await request.aread()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        summary = summarize_request(request.url.path, request.method, body)
        # Record decoded text: ask for an unencoded body.
        request.headers["accept-encoding"] = "identity"
        try:
            response = await self.inner.handle_async_request(request)
        except httpx2.TransportError as exc:
            self._write(summary, None, f"{type(exc).__name__}: {exc}")
            raise

        def done(content: bytes, error: str | None) -> None:
            kept = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
            recorded = {"status": response.status_code, "headers": kept, "body": content.decode("utf-8", "replace")}
            self._write(summary, recorded, error)

        stream = response.stream
        assert isinstance(stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=_RecordingStream(stream, done),
            request=request,
            extensions=response.extensions,
        )

    def _write(self, summary: dict[str, Any], response: dict[str, Any] | None, error: str | None) -> None:
        record = {"kind": "exchange", "index": self.count, "request": summary, "response": response, "error": error}
        line = self.scrub(json.dumps(record, ensure_ascii=False))
        self.count += 1
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    async def aclose(self) -> None:
        await self.inner.aclose()
