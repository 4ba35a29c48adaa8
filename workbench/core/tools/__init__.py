"""Canonical tools, fenced to the workspace."""
