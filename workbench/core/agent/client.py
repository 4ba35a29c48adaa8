"""Building the SDK client, and telling the user how to configure credentials before the first request."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.quietgc import freeze, quiet_gc
from workbench.paths import command

if TYPE_CHECKING:  # the SDK takes seconds to import: only pay for it when a client is built
    import anthropic
    import httpx2

# A silent stall must raise (httpx2.ReadTimeout) rather than hang: the real API pings every few seconds.
READ_TIMEOUT_S = 90.0
CONNECT_TIMEOUT_S = 10.0

# Local servers (Ollama, llama.cpp, vLLM, LiteLLM) ignore the key but the SDK needs one to build its header.
LOCAL_PLACEHOLDER_KEY = "workbench-local"
MISSING_KEY = "workbench-no-credentials"

# Lines fit the chat pane of an 80-column terminal (76 cells), so no command wraps there.
CREDENTIALS_HELP = f"""No Anthropic credentials found. Set one of:
  export ANTHROPIC_API_KEY=sk-ant-...                 # the Anthropic API
  export ANTHROPIC_BASE_URL=http://localhost:11434    # Ollama >= 0.14
  export ANTHROPIC_BASE_URL=http://localhost:8080     # llama.cpp server
  export ANTHROPIC_BASE_URL=http://localhost:8000     # vLLM
  export ANTHROPIC_BASE_URL=http://localhost:4000     # LiteLLM proxy
