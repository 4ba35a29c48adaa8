"""Cost from usage: a price table per model family, in US dollars per million tokens.

Cache writes (5-minute TTL) cost 1.25x input and cache reads 0.1x input. Models that match no family (local
servers, unknown ids) cost nothing and are reported as unpriced. `[pricing]` in the config file overrides a
family or adds a model: `[pricing."claude-foo"] input = 2.0, output = 10.0`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.events import UsageInfo

CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


@dataclass(frozen=True)
class Price:
    input: float  # $ per million input tokens
    output: float  # $ per million output tokens


# Longest prefix wins. Figures follow the published list prices per family; newer ids inherit their family's.
PRICES: dict[str, Price] = {
    "claude-opus-4-0": Price(15.0, 75.0),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-opus": Price(5.0, 25.0),
    "claude-mythos": Price(15.0, 75.0),
    "claude-fable": Price(5.0, 25.0),
    "claude-sonnet": Price(3.0, 15.0),
    "claude-haiku-4": Price(1.0, 5.0),
    "claude-haiku": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
}


def price_for(model: str, overrides: dict[str, Any] | None = None) -> Price | None:
    table = dict(PRICES)
    for name, entry in (overrides or {}).items():
        if isinstance(entry, dict):
            try:
                table[str(name)] = Price(float(entry["input"]), float(entry["output"]))
            except (KeyError, TypeError, ValueError):
                continue
    best = max((k for k in table if model.startswith(k)), key=len, default=None)
    return table[best] if best else None


def cost_usd(model: str, usage: UsageInfo, overrides: dict[str, Any] | None = None) -> float:
    price = price_for(model, overrides)
    if price is None:
        return 0.0
    per = 1_000_000
    return (
        usage.input_tokens * price.input / per
        + usage.cache_creation_input_tokens * price.input * CACHE_WRITE_FACTOR / per
        + usage.cache_read_input_tokens * price.input * CACHE_READ_FACTOR / per
        + usage.output_tokens * price.output / per
    )


def usage_from_sdk(usage: Any, model: str, overrides: dict[str, Any] | None = None) -> UsageInfo:
    """A UsageInfo (with cost) from the SDK's Usage; missing cache fields (local servers) count as 0."""
    base = UsageInfo(
        input_tokens=int(getattr(usage, "input_tokens", 0) or 0),
        output_tokens=int(getattr(usage, "output_tokens", 0) or 0),
        cache_read_input_tokens=int(getattr(usage, "cache_read_input_tokens", 0) or 0),
        cache_creation_input_tokens=int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
    )
    return UsageInfo(
        input_tokens=base.input_tokens,
        output_tokens=base.output_tokens,
        cache_read_input_tokens=base.cache_read_input_tokens,
        cache_creation_input_tokens=base.cache_creation_input_tokens,
        cost_usd=cost_usd(model, base, overrides),
    )
