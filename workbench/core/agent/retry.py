"""One app-level retry policy around a whole request, and the classification of every way a request fails.

The SDK only retries before the body starts; a stream that fails midway surfaces as a raw httpx2 error, an
`APIStatusError` with status 200 (an SSE `event: error`), or silently as a message with `stop_reason` None.
Nothing is committed to the history until a message is complete, so retrying the whole request is safe.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterable, AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import anthropic
    import httpx2

    from workbench.config_sections import AgentSection

RESPONSE_DEADLINE_S = 600.0
T = TypeVar("T")
STILL_FAILING = "It kept failing after several retries: try again in a few minutes."
AGAIN_LATER = "Still rate limited after retries: wait a minute or lower concurrency, then run again."


class TruncatedStream(Exception):
    """The stream ended without `message_stop` (a close-framed body cut short): the message is incomplete."""


class ResponseDeadline(Exception):
    """A response took longer in total than the deadline, though each read came within the read timeout."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the response took longer than {seconds:g} s")
        self.seconds = seconds


async def within(deadline: float | None, seconds: float | None, step: Awaitable[T]) -> T:
    """Await one step of a response (connecting, the next event, the final message) under its deadline
    (`loop.time()` based); only awaits are timed, never the consumer's handling between them."""
    if deadline is None or seconds is None:
        return await step
    try:
        async with asyncio.timeout_at(deadline):
            return await step
    except TimeoutError:
        raise ResponseDeadline(seconds) from None


async def paced(items: AsyncIterable[T], deadline: float | None, seconds: float | None) -> AsyncIterator[T]:
    """The items of a stream, each waited for under the response's deadline."""
    iterator = aiter(items)
    while True:
        try:
            item = await within(deadline, seconds, anext(iterator))
        except StopAsyncIteration:
            return
        yield item


@dataclass(frozen=True)
class Failure:
    kind: str  # auth | permission | bad_request | spend_limit | rate_limit | overloaded | server | connection | ...
    message: str
    hint: str
    retryable: bool
    status_code: int | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    retry_after_cap_s: float = 60.0
    response_deadline_s: float | None = RESPONSE_DEADLINE_S  # a whole response, whatever the read timeout; None: none

    def deadline(self) -> float | None:
        """When a response started now must be complete, on the event loop's clock."""
        if self.response_deadline_s is None:
            return None
        return asyncio.get_running_loop().time() + self.response_deadline_s

    @classmethod
    def from_config(cls, section: AgentSection) -> RetryPolicy:
        """Read `[agent]` keys: retry_max, retry_base_s, retry_max_delay_s, retry_after_cap_s, response_deadline_s
        (0 turns the deadline off)."""
        default = cls()

        def num(value: float | None, fallback: float) -> float:
            return float(value) if value is not None and value >= 0 else float(fallback)

        return cls(
            max_retries=int(num(section.retry_max, default.max_retries)),
            base_delay_s=num(section.retry_base_s, default.base_delay_s),
            max_delay_s=num(section.retry_max_delay_s, default.max_delay_s),
            retry_after_cap_s=num(section.retry_after_cap_s, default.retry_after_cap_s),
            response_deadline_s=num(section.response_deadline_s, RESPONSE_DEADLINE_S) or None,
        )

    def delay(self, retry_number: int, failure: Failure) -> float:
        """Seconds to wait before retry `retry_number` (1-based): retry-after (capped) or jittered backoff."""
        if failure.retry_after_s is not None and failure.retry_after_s > 0:
            return min(failure.retry_after_s, self.retry_after_cap_s)
        backoff: float = min(self.base_delay_s * 2.0 ** (retry_number - 1), self.max_delay_s)
        return backoff * (1 - 0.25 * random.random())


