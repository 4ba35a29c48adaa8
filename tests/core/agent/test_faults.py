"""Every way a request can fail ends in a completed turn (after retries) or one clear error, history intact."""

from __future__ import annotations

import pytest

from tests.core.agent.helpers import harness
from workbench.core.agent.retry import RetryPolicy
from workbench.core.events import ErrorEvent, RetryCountdown, Retrying, TextDelta
from workbench.testing import MessagesPeer, Turn, cut, reply, sse_error, stall, status, text

ANSWER = "A complete answer after the fault."


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (status(429, retry_after=0.05), "rate limited"),
        (status(529, retry_after=0.05), "overloaded"),
        (status(500), "server error 500"),
        (status(503), "server error 503"),
        (cut(600, "chunked"), "connection failed"),
        (cut(600, "close"), "ended before the message was complete"),
        (sse_error(4, "overloaded_error"), "overloaded"),
        (sse_error(4, "rate_limit_error", "Rate limited"), "rate limited"),
        (stall(500, 3.0), "read timeout"),
    ],
    ids=["429", "529", "500", "503", "cut-chunked", "cut-close", "sse-overloaded", "sse-rate-limit", "stall"],
)
async def test_fault_then_success_completes_the_turn(fault: Turn, reason: str) -> None:
    with MessagesPeer([fault, reply(text(ANSWER))]) as peer:
        async with harness(peer.url, [], read_timeout=0.5) as h:
            events, outcome = await h.turn("go")
            assert len(peer.message_requests) == 2
    retrying = [e for e in events if isinstance(e, Retrying)]
    assert len(retrying) == 1 and reason in retrying[0].reason
    assert outcome.stop_reason == "end_turn" and outcome.final_text == ANSWER
    assert [m["role"] for m in h.history] == ["user", "assistant"]
    assert h.history[1]["content"] == [{"type": "text", "text": ANSWER}]
    assert not any(isinstance(e, ErrorEvent) for e in events)


async def test_retry_after_is_honoured_but_capped_with_a_countdown() -> None:
    policy = RetryPolicy(max_retries=2, base_delay_s=0.01, retry_after_cap_s=0.3)
    with MessagesPeer([status(429, retry_after=3600), reply(text(ANSWER))]) as peer:
        async with harness(peer.url, [], retry=policy) as h:
            events, outcome = await h.turn("go")
            gap = peer.message_requests[1].started - peer.message_requests[0].finished
    retry = next(e for e in events if isinstance(e, Retrying))
    assert retry.delay_s == pytest.approx(0.3)
    assert 0.25 < gap < 3
    countdown = [e for e in events if isinstance(e, RetryCountdown)]
    assert countdown and countdown[0].seconds_left <= 0.3
    assert outcome.final_text == ANSWER


async def test_retry_after_ms_header_is_used() -> None:
    with MessagesPeer([status(529, headers={"retry-after-ms": "40"}), reply(text(ANSWER))]) as peer:
        async with harness(peer.url, []) as h:
            events, _ = await h.turn("go")
    assert next(e for e in events if isinstance(e, Retrying)).delay_s == pytest.approx(0.04)


@pytest.mark.parametrize(
    ("fault", "kind", "hint"),
    [
        (status(400), "bad_request", "not retried"),
        (status(401), "auth", "ANTHROPIC_API_KEY"),
        (status(403), "permission", "--model"),
        (status(402), "spend_limit", "billing"),
        (
            status(
                400,
                body={
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "limit",
                        "details": {"error_code": "enforced_spend_limit_reached"},
                    },
                },
            ),
            "spend_limit",
            "spend limits",
        ),
        (status(404), "not_found", "ANTHROPIC_BASE_URL"),
    ],
    ids=["400", "401", "403", "402", "spend-limit", "404"],
)
async def test_client_errors_are_not_retried_and_say_what_to_do(fault: Turn, kind: str, hint: str) -> None:
    with MessagesPeer([fault, reply(text("never sent"))]) as peer:
        async with harness(peer.url, []) as h:
            events, outcome = await h.turn("go")
            assert len(peer.message_requests) == 1
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1 and errors[0].kind == kind and hint in errors[0].hint
    assert not errors[0].retryable and not any(isinstance(e, Retrying) for e in events)
    assert outcome.stop_reason == "error" and outcome.error == errors[0]
    assert [m["role"] for m in h.history] == ["user"]


async def test_retries_run_out_into_one_clear_error() -> None:
    policy = RetryPolicy(max_retries=2, base_delay_s=0.01)
    with MessagesPeer([cut(900), cut(900), cut(900), reply(text("never"))]) as peer:
        async with harness(peer.url, [], retry=policy) as h:
            events, outcome = await h.turn("go")
            assert len(peer.message_requests) == 3
    assert [e.attempt for e in events if isinstance(e, Retrying)] == [1, 2]
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "connection" and error.retryable
    assert any(isinstance(e, TextDelta) for e in events)  # partial output was shown, then discarded
    assert outcome.stop_reason == "error" and [m["role"] for m in h.history] == ["user"]


async def test_a_server_that_speaks_something_else_is_a_clear_error() -> None:
    body = "event: message_start\ndata: {not json}\n\n"
    with MessagesPeer([status(200, body=body, headers={"content-type": "text/event-stream"})]) as peer:
        async with harness(peer.url, []) as h:
            events, outcome = await h.turn("go")
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "bad_response" and "Messages API" in error.hint
    assert outcome.stop_reason == "error"


async def test_prompt_too_long_says_start_a_new_session() -> None:
    too_long = {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 250000"}}
    with MessagesPeer([status(400, body=too_long)]) as peer:
        async with harness(peer.url, []) as h:
            events, _ = await h.turn("go")
    error = next(e for e in events if isinstance(e, ErrorEvent))
    assert error.kind == "context_too_long" and "new session" in error.hint
