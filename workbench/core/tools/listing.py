"""LS (one folder's entries) and Glob (files matching a pattern, newest first)."""

from __future__ import annotations

import asyncio
import os
from typing import Any, ClassVar

from workbench.core.globs import glob_matches
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, opt_str, opt_str_list, req_str
from workbench.core.tools.context import ToolContext
from workbench.core.tools.fence import Resolved
from workbench.core.tools.limits import cap_text
from workbench.core.tools.walk import list_files


def _folder(args: dict[str, Any], ctx: ToolContext, key: str, *, required: bool) -> Resolved:
    raw = req_str(args, key) if required else (opt_str(args, key) or ".")
    res = ctx.fence.resolve(raw, what=key)
    if not res.real.is_dir():
        raise ToolError(f"{res.rel} is not a folder" if res.real.exists() else f"{res.rel}: no such folder")
    return res


class LS(Tool):
    name: ClassVar[str] = "LS"
    kind: ClassVar[ToolKind] = ToolKind.READ
    description: ClassVar[str] = (
        "List the entries of a folder in the workspace (folders end with '/'). `ignore` takes glob patterns "
        "of names to leave out."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Folder to list (absolute or workspace-relative)"},
            "ignore": {"type": "array", "items": {"type": "string"}, "description": "Glob patterns to skip"},
        },
        "required": ["path"],
        "additionalProperties": False,
    }

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        res = _folder(args, ctx_of(ctx), "path", required=True)
        return CallPreview(summary=f"List {res.rel}", paths=(res.rel,))

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        res = _folder(args, c, "path", required=True)
        ignore = opt_str_list(args, "ignore")
        entries: list[str] = []
        try:
            scanned = sorted(os.scandir(res.real), key=lambda e: (not e.is_dir(follow_symlinks=False), e.name))
        except OSError as exc:
            raise ToolError(f"{res.rel}: cannot list ({exc.strerror})") from None
        for entry in scanned:
            if entry.name == ".git" or any(glob_matches(p, entry.name) for p in ignore):
                continue
            if entry.is_symlink():
                entries.append(f"{entry.name}@")
            elif entry.is_dir(follow_symlinks=False):
                entries.append(f"{entry.name}/")
            else:
                entries.append(entry.name)
        limit = c.limits.ls_max_entries
        body = "\n".join(entries[:limit]) if entries else "(empty folder)"
        if len(entries) > limit:
            body += f"\n[… {len(entries) - limit:,} more entries not shown; use Glob with a pattern]"
        header = f"{res.rel}/" if res.rel != "." else "./"
        content = cap_text(f"{header}\n{body}", c.limits.max_output_chars, "use Glob with a narrower pattern")
        return ToolResult(content=content, files_read=(res.rel,), meta={"entries": len(entries)})


class Glob(Tool):
    name: ClassVar[str] = "Glob"
    kind: ClassVar[ToolKind] = ToolKind.READ
    description: ClassVar[str] = (
        "Find files by glob pattern (e.g. '**/*.py', 'src/**/*.ts', '*.{json,toml}'), relative to `path` "
        "(default: the workspace root). Returns workspace-relative paths, most recently modified first, at most "
        "100. Files ignored by .gitignore are left out."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Glob pattern to match files against"},
            "path": {"type": "string", "description": "Folder to search in (default: workspace root)"},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }

    def _pattern(self, args: dict[str, Any], ctx: ToolContext, base: Resolved) -> str:
        pattern = req_str(args, "pattern")
        root = str(base.real) + "/"
        if pattern.startswith(root):
            pattern = pattern[len(root) :]
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if pattern.startswith(("/", "~")) or ".." in pattern.split("/"):
            raise ToolError(f"pattern {pattern!r} refused: use a pattern relative to the folder searched")
        return pattern

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        c = ctx_of(ctx)
        base = _folder(args, c, "path", required=False)
        pattern = self._pattern(args, c, base)
        return CallPreview(summary=f"Find {pattern} in {base.rel}", paths=(base.rel,))

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        base = _folder(args, c, "path", required=False)
        pattern = self._pattern(args, c, base)
        matches = await asyncio.to_thread(self._match, c, base, pattern)
        limit = c.limits.glob_max_results
        if not matches:
            return ToolResult(content="No files found")
        body = "\n".join(matches[:limit])
        if len(matches) > limit:
            body += f"\n[… {len(matches) - limit:,} more files not shown; use a narrower pattern or path]"
        return ToolResult(content=cap_text(body, c.limits.max_output_chars, "use a narrower pattern"))

    def _match(self, ctx: ToolContext, base: Resolved, pattern: str) -> list[str]:
        files = list_files(ctx.workspace, base.real)
        prefix = "" if base.rel == "." else base.rel + "/"
        hits = []
        for rel in files:
            sub = rel[len(prefix) :] if prefix and rel.startswith(prefix) else rel
            if glob_matches(pattern, sub):  # '*.py' matches file names at any depth, as ripgrep's --glob does
                hits.append(rel)
        stamped = []
        for rel in hits:
            try:
                stamped.append((-(ctx.workspace / rel).stat().st_mtime_ns, rel))
            except OSError:
                continue
        stamped.sort()
        return [rel for _, rel in stamped]
