"""Retry with exponential backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from payments.gateway import TransientGatewayError

T = TypeVar("T")


def retry_call(
    fn: Callable[[], T],
    *,
    attempts: int = 3,
    base_delay: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
    retry_on: tuple[type[Exception], ...] = (TransientGatewayError,),
) -> T:
    """Call `fn` until it succeeds, at most `attempts` times, doubling the delay after each failure.

    Only the exception types in `retry_on` are retried; anything else propagates at once.
    """
    delay = base_delay
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except Exception:
            if attempt == attempts:
                raise
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
