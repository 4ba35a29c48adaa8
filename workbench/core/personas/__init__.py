"""Persona files: loading, dialects, tool names, grants and policies."""
