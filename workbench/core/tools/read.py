"""Read (one file, paged by lines) and ReadManyFiles (several files concatenated)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from workbench.core.globs import glob_matches
from workbench.core.secrets import is_secret_path, redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, opt_bool, opt_int, opt_str_list, refuse_secret, req_str
from workbench.core.tools.context import ToolContext
from workbench.core.tools.fence import Resolved
from workbench.core.tools.limits import cap_text, check_regular_file, decode, looks_binary
from workbench.core.tools.walk import list_files

# Notebooks (.ipynb) are JSON text and are read as such, which keeps Edit's exact matching usable on them.
UNSUPPORTED_EXTS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".pdf"}
DEFAULT_EXCLUDES = (
    "**/node_modules/**",
    "**/.git/**",
    "**/__pycache__/**",
    "**/.venv/**",
    "**/venv/**",
    "**/dist/**",
    "**/build/**",
    "**/*.pyc",
    "**/*.min.js",
    "**/*.lock",
)
MANY_MAX_FILES = 200


def numbered(lines: list[str], first: int, max_chars: int, budget: int) -> list[str]:
    """`cat -n` style lines, long lines cut, stopping before the output budget is spent."""
    out: list[str] = []
    used = 0
    for n, line in enumerate(lines, start=first):
        if len(line) > max_chars:
            line = line[:max_chars] + f" [… line cut: {len(line) - max_chars:,} more characters]"
        entry = f"{n:>6}\t{line}"
        used += len(entry) + 1
        if used > budget and out:
            break
        out.append(entry)
    return out


def load_text(ctx: ToolContext, res: Resolved) -> tuple[bytes, str]:
    """Read a fenced, regular, non-binary file and record it in the session's read tracker."""
    st = check_regular_file(res.real, res.rel, ctx.limits)
    if res.real.suffix.lower() in UNSUPPORTED_EXTS:
        raise ToolError(f"{res.rel}: images and PDFs cannot be read by this workbench yet")
    data = ctx.read_bytes(res.real)
    if looks_binary(data):
        raise ToolError(f"{res.rel} looks like a binary file (it contains NUL bytes); not shown")
    ctx.reads.record(res.real, data, st)
    return data, decode(data)


class Read(Tool):
    name: ClassVar[str] = "Read"
    kind: ClassVar[ToolKind] = ToolKind.READ
    description: ClassVar[str] = (
        "Read a text file from the workspace. Returns numbered lines (cat -n style). By default up to 2000 lines "
        "from the start; use offset (1-based line number) and limit to page through longer files. Paths may be "
        "absolute or relative to the workspace root."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "Path of the file to read"},
            "offset": {"type": "integer", "description": "1-based line number to start from"},
            "limit": {"type": "integer", "description": "Number of lines to read"},
        },
        "required": ["file_path"],
        "additionalProperties": False,
    }

    def _resolve(self, args: dict[str, Any], ctx: ToolContext) -> tuple[Resolved, int, int]:
        res = ctx.fence.resolve(req_str(args, "file_path"), what="file_path")
        refuse_secret(ctx, res.rel)
        offset = max(opt_int(args, "offset") or 1, 1)  # 0 is treated as 1, as Claude Code does
        limit = opt_int(args, "limit", minimum=1) or ctx.limits.read_default_lines
        return res, offset, limit

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        res, offset, limit = self._resolve(args, ctx_of(ctx))
        return CallPreview(summary=f"Read {res.rel} {offset}-{offset + limit - 1}", paths=(res.rel,))

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        res, offset, limit = self._resolve(args, c)
        data, text = await asyncio.to_thread(load_text, c, res)
        if not text:
            return ToolResult(content=f"({res.rel} is empty)", files_read=(res.rel,))
        lines = text.splitlines()
        total = len(lines)
        if offset > total:
            raise ToolError(f"{res.rel} has {total} lines; offset {offset} is past the end")
        chosen = lines[offset - 1 : offset - 1 + limit]
        shown = numbered(chosen, offset, c.limits.max_line_chars, c.limits.read_max_chars - 200)
        body = "\n".join(shown)
        last = offset + len(shown) - 1
        if last < total:
            body += f"\n[lines {offset}-{last} of {total}; Read with offset={last + 1} for more]"
        hint = f"Read {res.rel} with a smaller limit, or an offset further on"
        content = redact(cap_text(body, c.limits.read_max_chars, hint))
        return ToolResult(
            content=content, files_read=(res.rel,), output_bytes=len(data), meta={"lines": total, "first": offset}
        )


