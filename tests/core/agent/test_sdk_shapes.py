"""The loop understands a failed stream in either shape the SDK has used: httpx2's raw error (anthropic 2.16)
or the SDK's own wrapper with the raw error as its cause (2.17). Both are built here, so both stay covered
whichever release the lock installs."""

from __future__ import annotations

import io
import json
import socket
import time
from pathlib import Path

import anthropic
import httpx2
import pytest

from tests.core.agent.helpers import git_repo
from workbench import headless
from workbench.core.agent.retry import classify
from workbench.headless import RunOptions

REQUEST = httpx2.Request("POST", "https://api.example.test/v1/messages")


def _wrapped(raw: httpx2.TransportError) -> anthropic.APIConnectionError:
    wrapper: anthropic.APIConnectionError
    if isinstance(raw, httpx2.TimeoutException):
        wrapper = anthropic.APITimeoutError(request=raw.request)
    else:
        wrapper = anthropic.APIConnectionError(message=f"Connection failed: {raw}", request=raw.request)
    wrapper.__cause__ = raw
    return wrapper


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (httpx2.RemoteProtocolError("incomplete chunked read", request=REQUEST), "connection"),
        (httpx2.ReadError("connection reset", request=REQUEST), "connection"),
        (httpx2.ReadTimeout("timed out", request=REQUEST), "timeout"),
        (httpx2.ConnectError("[Errno 111] Connection refused", request=REQUEST), "connection"),
    ],
    ids=["cut", "reset", "stall", "refused-remote"],
)
@pytest.mark.parametrize("shape", ["raw-2.16", "wrapped-2.17"])
def test_each_sdk_shape_is_the_same_retried_failure(raw: httpx2.TransportError, kind: str, shape: str) -> None:
    exc: BaseException = raw if shape == "raw-2.16" else _wrapped(raw)
    failure = classify(exc)
    assert failure is not None and failure.kind == kind and failure.retryable


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/v1/messages", "http://localhost:11434/v1/messages"])
@pytest.mark.parametrize("shape", ["raw-2.16", "wrapped-2.17"])
def test_a_refused_local_server_is_a_set_up_error_not_retried(url: str, shape: str) -> None:
    raw = httpx2.ConnectError("[Errno 111] Connection refused", request=httpx2.Request("POST", url))
    failure = classify(raw if shape == "raw-2.16" else _wrapped(raw))
    assert failure is not None and failure.kind == "connection_refused" and not failure.retryable
    assert url.rsplit("/v1", 1)[0] in failure.message and "ANTHROPIC_BASE_URL" in failure.hint


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_run_against_a_closed_local_port_fails_fast(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    out, err = io.StringIO(), io.StringIO()
    began = time.perf_counter()
    code = await headless.run(RunOptions(prompt="hi", cwd=repo, output_format="json"), out, err)
    took = time.perf_counter() - began
    result = json.loads(out.getvalue())
    assert code == 1 and took < 3, took
    assert [e["kind"] for e in result["errors"]] == ["connection_refused"]
    assert "nothing is listening" in result["errors"][0]["message"]