A local server's URL takes no /v1 suffix; a proxy's own key goes in
ANTHROPIC_API_KEY.
`{command("demo")}` runs offline with no credentials."""


def _timeout(read_s: float) -> httpx2.Timeout:
    import httpx2

    return httpx2.Timeout(read_s, connect=CONNECT_TIMEOUT_S)


def make_client(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    timeout: float = READ_TIMEOUT_S,
) -> anthropic.AsyncAnthropic:
    """An AsyncAnthropic with SDK retries off (the loop retries whole requests) and a read timeout.

    `transport` replaces the network (a replay cassette, a recorder around a real transport, a test transport).
    With a base URL but no key, a placeholder key is sent: local servers accept anything.
    """
    import_sdk()
    import anthropic
    import httpx2

    base = base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
    key = api_key
    has_env_credentials = bool(
        os.environ.get("ANTHROPIC_API_KEY")
        or os.environ.get("ANTHROPIC_AUTH_TOKEN")
        or os.environ.get("ANTHROPIC_PROFILE")
    )
    if key is None and not has_env_credentials and (base or transport is not None):
        key = LOCAL_PLACEHOLDER_KEY
    http_client = None
    if transport is not None:
        http_client = httpx2.AsyncClient(transport=transport, timeout=_timeout(timeout))
    try:
        return anthropic.AsyncAnthropic(
            api_key=key, base_url=base, max_retries=0, timeout=_timeout(timeout), http_client=http_client
        )
    except anthropic.CredentialsError:
        # No usable credentials: build the client anyway so a session can open and explain the problem
        # (see credentials_status) instead of crashing here.
        return anthropic.AsyncAnthropic(
            api_key=MISSING_KEY, base_url=base, max_retries=0, timeout=_timeout(timeout), http_client=http_client
        )


class LazyClient:
    """The SDK client, built when the first request needs it: importing the SDK takes over a second, and a
    session opened to show its transcript, or one never sent a prompt, does not need it."""

    def __init__(self, build: Callable[[], anthropic.AsyncAnthropic]) -> None:
        self._build: Callable[[], anthropic.AsyncAnthropic] | None = build
        self._client: anthropic.AsyncAnthropic | None = None

    @classmethod
    def of(cls, client: anthropic.AsyncAnthropic | LazyClient) -> LazyClient:
        """`client` as a LazyClient (one built already is simply held)."""
        if isinstance(client, LazyClient):
            return client
        held = cls(lambda: client)
        held.get()
        return held

    def get(self) -> anthropic.AsyncAnthropic:
        if self._client is None:
            assert self._build is not None
            self._client, self._build = self._build(), None
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


# The SDK's aiohttp transport is an optional extra the workbench never uses; when aiohttp is installed anyway,
# importing it costs about 100 ms and 10 MB. The SDK treats a failed import of it as the extra being absent.
_AIOHTTP_TRANSPORT = "anthropic._vendor.httpx_aiohttp"


def import_sdk() -> None:
    """The SDK, imported once at the lowest cost: without its aiohttp transport, the garbage collector held off
    while it loads, and what it loaded frozen out of later collections. Every import of it goes through here
    first (a UI calls it in a thread once its first screen is drawn; `workbench run` as it starts)."""
    loaded = sys.modules.get("anthropic")
    if loaded is not None and getattr(loaded, "AsyncAnthropic", None) is not None:
        return  # loaded (a module still loading in another thread has no client class yet: wait for it below)
    with quiet_gc():
        if _AIOHTTP_TRANSPORT not in sys.modules:  # None there makes its import fail (documented by importlib)
            sys.modules[_AIOHTTP_TRANSPORT] = None  # type: ignore[assignment]
        try:
            import anthropic
        except ImportError:  # an SDK that needs the transport after all: import it whole
            if sys.modules.get(_AIOHTTP_TRANSPORT, False) is not None:
                raise
            for name in [n for n in sys.modules if n == "anthropic" or n.startswith("anthropic.")]:
                del sys.modules[name]
            import anthropic  # noqa: F401
        freeze()


_background: threading.Thread | None = None


def import_sdk_in_background() -> threading.Thread:
    """Start importing the SDK in a thread (once per process): the work done meanwhile (git, the sandbox probe,
    a person typing) mostly waits, and the import fills those waits. A failure is left for the first request
    to report. A daemon thread: exiting never waits for it."""
    global _background

    def load() -> None:
        with contextlib.suppress(Exception):
            import_sdk()

    if _background is None:
        _background = threading.Thread(target=load, name="import-sdk", daemon=True)
        _background.start()
    return _background


def credentials_status() -> tuple[bool, str]:
    """(ok, message): whether a request could authenticate, and if not, how to fix it."""
    base = os.environ.get("ANTHROPIC_BASE_URL")
    if os.environ.get("ANTHROPIC_API_KEY"):
        where = f" at {base}" if base else ""
        return True, f"using ANTHROPIC_API_KEY{where}"
    if os.environ.get("ANTHROPIC_AUTH_TOKEN"):
        return True, "using ANTHROPIC_AUTH_TOKEN"
    if base:
        return True, f"using the server at ANTHROPIC_BASE_URL={base} (no key sent)"
    if os.environ.get("ANTHROPIC_PROFILE"):
        return True, f"using the Anthropic profile {os.environ['ANTHROPIC_PROFILE']!r}"
    if not _maybe_profile():
        return False, CREDENTIALS_HELP
    import_sdk()
    import anthropic

    try:
        probe = anthropic.AsyncAnthropic(max_retries=0)
    except Exception as exc:  # a broken profile file: say so rather than crash
        return False, f"Anthropic credentials could not be read: {exc}\n{CREDENTIALS_HELP}"
    if probe.api_key or probe.auth_token or getattr(probe, "credentials", None):
        return True, "using the active Anthropic profile"
    return False, CREDENTIALS_HELP


def _maybe_profile() -> bool:
    """Whether the SDK might find a profile or federation credentials (checked cheaply, without importing it)."""
    if any(k.startswith("ANTHROPIC_") and k != "ANTHROPIC_CONFIG_DIR" and v for k, v in os.environ.items()):
        return True
    configured = os.environ.get("ANTHROPIC_CONFIG_DIR")
    folder = Path(configured) if configured else Path.home() / ".config" / "anthropic"
    configs = folder / "configs"
    return (folder / "active_config").is_file() or (configs.is_dir() and any(configs.iterdir()))
