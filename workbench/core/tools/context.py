"""What a tool call can see of its session: the workspace fence, the read tracker, the plan, settings.

Constructor (keyword arguments after `workspace`):

    ToolContext(
        workspace: Path,                      # the repository; must exist; every path is fenced to it
        settings: ToolSettings | None = None, # network on/off, limits, Bash env, secrets, sandbox, ...
        memory_file: Path | None = None,      # SaveMemory's file; default paths.data_dir() / "memory.md"
        session_id: str = "",
        deny_read: Callable[[str], bool] | None = None,  # rel path -> True when a Read deny rule covers it
    )

`deny_read` lets the policy's `Read(...)` deny rules reach the tools that read many files at once: Grep
leaves such files out of its results and ReadManyFiles skips them (a single Read is judged by the policy
on its preview, as usual).

The context owns the session's sandbox (`self.sandbox`), which every Bash command runs in.

One context lives for one session: the read tracker remembers what the agent has read (path -> mtime,
size and sha256 at that time; the content decides), so Edit/Write refuse a file that changed on disk since, and the plan
holds the last TodoWrite.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench import paths
from workbench.core.events import PlanItem
from workbench.core.sandbox import Sandbox, SandboxSettings
from workbench.core.secrets import is_secret_path
from workbench.core.tools.base import ToolError
from workbench.core.tools.fence import Fence
from workbench.core.tools.limits import Limits, read_bytes_nofollow

if TYPE_CHECKING:
    from workbench.config_sections import ToolsSection


class FileAccess(Protocol):
    """Where file contents come from and go to instead of the disk (an editor's open buffers, through ACP).

    Called from worker threads, after the fence has resolved the path: `read` returns None and `write`
    False to leave that file to the disk.
    """

    def read(self, real: Path) -> bytes | None: ...

    def write(self, real: Path, text: str) -> bool: ...

@dataclass(frozen=True)
class ToolSettings:
    network: bool = False  # WebFetch works only when True ([tools] network = true)
    limits: Limits = field(default_factory=Limits)
    env: Mapping[str, str] | None = None  # base environment for Bash (default: os.environ), scrubbed anyway
    read_secrets: bool = False  # Read/Grep refuse .env, keys and credential files unless True
    require_read_before_edit: bool = True  # Edit/Write of an existing file need a Read first (Claude Code rule)
    # [sandbox]: on ("auto") by default; WORKBENCH_SANDBOX overrides the mode
    sandbox: SandboxSettings = field(default_factory=lambda: SandboxSettings.from_config({}))

    @classmethod
    def from_config(cls, section: ToolsSection, sandbox: Mapping[str, Any] | None = None) -> ToolSettings:
        """Build from the config's [tools] section (`network`, `read_secrets`, and any Limits field) and its
        [sandbox] section."""
        return cls(
            network=section.network is True,
            limits=Limits.from_config(section.limits),
            read_secrets=section.read_secrets is True,
            sandbox=SandboxSettings.from_config(sandbox or {}),
        )


@dataclass(frozen=True)
class FileStamp:
    mtime_ns: int
    size: int
    sha256: str


def stamp_of(data: bytes, st: os.stat_result) -> FileStamp:
    return FileStamp(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())


class ReadTracker:
    """Per session: what each file looked like when the agent last read (or wrote) it."""

    def __init__(self) -> None:
        self._stamps: dict[Path, FileStamp] = {}

    def record(self, real: Path, data: bytes, st: os.stat_result) -> None:
        self._stamps[real] = stamp_of(data, st)

    def get(self, real: Path) -> FileStamp | None:
        return self._stamps.get(real)

    def forget(self, real: Path) -> None:
        self._stamps.pop(real, None)

    def check_unchanged(self, real: Path, rel: str, data: bytes, st: os.stat_result, *, required: bool) -> None:
        """Raise ToolError when `real` was never read (if `required`) or changed on disk since it was read."""
        seen = self._stamps.get(real)
        if seen is None:
            if required:
                raise ToolError(f"{rel} has not been read yet in this session; Read it first, then edit it")
            return
        # The content decides, not the mtime: coarse timestamps can hide a same-size change, and a
        # touch without a change should not block the edit.
        if seen.size == st.st_size and hashlib.sha256(data).hexdigest() == seen.sha256:
            return
        raise ToolError(f"{rel} changed on disk since it was last read; Read it again before editing it")


class ToolContext:
    def __init__(
        self,
        workspace: Path,
        *,
        settings: ToolSettings | None = None,
        memory_file: Path | None = None,
        session_id: str = "",
        deny_read: Callable[[str], bool] | None = None,
    ) -> None:
        self.fence = Fence(workspace)
        self.workspace = self.fence.root
        self.settings = settings or ToolSettings()
        self.memory_file = memory_file or paths.data_dir() / "memory.md"
        self.session_id = session_id
        self.reads = ReadTracker()
        self.plan: tuple[PlanItem, ...] = ()
        self.deny_read = deny_read
        self.sandbox = Sandbox(self.workspace, self.settings.sandbox)
        self.files: FileAccess | None = None  # None: the disk

    def read_bytes(self, real: Path) -> bytes:
        """A fenced file's bytes: from `files` when it has them, else from the disk (never following a link)."""
        data = self.files.read(real) if self.files is not None else None
        return data if data is not None else read_bytes_nofollow(real)

    def hidden(self, rel: str) -> bool:
        """True when a multi-file read must leave `rel` out: a secret file, or covered by a Read deny rule."""
        if not self.settings.read_secrets and is_secret_path(rel):
            return True
        return self.deny_read is not None and self.deny_read(rel)

    @property
    def limits(self) -> Limits:
        return self.settings.limits
