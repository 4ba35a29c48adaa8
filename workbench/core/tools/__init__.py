"""Canonical tools, fenced to the workspace.

    from workbench.core.tools.registry import build_registry
    from workbench.core.tools.context import ToolContext

    registry = build_registry(network=False)       # Read LS Glob Grep ReadManyFiles Write Edit MultiEdit Bash
    ctx = ToolContext(workspace)                    #   TodoWrite [WebFetch] SaveMemory
    tool = registry.get("Edit")
    preview = await tool.preview(args, ctx)         # no side effects: paths, diff, command, url for the policy
    result = await tool.run(args, ctx)              # re-checks the fence; ToolError = refused, with a reason

Modules: `base` (the contract), `fence` (paths), `limits` (sizes, caps, special files), `context` (the
session's ToolContext and read tracker), `read`/`listing`/`grep` (+ `grep_py`, `walk`) for reading,
`edit` for writing, `bash`, `plan` (TodoWrite), `web`, `memory` (SaveMemory), `adapters` (other dialects'
arguments), `registry`.
"""
