"""MCP servers: their configuration, project trust, and their tools under the workbench's approvals.

Light modules (`config`, `trust`, `names`) import nothing heavy; `manager`, `tool` and `transport` load the
`mcp` SDK, so import them only when servers are actually used. See `integration` for what a session calls.
"""
