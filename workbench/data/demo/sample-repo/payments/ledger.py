"""An append-only ledger of successful charges."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    order_id: str
    charge_id: str
    amount_cents: int
    currency: str


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)

    def record(self, entry: Entry) -> None:
        if any(e.order_id == entry.order_id for e in self.entries):
            raise ValueError(f"order {entry.order_id} is already in the ledger")
        self.entries.append(entry)

    def total_cents(self, currency: str) -> int:
        return sum(e.amount_cents for e in self.entries if e.currency == currency)