def _retry_after(headers: httpx2.Headers | None) -> float | None:
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import datetime as dt

    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _status_failure(exc: anthropic.APIStatusError) -> Failure:
    code = exc.status_code
    etype = exc.type or ""
    error_code = exc.error_code or ""
    detail = exc.api_message or str(exc)
    headers = exc.response.headers if code != 200 else None
    after = _retry_after(headers)
    if "spend_limit" in error_code or etype == "billing_error" or code == 402:
        return Failure(
            "spend_limit",
            f"spend limit or billing problem: {detail}",
            "Check billing and spend limits in the Anthropic Console, then run again.",
            False,
            code,
        )
    if code == 401 or etype == "authentication_error":
        return Failure(
            "auth",
            f"authentication failed: {detail}",
            "Check ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN); for a local server set ANTHROPIC_BASE_URL.",
            False,
            code,
        )
    if code == 403 or etype == "permission_error":
        return Failure(
            "permission",
            f"permission denied: {detail}",
            "This key may not use this model or feature; try --model with a model your key can use.",
            False,
            code,
        )
    if code == 429 or etype == "rate_limit_error":
        return Failure("rate_limit", f"rate limited: {detail}", AGAIN_LATER, True, code, after)
    if code == 529 or etype == "overloaded_error":
        return Failure("overloaded", f"the API is overloaded: {detail}", STILL_FAILING, True, code, after)
    if code >= 500 or etype == "api_error":
        return Failure("server", f"server error {code}: {detail}", STILL_FAILING, True, code, after)
    if code == 404:
        return Failure(
            "not_found",
            f"not found: {detail}",
            "Check --model and ANTHROPIC_BASE_URL (for Ollama, no /v1 suffix).",
            False,
            code,
        )
    if "prompt is too long" in detail.lower() or "context window" in detail.lower():
        return Failure(
            "context_too_long",
            f"the conversation no longer fits the model's context: {detail}",
            "Start a new session (the transcript stays saved), or choose a model with a larger context.",
            False,
            code,
        )
    if code == 413:
        return Failure(
            "too_large", f"request too large: {detail}", "Start a new session or shorten the input.", False, code
        )
    if code in (408, 409):
        return Failure("server", f"request failed ({code}): {detail}", STILL_FAILING, True, code, after)
    return Failure(
        "bad_request",
        f"the API rejected the request ({code}): {detail}",
        "This is not retried; check the model name and the request, or start a new session.",
        False,
        code,
    )


LOOPBACK_HOSTS = frozenset({"localhost", "::1", "[::1]", "ip6-localhost"})


def _refused_locally(exc: BaseException) -> str | None:
    """The address, when a connection to this machine itself was refused: a configuration error, not a
    transient one (the SDK may wrap httpx2's `ConnectError`, so the cause chain is searched)."""
    import httpx2

    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, httpx2.ConnectError):
        seen = seen.__cause__
    if seen is None:
        return None
    try:
        url = seen.request.url
    except RuntimeError:  # an error raised without a request
        return None
    host = url.host or ""
    if host in LOOPBACK_HOSTS or host.startswith("127."):
        return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
    return None


def classify(exc: BaseException) -> Failure | None:
    """What went wrong and whether retrying the whole request may help; None for errors that are not the API's."""
    import anthropic  # imported already: the request that failed built the client
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        return _status_failure(exc)
    if isinstance(exc, (anthropic.APITimeoutError, httpx2.TimeoutException)):
        return Failure(
            "timeout",
            "the API stopped sending data (read timeout)",
            "Check the network or ANTHROPIC_BASE_URL; a slow local model may need a longer [agent] read_timeout_s.",
            True,
        )
    if isinstance(exc, (anthropic.APIConnectionError, httpx2.TransportError)):
        cause = exc.__cause__ or exc
        local = _refused_locally(exc)
        if local:
            return Failure(
                "connection_refused",
                f"nothing is listening at {local}",
                "Start the local server, or fix ANTHROPIC_BASE_URL (unset it to use the Anthropic API).",
                False,
            )
        return Failure(
            "connection",
            f"connection failed: {type(cause).__name__}: {cause}",
            "Check the network or ANTHROPIC_BASE_URL.",
            True,
        )
    if isinstance(exc, ResponseDeadline):
        return Failure(
            "deadline",
            f"{exc}: the server kept sending, too slowly to finish",
            "Not retried: the same server would be as slow again. A slow local model may need a larger "
            "[agent] response_deadline_s (seconds; 0 turns the deadline off).",
            False,
        )
    if isinstance(exc, TruncatedStream):
        return Failure(
            "truncated",
            "the response stream ended before the message was complete",
            "The stream kept ending early; check the network or proxy, then run again.",
            True,
        )
    if isinstance(exc, anthropic.APIResponseValidationError):
        return Failure(
            "bad_response",
            f"the server sent a response the SDK could not read: {exc}",
            "Check ANTHROPIC_BASE_URL points at a Messages API server.",
            False,
        )
    if isinstance(exc, TypeError) and "authentication" in str(exc).lower():
        from workbench.core.agent.client import CREDENTIALS_HELP

        return Failure("auth", f"no usable credentials: {exc}", CREDENTIALS_HELP, False)
    if isinstance(exc, UnicodeEncodeError):  # our side: text the request could not carry, not the server's fault
        return Failure(
            "client",
            f"the request could not be encoded: {exc}",
            "Text that is not valid Unicode reached the request; the session is saved, please report this.",
            False,
        )
    if isinstance(exc, (ValueError, KeyError, AssertionError)):  # a stream the SDK could not parse
        return Failure(
            "bad_response",
            f"the server's response could not be read: {type(exc).__name__}: {exc}",
            "Check that ANTHROPIC_BASE_URL points at a server that speaks the Anthropic Messages API.",
            False,
        )
    if isinstance(exc, anthropic.AnthropicError):
        return Failure("client", f"{type(exc).__name__}: {exc}", "", False)
    return None
