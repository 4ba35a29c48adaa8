"""An OS sandbox under every shell command, and resource limits for them. UI-free.

    sandbox = Sandbox(workspace, SandboxSettings.from_config(config.section("sandbox")))
    launch = sandbox.launch("pytest -q", cwd=..., env=..., network=False)
    proc = await asyncio.create_subprocess_exec(*launch.argv, env=launch.env, preexec_fn=launch.preexec, ...)
    ...
    launch.close()

Kinds, in the order `mode = "auto"` tries them: bubblewrap (Linux, namespaces), Landlock (Linux LSM),
Seatbelt (macOS `sandbox-exec`); none when the machine offers none (the status bar, `workbench run` and
`workbench doctor` say so). The rules, whatever enforces them: the workspace and a private tmp are
writable, everything else read-only; secret files and the workbench's own folders are unreadable; control
files stay read-only; no network unless the command's approval granted it. `report.describe` says exactly
what the chosen kind does and does not confine (docs/sandbox.md has the same per platform).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.core.sandbox.runtime import Launch, Sandbox, SandboxError, choose
    from workbench.core.sandbox.settings import ResourceLimits, SandboxSettings

__all__ = ["Launch", "ResourceLimits", "Sandbox", "SandboxError", "SandboxSettings", "choose"]

# Each name loads its module when first used: the commands read `settings.ENV` before the screen loads, and
# that must not load every kind of sandbox (about 20 ms).
_WHERE = {
    "Launch": "runtime",
    "Sandbox": "runtime",
    "SandboxError": "runtime",
    "choose": "runtime",
    "ResourceLimits": "settings",
    "SandboxSettings": "settings",
}

__getattr__ = lazy_attributes(__name__, globals(), _WHERE)
