"""`workbench untrust [DIR]`: see workbench/cli/trust.py."""

from __future__ import annotations

from workbench.cli.trust import untrust as main

__all__ = ["main"]
