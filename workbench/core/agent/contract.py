"""Checking a final answer against a persona's output contract (seed 002: seven mandated headings, in order)."""

from __future__ import annotations

import re

from workbench.core.events import ContractReport
from workbench.core.personas.model import OutputContract


def _position(pattern: str, heading: str, text: str) -> int | None:
    try:
        found = re.search(pattern, text, re.MULTILINE | re.IGNORECASE)
    except re.error:  # a bad pattern from a persona file: fall back to the heading text itself
        found = re.search(re.escape(heading), text, re.IGNORECASE)
    return found.start() if found else None


def check_contract(contract: OutputContract, text: str) -> ContractReport:
    """Which headings the answer lacks, and whether the present ones come in the mandated order."""
    positions: list[int] = []
    missing: list[str] = []
    patterns = list(contract.patterns) + [re.escape(h) for h in contract.headings[len(contract.patterns) :]]
    for heading, pattern in zip(contract.headings, patterns, strict=False):
        where = _position(pattern, heading, text)
        if where is None:
            missing.append(heading)
        else:
            positions.append(where)
    in_order = not contract.ordered or positions == sorted(positions)
    return ContractReport(required=tuple(contract.headings), missing=tuple(missing), in_order=in_order)


def restructure_prompt(report: ContractReport) -> str:
    """The follow-up prompt a UI may offer (opt-in) when an answer misses its contract: one request, never forced."""
    sections = "\n".join(f"{n}. {heading}" for n, heading in enumerate(report.required, 1))
    missing = ", ".join(report.missing) or "none"
    order = "" if report.in_order else " Some sections are out of order."
    return (
        "Please restructure your last answer to follow the mandated output structure, with these sections as "
        f"headings, in this order:\n{sections}\nMissing: {missing}.{order} Keep the content; do not run tools."
    )
