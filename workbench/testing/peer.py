"""`MessagesPeer`: a local HTTP server that speaks the Anthropic Messages API, for tests, benches and the demo.

It is a stdlib `ThreadingHTTPServer` on 127.0.0.1 (a free port) running in a background thread, so sync tests,
async tests, Textual pilots and subprocesses (through `ANTHROPIC_BASE_URL`) can all talk to it.

    from workbench.testing import MessagesPeer, reply, text, tool_use, thinking, status, cut, sse_error, stall

    with MessagesPeer([reply(text("Reading it."), tool_use("Read", {"file_path": "a.py"})),
                       status(529, retry_after=0.01),
                       reply("Done.")]) as peer:
        client = AsyncAnthropic(api_key="k", base_url=peer.url, max_retries=0)
        ...
        assert peer.requests[0].tool_names() == ["Read", "Grep"]

Endpoints
- POST /v1/messages: takes the next scripted turn from the queue (one per request). `"stream": true` gets SSE with
  `event:` lines (message_start, [ping], content_block_start/delta/stop per block, message_delta with stop_reason
  and cumulative usage, message_stop), chunked transfer encoding; otherwise one JSON Message.
  With no turn left it answers 500 `api_error` "peer: no scripted turn left" with `x-should-retry: false`.
- POST /v1/messages/count_tokens: `{"input_tokens": N}` (N = prompt bytes / 4), or 404 `not_found_error` when
  the peer was made with `count_tokens=False`. It never consumes a turn.
- anything else: 404.

Scripted turns (builders in `workbench.testing.script`, re-exported here)
- `text(s)`, `thinking(s, signature=None)`, `tool_use(name, input, id=None)`: content blocks. Text and thinking
  stream as deltas of `piece` characters; thinking ends with a `signature_delta`; tool input streams as
  `input_json_delta` pieces of its JSON. Tool ids default to deterministic `toolu_peer...` ids.
- `reply(*blocks, stop_reason=None, usage=None, chunk_size=None, delay=0.0, ping=False, model=None, piece=12)`:
  stop_reason None means `tool_use` when a block is a tool call, else `end_turn`; `usage` overrides the computed
  fields; `chunk_size` re-cuts the body into writes of that many bytes (default: one write per event); `delay`
  sleeps between writes. A plain str among the blocks is a text block.
- `status(code, retry_after=None, body=None, error_type=None, headers=None)`: an HTTP error with the API's JSON
  error body (error type from the code: 429 rate_limit_error, 529 overloaded_error, 500 api_error, ...).
- `cut(after_bytes, framing="chunked"|"close", reply=None)`: the reply stops after `after_bytes` body bytes and the
  connection closes. Chunked: the SDK raises `httpx2.RemoteProtocolError`. Close-framed: no error at all, the SDK
  returns a truncated message with `stop_reason=None`.
- `sse_error(after_events, type="overloaded_error", message="Overloaded", reply=None)`: HTTP 200, the first
  `after_events` SSE events, then `event: error`; the SDK raises `APIStatusError` with status_code 200 and `.type`.
  For a non-streaming request it answers HTTP 529 with that error type.
- `stall(after_bytes, seconds, reply=None)`: the body pauses after `after_bytes` bytes (a client read timeout shorter
  than `seconds` raises `httpx2.ReadTimeout`), then continues if the client is still there.
- A turn may be a callable `(request_body: dict) -> turn` for dynamic scripts; if it raises, the peer answers 500.

Usage realism: each request's input is split by `workbench.testing.cache.PromptCache` into cache read (the longest
prefix, up to a `cache_control` breakpoint, that is byte-identical to a prefix an earlier request marked), cache
creation (the rest up to the last breakpoint) and plain input; tokens are bytes / 4. `peer.reset_cache()` forgets.
`MessagesPeer(min_cache_tokens=1024)` ignores breakpoints before that many tokens, as the API does.

Inspection: `peer.requests` (every request, in order) and `peer.message_requests` (POST /v1/messages only) are
`PeerRequest`s with `path`, `headers` (lower-case keys), `body` (parsed JSON or None), `raw`, `started`/`finished`
(perf_counter seconds), `outcome`, `cache` (a `CacheUsage`), and helpers `tool_names()`, `system_text()`,
`cache_control_positions()`, `messages`, `model`, `stream`. `peer.pending` is the number of turns left;
`peer.push(*turns)` adds more; `peer.wait_for(n, timeout)` blocks until n requests have been fully answered.
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from workbench.testing.cache import CacheUsage, PromptCache, breakpoint_locations, prompt_blocks
from workbench.testing.script import (
    Cut,
    Fault,
    Reply,
    SseError,
    Stall,
    Status,
    Turn,
    approx_tokens,
    output_tokens,
    render_events,
    render_message,
    sse_event,
)

NO_TURN_MESSAGE = "peer: no scripted turn left"


@dataclass
class PeerRequest:
    """One request the peer received, and how it answered."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any] | None
    started: float
    finished: float = 0.0
    outcome: str = ""
    cache: CacheUsage | None = None
    client_gone: bool = False

    @property
    def model(self) -> str:
        return str((self.body or {}).get("model", ""))

    @property
    def stream(self) -> bool:
        return bool((self.body or {}).get("stream"))

    @property
    def messages(self) -> list[dict[str, Any]]:
        found = (self.body or {}).get("messages") or []
        return [m for m in found if isinstance(m, dict)]

    @property
    def duration(self) -> float:
        return max(0.0, self.finished - self.started) if self.finished else 0.0

    def tool_names(self) -> list[str]:
        return [str(t.get("name", "")) for t in (self.body or {}).get("tools") or [] if isinstance(t, dict)]

    def system_text(self) -> str:
        system = (self.body or {}).get("system")
        if isinstance(system, str):
            return system
        if isinstance(system, list):
            return "\n".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
        return ""

    def cache_control_positions(self) -> list[str]:
        return breakpoint_locations(self.body or {})


