"""The project instructions a session loads (personas.md §6.11): the CLAUDE.md files (the user's, then from the
repository root down to the working folder) and the AGENTS.md chain (Codex's rules), in that order, 32 KiB in
all (Codex's `project_doc_max_bytes`).

Which files were read, how much of each reached the model, and what the cap cut or left out is kept as plain
data, so the screen and `sessions export` can show exactly what the persona was told.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import paths

PROJECT_DOC_MAX_BYTES = 32 * 1024  # Codex's project_doc_max_bytes


def _read_text(path: Path, limit: int = 1 << 20) -> str:
    """A regular file's text, at most `limit` bytes of it (a FIFO or a link to a device is not read)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        chunks: list[bytes] = []
        size = 0
        while size < limit and (chunk := os.read(fd, min(1 << 16, limit - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="replace").strip()


def _git_root(workspace: Path) -> Path:
    for folder in (workspace, *workspace.parents):
        if (folder / ".git").exists():
            return folder
    return workspace


def agents_md_chain(workspace: Path) -> list[tuple[Path, str]]:
    """AGENTS.md files per Codex rules: global first, then one per folder from the git root down to the cwd."""
    found: list[tuple[Path, str]] = []
    codex_home = paths.user_home() / ".codex"
    for name in ("AGENTS.override.md", "AGENTS.md"):
        text = _read_text(codex_home / name)
        if text:
            found.append((codex_home / name, text))
            break
    root = _git_root(workspace)
    chain = [workspace, *workspace.parents]
    folders = list(reversed(chain[: chain.index(root) + 1])) if root in chain else [workspace]
    for folder in folders:
        for name in ("AGENTS.override.md", "AGENTS.md"):
            text = _read_text(folder / name)
            if text:
                found.append((folder / name, text))
                break
    return found


def claude_md_files(workspace: Path) -> list[tuple[Path, str]]:
    """CLAUDE.md files: the user's, then from the git root down to the cwd (CLAUDE.md and .claude/CLAUDE.md)."""
    found: list[tuple[Path, str]] = []
    user = paths.user_home() / ".claude" / "CLAUDE.md"
    text = _read_text(user)
    if text:
        found.append((user, text))
    root = _git_root(workspace)
    chain = [workspace, *workspace.parents]
    folders = list(reversed(chain[: chain.index(root) + 1])) if root in chain else [workspace]
    for folder in folders:
        for candidate in (folder / "CLAUDE.md", folder / ".claude" / "CLAUDE.md", folder / "CLAUDE.local.md"):
            text = _read_text(candidate)
            if text:
                found.append((candidate, text))
    return found


@dataclass(frozen=True)
class MemoryFile:
    path: str
    size: int  # bytes of the file (after trimming blank space)
    sent: int  # bytes of it in the system prompt
    note: str = ""  # "cut at 32,768 of 40,000 bytes ..." or "left out ..."; empty when whole

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "sent": self.sent, "note": self.note}


@dataclass
class Memory:
    files: list[MemoryFile] = field(default_factory=list)
    text: str = ""  # the system prompt's section

    @property
    def cut(self) -> list[MemoryFile]:
        return [f for f in self.files if f.note]

    def notice(self) -> str:
        """One line for the user when the cap cut something; empty otherwise."""
        if not self.cut:
            return ""
        return "project instructions over the 32 KiB cap: " + "; ".join(f"{f.path}: {f.note}" for f in self.cut)

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self.files]


def load_memory(workspace: Path) -> Memory:
    docs = claude_md_files(workspace) + agents_md_chain(workspace)
    memory = Memory()
    if not docs:
        return memory
    parts: list[str] = []
    budget = PROJECT_DOC_MAX_BYTES
    cap = f"the {PROJECT_DOC_MAX_BYTES // 1024} KiB cap on project instructions"
    for path, text in docs:
        data = text.encode()
        if budget <= 0:
            memory.files.append(MemoryFile(str(path), len(data), 0, f"left out: {cap} was used up by earlier files"))
            continue
        note = ""
        if len(data) > budget:
            text = data[:budget].decode(errors="ignore") + "\n[truncated]"
            note = f"cut at {budget:,} of {len(data):,} bytes ({cap})"
        sent = min(len(data), budget)
        budget -= len(text.encode())
        memory.files.append(MemoryFile(str(path), len(data), sent, note))
        parts.append(f'<project-instructions file="{path}">\n{text}\n</project-instructions>')
    memory.text = "Project instructions (follow them where they apply):\n" + "\n\n".join(parts)
    return memory
