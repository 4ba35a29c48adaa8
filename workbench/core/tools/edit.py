"""Write, Edit and MultiEdit: atomic writes (temp file + rename, mode kept) with a unified diff.

An existing file must have been read in this session and be unchanged on disk since (mtime, size, then
sha256); otherwise the call is refused and the model is told to Read it again. The diff is computed in
`preview()` for the approval card and again in `run()`, after the fence is re-checked. Files are handled
as UTF-8 with surrogate escapes, so invalid bytes elsewhere in a file survive an edit unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from workbench.core.secrets import is_secret_path, redact
from workbench.core.tools import hunks
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, opt_bool, opt_int, req_str
from workbench.core.tools.context import ToolContext
from workbench.core.tools.fence import Resolved
from workbench.core.tools.limits import check_opened_at, check_regular_file, looks_binary

ENC = "utf-8"
ECHO_DIFF_LINES = 60  # diffs up to this size are shown to the model in the result
ERRORS = "surrogateescape"


def unified_diff(rel: str, old: str | None, new: str | None) -> str:
    """A `git apply`-able unified diff; `None` stands for a missing file."""
    a = (old or "").splitlines(keepends=True)
    b = (new or "").splitlines(keepends=True)
    out: list[str] = []
    for line in difflib.unified_diff(
        a, b, fromfile="/dev/null" if old is None else f"a/{rel}", tofile="/dev/null" if new is None else f"b/{rel}"
    ):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    text = "".join(out)
    return text.encode(ENC, ERRORS).decode(ENC, "replace")


def diff_stat(diff: str) -> tuple[int, int]:
    plus = minus = 0
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            plus += 1
        elif line.startswith("-") and not line.startswith("---"):
            minus += 1
    return plus, minus


def atomic_write(real: Path, text: str) -> None:
    """Write through a temp file in the same folder and rename it over `real`, keeping the file's mode.

    The folder is opened once and everything happens relative to that descriptor, after checking it is
    still the folder the fence resolved: a folder swapped for a link in between cannot redirect the write.
    """
    data = text.encode(ENC, ERRORS)
    try:
        mode: int | None = stat.S_IMODE(os.lstat(real).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: 0o666 less the umask, as any editor would create it
    real.parent.mkdir(parents=True, exist_ok=True)
    dfd = os.open(real.parent, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
    try:
        check_opened_at(dfd, real.parent)
        tmp = f".{real.name}.{secrets.token_hex(6)}.wbtmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=dfd)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                if mode is not None:
                    os.fchmod(fh.fileno(), mode)
            os.replace(tmp, real.name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise
    finally:
        os.close(dfd)


def write_text(ctx: ToolContext, real: Path, text: str) -> None:
    """Write through the context's `files` when it takes the file, else atomically to the disk."""
    if ctx.files is None or not ctx.files.write(real, text):
        atomic_write(real, text)


@dataclass
class Current:
    """A file as it is on disk now (`text` None when it does not exist), and notes on how edits applied."""

    res: Resolved
    text: str | None
    notes: list[str] = field(default_factory=list)


def load_current(ctx: ToolContext, res: Resolved) -> Current:
    if not os.path.lexists(res.real):
        return Current(res, None)
    if is_secret_path(res.rel) and not ctx.settings.read_secrets:
        # The diff on the approval card would show the file's secrets.
        raise ToolError(f"editing {res.rel} is denied: it looks like a secret or credential file")
    st = check_regular_file(res.real, res.rel, ctx.limits)
    data = ctx.read_bytes(res.real)
    if looks_binary(data):
        raise ToolError(f"{res.rel} is a binary file; it cannot be edited as text")
    ctx.reads.check_unchanged(res.real, res.rel, data, st, required=ctx.settings.require_read_before_edit)
    return Current(res, data.decode(ENC, ERRORS))


_QUOTES = {"'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", '"': '["“”]', "“": '["“”]', "”": '["“”]'}


def loose_pattern(old: str) -> re.Pattern[str]:
    """`old` with trailing whitespace on each line and the quote style (straight or curly) left open.

    Indentation stays exact: in many languages it is meaning, not layout.
    """
    lines = old.split("\n")
    parts = []
    for number, line in enumerate(lines):
        body = "".join(_QUOTES.get(ch, re.escape(ch)) for ch in line.rstrip(" \t\r"))
        parts.append(body if number == len(lines) - 1 else body + r"[ \t]*\r?\n")
    return re.compile("".join(parts))