def _error_body(kind: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    peer: MessagesPeer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a cancelled turn, a timeout) is normal here; anything else is the peer's bug.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or self.peer._stopping.is_set():
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small SSE writes must not wait for delayed ACKs (~40 ms each)
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `peer.requests` instead
        return

    def setup(self) -> None:
        super().setup()
        self.server.peer._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.peer._track(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.peer._serve(self)

    def do_GET(self) -> None:
        self.server.peer._serve(self)

    # -- writing helpers used by the peer --

    def send_json(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def start_body(self, content_type: str, framing: str, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("cache-control", "no-cache")
        for name, value in headers.items():
            self.send_header(name, value)
        if framing == "chunked":
            self.send_header("transfer-encoding", "chunked")
        else:
            self.send_header("connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()

    def write_piece(self, data: bytes, framing: str) -> None:
        if not data:
            return
        if framing == "chunked":
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self.wfile.write(data)
        self.wfile.flush()

    def end_body(self, framing: str) -> None:
        if framing == "chunked":
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def drop(self) -> None:
        """Close the connection now, without ending the body."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _split(writes: list[bytes], chunk_size: int | None) -> list[bytes]:
    if chunk_size is None or chunk_size <= 0:
        return writes
    joined = b"".join(writes)
    return [joined[i : i + chunk_size] for i in range(0, len(joined), chunk_size)]


def _truncate(writes: list[bytes], limit: int) -> tuple[list[bytes], list[bytes]]:
    """Split the writes at byte `limit`: (before, after)."""
    before: list[bytes] = []
    after: list[bytes] = []
    used = 0
    for piece in writes:
        if used >= limit:
            after.append(piece)
        elif used + len(piece) <= limit:
            before.append(piece)
        else:
            keep = limit - used
            before.append(piece[:keep])
            after.append(piece[keep:])
        used += len(piece)
    return before, after


class MessagesPeer:
    """A scripted Messages API server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        turns: Iterable[Turn] = (),
        *,
        count_tokens: bool = True,
        min_cache_tokens: int = 0,
        host: str = "127.0.0.1",
    ) -> None:
        self.count_tokens = count_tokens
        self._host = host
        self._turns: deque[Turn] = deque(turns)
        self._requests: list[PeerRequest] = []
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        self._cache = PromptCache(min_cache_tokens)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._message_ids = itertools.count(1)
        self._tool_ids = itertools.count(1)
        self._request_ids = itertools.count(1)

    # -- lifecycle --

    def start(self) -> MessagesPeer:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self._host, 0), _Handler)
        server.peer = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MessagesPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the peer is not running; call start() or use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- script and log --

    def push(self, *turns: Turn) -> None:
        with self._lock:
            self._turns.extend(turns)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._turns)

    @property
    def requests(self) -> list[PeerRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def message_requests(self) -> list[PeerRequest]:
        return [r for r in self.requests if r.path == "/v1/messages"]

    def reset_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[PeerRequest]:
        """Block until `count` requests have been fully answered; raises TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._answered:
            while sum(1 for r in self._requests if r.finished) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"peer: {count} answered requests expected, saw {len(self._requests)}")
                self._answered.wait(left)
            return list(self._requests)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- serving --

    def _serve(self, h: _Handler) -> None:
        started = time.perf_counter()
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length > 0 else b""
        path = h.path.split("?", 1)[0]
        body: dict[str, Any] | None = None
        try:
            parsed = json.loads(raw) if raw else None
            body = parsed if isinstance(parsed, dict) else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in h.headers.items()}
        record = PeerRequest(h.command, path, headers, raw, body, started)
        with self._lock:
            self._requests.append(record)
        try:
            self._route(h, record)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            record.client_gone = True
            h.close_connection = True
        finally:
            with self._answered:
                record.finished = time.perf_counter()
                self._answered.notify_all()

    def _route(self, h: _Handler, record: PeerRequest) -> None:
        if h.command != "POST" or record.path not in ("/v1/messages", "/v1/messages/count_tokens"):
            record.outcome = "not found"
            h.send_json(404, _error_body("not_found_error", f"peer: no route for {h.command} {record.path}"))
            return
        if record.body is None:
            record.outcome = "bad json"
            h.send_json(400, _error_body("invalid_request_error", "peer: the request body is not a JSON object"))
            return
        if record.path == "/v1/messages/count_tokens":
            self._count_tokens(h, record)
            return
        with self._lock:
            turn = self._turns.popleft() if self._turns else None
            record.cache = self._cache.account(record.body)
        if turn is None:
            record.outcome = "no turn"
            h.send_json(500, _error_body("api_error", NO_TURN_MESSAGE), {"x-should-retry": "false"})
            return
        if callable(turn):
            try:
                turn = turn(record.body)
            except Exception as exc:  # a broken dynamic script must answer, never hang the client
                record.outcome = "script error"
                message = f"peer: scripted callable failed: {type(exc).__name__}: {exc}"
                h.send_json(500, _error_body("api_error", message), {"x-should-retry": "false"})
                return
        if not isinstance(turn, (Reply, Status, Cut, SseError, Stall)):
            record.outcome = "script error"
            message = f"peer: a scripted turn must be a reply or a fault, not {type(turn).__name__}"
            h.send_json(500, _error_body("api_error", message), {"x-should-retry": "false"})
            return
        self._answer(h, record, turn)

    def _count_tokens(self, h: _Handler, record: PeerRequest) -> None:
        if not self.count_tokens:
            record.outcome = "not found"
            h.send_json(404, _error_body("not_found_error", "peer: count_tokens is not supported here"))
            return
        size = sum(len(data) for data, _, _ in prompt_blocks(record.body or {}))
        record.outcome = "count_tokens"
        h.send_json(200, json.dumps({"input_tokens": (size + 3) // 4}).encode())

    def _request_headers(self) -> dict[str, str]:
        return {"request-id": f"req_peer{next(self._request_ids):020d}"}

    def _answer(self, h: _Handler, record: PeerRequest, turn: Reply | Fault) -> None:
        if isinstance(turn, Status):
            record.outcome = f"status {turn.code}"
            headers = {**self._request_headers(), **turn.headers}
            if turn.retry_after is not None:
                headers["retry-after"] = str(turn.retry_after)
            h.send_json(turn.code, turn.payload(), headers)
            return
        if isinstance(turn, SseError) and not record.stream:
            record.outcome = f"status 529 {turn.type}"
            h.send_json(529, _error_body(turn.type, turn.message), self._request_headers())
            return
        base = turn if isinstance(turn, Reply) else turn.reply
        writes, content_type = self._render(record, base)
        if isinstance(turn, SseError):
            error = {"type": "error", "error": {"type": turn.type, "message": turn.message}}
            writes = [*writes[: turn.after_events], sse_event("error", error)]
        writes = _split(writes, base.chunk_size)
        framing = turn.framing if isinstance(turn, Cut) else "chunked"
        h.start_body(content_type, framing, self._request_headers())
        if isinstance(turn, Cut):
            before, _ = _truncate(writes, turn.after_bytes)
            self._write_all(h, before, framing, base.delay)
            record.outcome = f"cut {framing} after {turn.after_bytes}"
            h.drop()
            return
        if isinstance(turn, Stall):
            before, after = _truncate(writes, turn.after_bytes)
            self._write_all(h, before, framing, base.delay)
            record.outcome = f"stall {turn.seconds}s after {turn.after_bytes}"
            if self._stopping.wait(turn.seconds):
                h.drop()
                return
            writes = after
        elif isinstance(turn, SseError):
            record.outcome = f"sse_error {turn.type} after {turn.after_events}"
        else:
            record.outcome = "reply"
        self._write_all(h, writes, framing, base.delay)
        h.end_body(framing)

    def _write_all(self, h: _Handler, writes: list[bytes], framing: str, delay: float) -> None:
        for i, piece in enumerate(writes):
            if delay and i and self._stopping.wait(delay):
                h.drop()
                return
            h.write_piece(piece, framing)

    def _render(self, record: PeerRequest, r: Reply) -> tuple[list[bytes], str]:
        body = record.body or {}
        model = r.model or str(body.get("model") or "claude-peer")
        usage = {"output_tokens": output_tokens(r)}
        usage.update(record.cache.usage_fields() if record.cache else {"input_tokens": 0})
        usage.update(r.usage or {})
        message_id = f"msg_peer{next(self._message_ids):016d}"
        ids: Iterator[str] = (f"toolu_peer{next(self._tool_ids):014d}" for _ in itertools.count())
        if record.stream:
            return render_events(r, message_id=message_id, model=model, usage=usage, ids=ids), "text/event-stream"
        return [render_message(r, message_id=message_id, model=model, usage=usage, ids=ids)], "application/json"


__all__ = ["NO_TURN_MESSAGE", "MessagesPeer", "PeerRequest", "approx_tokens"]
