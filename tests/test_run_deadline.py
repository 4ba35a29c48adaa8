"""A total deadline per model response: a server that drips its answer a few bytes at a time, each under the read
timeout, no longer keeps a turn waiting for ever."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, write_config
from workbench import headless
from workbench.config import Config
from workbench.config_sections import AgentSection
from workbench.core.agent.retry import RetryPolicy
from workbench.core.session_store import SessionStore
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text

DRIP = reply(text("A slow answer that keeps coming. " * 12), chunk_size=4, delay=0.1)  # ~40 bytes/s for ~2 minutes


async def test_a_dripping_response_ends_at_the_deadline(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_env, "[agent]\nread_timeout_s = 0.5\nretry_base_s = 0.01\nresponse_deadline_s = 1.5\n")
    repo = git_repo(tmp_path / "repo")
    with MessagesPeer([DRIP, DRIP]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out = io.StringIO()
        began = time.monotonic()
        code = await headless.run(RunOptions(prompt="go", cwd=repo, output_format="json"), out, io.StringIO())
        elapsed = time.monotonic() - began
        requests = len(peer.message_requests)
    result = json.loads(out.getvalue())
    assert code == 1 and elapsed < 6, (code, elapsed)
    assert requests == 1  # not retried: the same server would drip again for as long
    [error] = result["errors"]
    assert error["kind"] == "deadline" and error["retryable"] is False
    assert "1.5 s" in error["message"] and "response_deadline_s" in error["hint"]
    loaded = SessionStore(repo).load(result["session_id"])
    assert [m["role"] for m in loaded.messages] == ["user"]  # nothing half-received was kept
    assert loaded.events[-1].type == "turn_done"


def test_the_deadline_is_configurable_and_defaults_to_ten_minutes() -> None:
    assert RetryPolicy().response_deadline_s == 600.0
    assert RetryPolicy.from_config(AgentSection(response_deadline_s=30)).response_deadline_s == 30.0
    assert RetryPolicy.from_config(AgentSection(response_deadline_s=0)).response_deadline_s is None  # 0: none
    assert RetryPolicy.from_config(AgentSection()).response_deadline_s == 600.0
    assert Config(data={"agent": {"response_deadline_s": 45}}).agent.response_deadline_s == 45.0
