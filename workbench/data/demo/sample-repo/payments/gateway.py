"""The card gateway client. The real one talks HTTP; tests script its answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class GatewayError(Exception):
    """Anything the gateway reports."""


class TransientGatewayError(GatewayError):
    """A timeout or a 5xx from the gateway: safe to retry with the same idempotency key."""


class CardDeclined(GatewayError):
    """The issuer refused the charge. Final: retrying cannot change the answer."""


@dataclass(frozen=True)
class Charge:
    charge_id: str
    amount_cents: int
    currency: str


class Gateway:
    """Sends charges; `send` is injectable so tests can script failures."""

    def __init__(self, send: Callable[[str, int, str], Charge]) -> None:
        self._send = send
        self.calls = 0

    def charge(self, idempotency_key: str, amount_cents: int, currency: str) -> Charge:
        self.calls += 1
        return self._send(idempotency_key, amount_cents, currency)
