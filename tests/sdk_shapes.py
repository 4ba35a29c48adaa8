"""Asserting what a failed stream *is*, whichever way the installed SDK reports it.

anthropic 2.16 lets httpx2's mid-stream errors through raw; 2.17 wraps them in its own `APIConnectionError` or
`APITimeoutError` with the raw error as `__cause__`. Tests state the behaviour (the transport error underneath and
the failure kind the loop sees), never one release's exception layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anthropic
import httpx2
import pytest

from workbench.core.agent.retry import Failure, classify


def transport_error(exc: BaseException) -> httpx2.TransportError | None:
    """The httpx2 error at the bottom of `exc` (itself, or the cause the SDK wrapped), if there is one."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx2.TransportError):
            return seen
        seen = seen.__cause__
    return None


@contextmanager
def raises_transport(kind: type[httpx2.TransportError], failure_kind: str) -> Iterator[list[Failure]]:
    """The block fails with an httpx2 `kind` error, raw or wrapped by the SDK, that the loop classifies as
    `failure_kind` and retries. Yields a list that holds the classification once the block has raised."""
    found: list[Failure] = []
    with pytest.raises((kind, anthropic.APIConnectionError)) as info:
        yield found
    underneath = transport_error(info.value)
    assert isinstance(underneath, kind), f"expected {kind.__name__} underneath, got {info.value!r}"
    failure = classify(info.value)
    assert failure is not None and failure.kind == failure_kind and failure.retryable, failure
    found.append(failure)