def apply_edit(
    text: str,
    old: str,
    new: str,
    *,
    replace_all: bool,
    rel: str,
    expected: int | None = None,
    notes: list[str] | None = None,
) -> str:
    """Replace `old` with `new` in `text`: exact match, unique unless `replace_all`.

    When the exact text is absent, a match that differs only in trailing whitespace or quote style is
    used (the diff on the approval card shows what really changes) and a note says so.
    """
    if old == new:
        raise ToolError("old_string and new_string are identical; there is nothing to change")
    count = text.count(old)
    if count == 0 and "\r\n" in text and "\n" in old:
        # The model writes '\n'; the file uses CRLF.
        old = old.replace("\r\n", "\n").replace("\n", "\r\n")
        new = new.replace("\r\n", "\n").replace("\n", "\r\n")
        count = text.count(old)
    if count == 0 and old.strip():
        spans = [m.span() for m in loose_pattern(old.replace("\r\n", "\n")).finditer(text)]
        if spans:
            _check_count(len(spans), replace_all, expected, rel, " (ignoring trailing whitespace and quote style)")
            if notes is not None:
                notes.append("old_string matched once trailing whitespace and quote style were ignored")
            chosen = spans if (replace_all or expected) else spans[:1]
            for start, end in reversed(chosen):
                text = text[:start] + new + text[end:]
            return text
    if count == 0:
        raise ToolError(
            f"old_string was not found in {rel}; Read the file again and copy the exact text, whitespace included"
        )
    _check_count(count, replace_all, expected, rel, "")
    return text.replace(old, new) if (replace_all or expected) else text.replace(old, new, 1)


def _check_count(count: int, replace_all: bool, expected: int | None, rel: str, how: str) -> None:
    if expected is not None and count != expected:
        raise ToolError(
            f"expected {expected} occurrences of old_string in {rel} but found {count}{how}; nothing changed"
        )
    if count > 1 and not replace_all and expected is None:
        raise ToolError(
            f"old_string occurs {count} times in {rel}{how}; include more surrounding lines to make it unique, "
            "or set replace_all to change every occurrence"
        )


class _WriteTool(Tool):
    """Shared flow: resolve (fenced, not protected) -> compute new text -> diff -> atomic write."""

    kind: ClassVar[ToolKind] = ToolKind.WRITE

    def _new_text(self, args: dict[str, Any], cur: Current) -> str:
        raise NotImplementedError

    def _plan(self, args: dict[str, Any], ctx: ToolContext) -> tuple[Current, str, str]:
        res = ctx.fence.resolve(req_str(args, "file_path"), write=True, what="file_path")
        if res.real.is_dir():
            raise ToolError(f"{res.rel} is a folder")
        cur = load_current(ctx, res)
        new = self._new_text(args, cur)
        return cur, new, unified_diff(res.rel, cur.text, new)

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        cur, _new, diff = await asyncio.to_thread(self._plan, args, ctx_of(ctx))
        verb = "Create" if cur.text is None else self.name
        plus, minus = diff_stat(diff)
        return CallPreview(
            summary=f"{verb} {cur.res.rel} (+{plus} -{minus})",
            paths=(cur.res.rel,),
            diff=diff,
            meta={"new": cur.text is None},
        )

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        return await self.run_selected(args, ctx, None, None)

    async def run_selected(
        self, args: dict[str, Any], ctx: Any, accepted: tuple[int, ...] | None, approved_diff: str | None
    ) -> ToolResult:
        """Run the call with only the `accepted` hunks (1-based) of its change; None applies all of them.
        The change must still be the one the user approved (`approved_diff`), or nothing is written."""
        c = ctx_of(ctx)
        cur, new, diff = await asyncio.to_thread(self._plan, args, c)
        partial = ""
        if accepted is not None:
            if approved_diff is not None and diff != approved_diff:
                raise ToolError(
                    f"{cur.res.rel} changed after the approval card was shown; nothing was written. "
                    "Read it again and repeat the edit."
                )
            every = hunks.hunks(cur.text or "", new)
            if set(accepted) < {h.number for h in every}:
                partial = hunks.describe(cur.res.rel, every, accepted)
                new = hunks.apply_selected(cur.text or "", new, accepted)
                diff = unified_diff(cur.res.rel, cur.text, new)
        if cur.text == new:
            return ToolResult(content=f"{cur.res.rel} already has this content; nothing written")
        try:
            await asyncio.to_thread(write_text, c, cur.res.real, new)
        except OSError as exc:
            raise ToolError(f"could not write {cur.res.rel}: {exc.strerror or exc}") from None
        data = new.encode(ENC, ERRORS)
        with contextlib.suppress(OSError):  # an editor may hold a new file in a buffer it has not saved yet
            c.reads.record(cur.res.real, data, os.stat(cur.res.real))
        plus, minus = diff_stat(diff)
        verb = "Created" if cur.text is None else "Updated"
        lines = new.count("\n") + (0 if new.endswith("\n") or not new else 1)
        content = f"{verb} {cur.res.rel} (+{plus} -{minus} lines; now {lines} lines)"
        if cur.notes:
            content += "\n[" + "; ".join(dict.fromkeys(cur.notes)) + "]"
        if partial:
            content += "\n" + partial
        elif cur.text is not None and diff.count("\n") <= ECHO_DIFF_LINES:
            # A small diff goes back to the model so it can check the change without a Read.
            content += "\n" + diff.split("\n", 2)[2].rstrip("\n")
        return ToolResult(
            content=redact(content),
            diff=redact(diff),
            files_changed=(cur.res.rel,),
            output_bytes=len(data),
        )


