"""workbench: a terminal workbench for AI agent personas."""

__version__ = "0.1.0"