class ReadManyFiles(Tool):
    name: ClassVar[str] = "ReadManyFiles"
    kind: ClassVar[ToolKind] = ToolKind.READ
    description: ClassVar[str] = (
        "Read several text files at once: paths may be files, folders or glob patterns (relative to the "
        "workspace). Each file is shown after a '--- path ---' line. Binary, secret and very large files are "
        "skipped with a note."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "paths": {"type": "array", "items": {"type": "string"}, "description": "Files, folders or globs"},
            "include": {"type": "array", "items": {"type": "string"}, "description": "More glob patterns"},
            "exclude": {"type": "array", "items": {"type": "string"}, "description": "Glob patterns to skip"},
            "recursive": {"type": "boolean", "description": "Descend into folders (default true)"},
            "useDefaultExcludes": {"type": "boolean", "description": "Skip node_modules, .git, build output..."},
        },
        "required": ["paths"],
        "additionalProperties": False,
    }

    def _targets(self, args: dict[str, Any], ctx: ToolContext) -> list[str]:
        wanted = opt_str_list(args, "paths") + opt_str_list(args, "include")
        if not wanted:
            raise ToolError("'paths' must list at least one file, folder or glob")
        recursive = opt_bool(args, "recursive", True)
        excludes = opt_str_list(args, "exclude")
        if opt_bool(args, "useDefaultExcludes", True):
            excludes += DEFAULT_EXCLUDES
        found: dict[str, None] = {}
        everything: list[str] | None = None
        for raw in wanted:
            if any(ch in raw for ch in "*?[{"):
                pattern = raw[2:] if raw.startswith("./") else raw
                if pattern.startswith(("/", "~")) or ".." in pattern.split("/"):
                    raise ToolError(f"glob {raw!r} refused: globs must be relative to the workspace")
                if everything is None:
                    everything = sorted(list_files(ctx.workspace, ctx.workspace))
                found.update((r, None) for r in everything if glob_matches(pattern, r))
                continue
            res = ctx.fence.resolve(raw, what="path")
            if res.real.is_dir():
                under = sorted(list_files(ctx.workspace, res.real))
                if not recursive:
                    depth = 0 if res.rel == "." else res.rel.count("/") + 1
                    under = [r for r in under if r.count("/") == depth]
                found.update((r, None) for r in under)
            else:
                found[res.rel] = None
        return [r for r in found if not any(glob_matches(x, r) for x in excludes)]

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        c = ctx_of(ctx)
        targets = await asyncio.to_thread(self._targets, args, c)
        return CallPreview(summary=f"Read {len(targets)} files", paths=tuple(targets[:MANY_MAX_FILES]))

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        targets = await asyncio.to_thread(self._targets, args, c)
        parts: list[str] = []
        skipped: list[str] = []
        read: list[str] = []
        size = 0
        budget = c.limits.read_max_chars
        chars = 0
        chosen = targets[:MANY_MAX_FILES]
        for index, rel in enumerate(chosen):
            if chars >= budget:
                skipped.append(f"{len(chosen) - index} more files not read: the output budget is spent")
                break
            if c.hidden(rel):
                why = "secret file" if is_secret_path(rel) else "denied by a Read rule"
                skipped.append(f"{rel} ({why})")
                continue
            try:
                res = c.fence.resolve(rel, what="path")
                data, text = await asyncio.to_thread(load_text, c, res)
            except ToolError as exc:
                skipped.append(str(exc))
                continue
            read.append(rel)
            size += len(data)
            chars += len(text)
            parts.append(f"--- {rel} ---\n{text}")
        if len(targets) > MANY_MAX_FILES:
            skipped.append(f"{len(targets) - MANY_MAX_FILES} more files over the {MANY_MAX_FILES}-file limit")
        body = "\n".join(parts) if parts else "(no files matched)"
        hint = "read fewer files at once, or use Read with offset/limit"
        content = cap_text(body, budget, hint)
        if skipped:
            # After the cap, so the list of what was left out is never cut away.
            content += "\n--- skipped ---\n" + cap_text("\n".join(skipped), 5000, "narrow the paths")
        content = redact(content)
        return ToolResult(content=content, files_read=tuple(read), output_bytes=size)
