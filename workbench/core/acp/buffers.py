"""The editor's open buffers: when an ACP client offers `fs/*`, our Read, Edit and Write go through it.

The tools keep doing everything else themselves (the fence, the secret-file refusal, the policy and the
approval before a write, the read-before-edit check, the diff): only the bytes come from, and go to, the
client, so a file with unsaved changes in the editor is read as the user sees it, and a write lands in the
editor's buffer. The tools call in from worker threads; each call waits for the client's answer there.
A file the client cannot give is read from the disk.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acp import RequestError

if TYPE_CHECKING:
    from acp.interfaces import Client

    from workbench.core.agent.session import AgentSession

log = logging.getLogger("workbench.acp")
TIMEOUT_S = 30.0
ENC, ERRORS = "utf-8", "surrogateescape"


class EditorFiles:
    """`FileAccess` (workbench.core.tools.context) over a client's fs/read_text_file and fs/write_text_file."""

    def __init__(self, conn: Client, session_id: str, *, read: bool, write: bool) -> None:
        self.conn = conn
        self.session_id = session_id
        self.can_read = read
        self.can_write = write
        self.loop = asyncio.get_running_loop()

    def _call(self, coro: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread, as it should be: wait there for the loop to get the answer
            return asyncio.run_coroutine_threadsafe(coro, self.loop).result(TIMEOUT_S)
        coro.close()  # never block the loop that would have to carry the answer
        raise RuntimeError("editor buffers are reached from worker threads only")

    def read(self, real: Path) -> bytes | None:
        if not self.can_read:
            return None
        try:
            response = self._call(self.conn.read_text_file(session_id=self.session_id, path=str(real)))
        except (RequestError, ConnectionError, TimeoutError, RuntimeError) as exc:
            log.info("fs/read_text_file %s failed (%s); reading the disk", real, exc)
            return None
        content = getattr(response, "content", None)
        return content.encode(ENC, ERRORS) if isinstance(content, str) else None

    def write(self, real: Path, text: str) -> bool:
        if not self.can_write:
            return False
        try:
            self._call(self.conn.write_text_file(session_id=self.session_id, path=str(real), content=text))
        except (RequestError, ConnectionError, TimeoutError, RuntimeError) as exc:
            raise OSError(f"the editor did not take the write: {exc}") from None
        return True


def use_editor_buffers(session: AgentSession, conn: Client, fs: Any) -> None:
    """Route the session's file reads and writes through the client, as far as its capabilities go."""
    session.context.files = EditorFiles(conn, session.id, read=bool(fs.read_text_file), write=bool(fs.write_text_file))
