"""PaymentService.charge: the one entry point the web layer calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from payments.gateway import CardDeclined, Gateway
from payments.ledger import Entry, Ledger
from payments.retry import retry_call


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    charge_id: str | None = None
    reason: str = ""


class PaymentService:
    def __init__(self, gateway: Gateway, ledger: Ledger, *, sleep: Callable[[float], None] | None = None) -> None:
        self.gateway = gateway
        self.ledger = ledger
        self._sleep = sleep

    def charge(self, order_id: str, amount_cents: int, currency: str = "EUR") -> ChargeResult:
        if amount_cents <= 0:
            return ChargeResult(ok=False, reason="amount must be positive")
        key = f"order-{order_id}"
        kwargs = {"sleep": self._sleep} if self._sleep else {}
        try:
            charge = retry_call(lambda: self.gateway.charge(key, amount_cents, currency), **kwargs)
        except CardDeclined as exc:
            return ChargeResult(ok=False, reason=f"declined: {exc}")
        self.ledger.record(Entry(order_id, charge.charge_id, amount_cents, currency))
        return ChargeResult(ok=True, charge_id=charge.charge_id)
