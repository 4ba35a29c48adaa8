"""The UI-free core: personas, tools, approvals, the agent loop, sessions, the repo model.

Nothing under this package imports Textual or Rich (an import-linter contract and a test enforce it).
"""
