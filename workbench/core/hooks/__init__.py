"""Claude Code hooks: commands from the settings files that run at fixed points of a session.

`config` reads them (the user's always, a project's only once it is trusted), `runner` runs them (JSON on stdin,
exit codes and JSON decisions read as Claude Code reads them, a timeout on every command), and `session` is what
a session, its tool gate and the compaction step call: `SessionHooks.run(event, payload, target=...)`.
"""