class Write(_WriteTool):
    name: ClassVar[str] = "Write"
    description: ClassVar[str] = (
        "Write a file in the workspace, replacing it if it exists (Read an existing file first). Prefer Edit for "
        "changes to existing files."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to write"},
            "content": {"type": "string", "description": "The full new content"},
        },
        "required": ["file_path", "content"],
        "additionalProperties": False,
    }

    def _new_text(self, args: dict[str, Any], cur: Current) -> str:
        return req_str(args, "content", allow_empty=True)


class Edit(_WriteTool):
    name: ClassVar[str] = "Edit"
    description: ClassVar[str] = (
        "Replace exact text in a file. old_string must match the file exactly (whitespace included) and be "
        "unique unless replace_all is true. Read the file first. An empty old_string creates a new file."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to change"},
            "old_string": {"type": "string", "description": "The exact text to replace"},
            "new_string": {"type": "string", "description": "The replacement text"},
            "replace_all": {"type": "boolean", "description": "Replace every occurrence (default false)"},
        },
        "required": ["file_path", "old_string", "new_string"],
        "additionalProperties": False,
    }

    def _new_text(self, args: dict[str, Any], cur: Current) -> str:
        old = req_str(args, "old_string", allow_empty=True)
        new = req_str(args, "new_string", allow_empty=True)
        # Set by the Gemini `replace` adapter: the exact number of replacements the model expects.
        expected = opt_int(args, "expected_replacements", minimum=1)
        return edit_text(cur, old, new, replace_all=opt_bool(args, "replace_all"), expected=expected)


def edit_text(cur: Current, old: str, new: str, *, replace_all: bool, expected: int | None = None) -> str:
    if old == "":
        if cur.text is None or cur.text == "":
            return new  # Gemini semantics: an empty old_string creates the file
        raise ToolError(f"{cur.res.rel} already exists; an empty old_string only creates new files")
    if cur.text is None:
        raise ToolError(f"{cur.res.rel}: no such file (to create it, use Write or an empty old_string)")
    return apply_edit(cur.text, old, new, replace_all=replace_all, rel=cur.res.rel, expected=expected, notes=cur.notes)


class MultiEdit(_WriteTool):
    name: ClassVar[str] = "MultiEdit"
    description: ClassVar[str] = (
        "Make several exact-text replacements in one file, applied in order; either all of them succeed or the "
        "file is left unchanged. Each edit follows Edit's rules."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to change"},
            "edits": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "old_string": {"type": "string"},
                        "new_string": {"type": "string"},
                        "replace_all": {"type": "boolean"},
                    },
                    "required": ["old_string", "new_string"],
                },
            },
        },
        "required": ["file_path", "edits"],
        "additionalProperties": False,
    }

    def _new_text(self, args: dict[str, Any], cur: Current) -> str:
        edits = args.get("edits")
        if not isinstance(edits, list) or not edits:
            raise ToolError("'edits' must be a non-empty list of {old_string, new_string, replace_all?}")
        work = Current(cur.res, cur.text, cur.notes)
        for number, edit in enumerate(edits, start=1):
            if not isinstance(edit, dict):
                raise ToolError(f"edit #{number} must be an object; nothing was changed")
            try:
                old = req_str(edit, "old_string", allow_empty=True)
                new = req_str(edit, "new_string", allow_empty=True)
                work.text = edit_text(work, old, new, replace_all=opt_bool(edit, "replace_all"))
            except ToolError as exc:
                raise ToolError(f"edit #{number} failed: {exc}; no edit was applied") from None
        assert work.text is not None
        return work.text
