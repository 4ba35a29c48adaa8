"""The Agent Client Protocol (ACP, v1: JSON-RPC over stdio), both ways. docs/acp.md says how to use it.

Everything that knows the protocol lives in this package, so protocol v2 (which drops the client's `fs/*` and
`terminal/*` methods) can follow by changing it alone:

- `wire`: the protocol version, the stdio transport for `workbench acp`, spawning an agent, frame checks.
- `to_acp`: our core events, approval requests and plans as ACP session updates and permission options.
- `agent`: `workbench acp`, a persona as an ACP agent (sessions opened through `workbench.core.assembly`).
- `buffers`: the Read/Edit/Write tools of that agent going through the editor's open buffers (`fs/*`).
- `mcp`: the MCP servers a client passes in `session/new`, started under our trust rules.
- `from_acp`: an external agent's session updates and permission requests as our core events.
- `serve`: the `fs/*` and `terminal/*` requests of an external agent, served by our fenced tools and policy.
- `client`: `--agent acp:COMMAND`, an external agent driven as a session the screen and `workbench run` use.
- `presets`: the known agents (`claude-agent-acp`, `gemini --acp`, `codex-acp`, `opencode acp`).

The SDK (`agent-client-protocol`, import `acp`) is imported only inside these modules, and only once a
command needs it.
"""
