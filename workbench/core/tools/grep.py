"""Grep: ripgrep when present (the binary beside the interpreter, then PATH), else a Python fallback.

Both respect .gitignore (also outside a git repository), search hidden files but never `.git/`, skip
binary files, skip secret files (.env, keys) unless the settings allow them, and produce the same output:
  files_with_matches  paths, most recently modified first
  content             `path:N:line` for matches, `path-N-line` for context, `--` between groups
  count               `path:N` (matching lines per file)
sorted by path for content and count, so results do not depend on rg's thread scheduling.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path
from typing import Any, ClassVar

from workbench.core.hardened import scrub_env, tool_limits
from workbench.core.secrets import redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, opt_bool, opt_int, opt_str, refuse_secret, req_str
from workbench.core.tools.context import ToolContext
from workbench.core.tools.fence import Resolved
from workbench.core.tools.grep_py import FileHits, Query, compile_query, glob_filter, search_tree
from workbench.core.tools.limits import BINARY_SNIFF, cap_text, check_regular_file, looks_binary
from workbench.core.tools.walk import find_rg

MODES = ("files_with_matches", "content", "count")
RG_MAX_BYTES = 32 * 1024 * 1024  # stop reading rg after this much output; the result is capped anyway
RG_TIMEOUT_S = 120.0


def rg_argv(rg: str, q: Query, mode: str, target: str) -> list[str]:
    argv = [rg, "--no-config", "--color=never", "--hidden", "--no-require-git", "--glob=!.git", "--null"]
    argv += ["--no-messages", "--with-filename"]
    if mode == "files_with_matches":
        argv.append("--files-with-matches")
    elif mode == "count":
        argv.append("--count")
    else:
        argv.append("--line-number")
        if q.before:
            argv += ["-B", str(q.before)]
        if q.after:
            argv += ["-A", str(q.after)]
    if q.ignore_case:
        argv.append("--ignore-case")
    if q.multiline:
        argv += ["--multiline", "--multiline-dotall"]
    # q.glob is applied to rg's results instead: rg's --glob would override .gitignore.
    if q.type:
        argv += ["--type", q.type]
    return [*argv, "--regexp", q.pattern, "--", target]


def _strip(path: bytes) -> str:
    name = os.fsdecode(path)
    return name[2:] if name.startswith("./") else name


_LINE = re.compile(rb"^([^\0\n]*)\0(\d+)([:-])(.*)$", re.MULTILINE)
_COUNT = re.compile(rb"^([^\0\n]*)\0(\d+)$", re.MULTILINE)


def parse_rg(out: bytes, mode: str, prefix: str) -> list[FileHits]:
    """rg's `--null` output -> FileHits (paths made workspace-relative with `prefix`)."""
    if mode == "files_with_matches":
        return [FileHits(prefix + _strip(p), count=1) for p in out.split(b"\0") if p.strip(b"\n")]
    if mode == "count":
        return [FileHits(prefix + _strip(p), count=int(n)) for p, n in _COUNT.findall(out)]
    hits: dict[bytes, FileHits] = {}
    for path, number, sep, text in _LINE.findall(out):
        entry = hits.get(path)
        if entry is None:
            entry = hits[path] = FileHits(prefix + _strip(path))
        is_match = sep == b":"
        entry.lines.append((int(number), is_match, text.decode("utf-8", errors="replace")))
        entry.count += is_match
    return list(hits.values())


def _collect(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes, int]:
    """Read rg's output in a worker thread (faster than asyncio pipes for a burst of output)."""
    assert proc.stdout is not None and proc.stderr is not None
    chunks: list[bytes] = []
    size = 0
    fd = proc.stdout.fileno()
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        size += len(chunk)
        if size > RG_MAX_BYTES:
            proc.kill()
            break
    err = proc.stderr.read() if size <= RG_MAX_BYTES else b""
    return b"".join(chunks), err, proc.wait()


async def run_rg(argv: list[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=scrub_env(os.environ),
            preexec_fn=tool_limits(),
        )
    except OSError as exc:
        raise ToolError(f"could not start ripgrep: {exc.strerror}") from None
    try:
        out, err, code = await asyncio.wait_for(asyncio.to_thread(_collect, proc), RG_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        raise ToolError(f"the search took longer than {RG_TIMEOUT_S:g} s; narrow the path or pattern") from None
    except asyncio.CancelledError:
        proc.kill()  # the reader thread then sees EOF and ends
        raise
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None and proc.returncode is not None:
                stream.close()
    cut = len(out) > RG_MAX_BYTES  # _collect killed it: enough output
    if (code == 2 and not out) or (code not in (0, 1, 2) and not cut):  # killed or aborted (its memory cap)
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise ToolError(f"search failed: {message[0] if message else f'rg exited with code {code}'}")
    return out


def format_hits(
    hits: list[FileHits], mode: str, show_numbers: bool, context: bool, root: Path, max_line: int = 2000
) -> list[str]:
    """Output lines (before head_limit/offset). Sorting makes rg and the fallback agree."""
    if mode == "files_with_matches":
        stamped = []
        for h in hits:
            try:
                stamped.append((-(root / h.rel).stat().st_mtime_ns, h.rel))
            except OSError:
                stamped.append((0, h.rel))
        return [rel for _, rel in sorted(stamped)]
    hits = sorted(hits, key=lambda h: h.rel)
    if mode == "count":
        return [f"{h.rel}:{h.count}" for h in hits]
    out: list[str] = []
    for h in hits:
        previous = None
        for number, is_match, text in h.lines:
            if context and out and (previous is None or number != previous + 1):
                out.append("--")
            previous = number
            sep = ":" if is_match else "-"
            if len(text) > max_line:  # minified files: one line can be megabytes
                text = text[:max_line] + f" [… line cut: {len(text) - max_line:,} more characters]"
            out.append(f"{h.rel}{sep}{number}{sep}{text}" if show_numbers else f"{h.rel}{sep}{text}")
    return out


class Grep(Tool):
    name: ClassVar[str] = "Grep"
    kind: ClassVar[ToolKind] = ToolKind.READ
    description: ClassVar[str] = (
        "Search file contents with a regular expression (ripgrep syntax). output_mode: files_with_matches "
        "(default; paths, newest first), content (matching lines, with -A/-B/-C context and -n line numbers), "
        "count. Filter with glob (e.g. '*.{ts,tsx}') or type (e.g. 'py'); -i ignores case; multiline lets a "
        "match span lines; head_limit/offset page through results. .gitignore'd files are skipped."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Regular expression to search for"},
            "path": {"type": "string", "description": "File or folder to search (default: workspace root)"},
            "glob": {"type": "string", "description": "Only files matching this glob"},
            "type": {"type": "string", "description": "Only files of this type (py, js, ts, go, rust, ...)"},
            "output_mode": {"type": "string", "enum": list(MODES)},
            "-i": {"type": "boolean", "description": "Case-insensitive"},
            "-n": {"type": "boolean", "description": "Show line numbers (content mode; default true)"},
            "-A": {"type": "integer", "description": "Lines of context after each match"},
            "-B": {"type": "integer", "description": "Lines of context before each match"},
            "-C": {"type": "integer", "description": "Lines of context before and after"},
            "head_limit": {"type": "integer", "description": "Only the first N results"},
            "offset": {"type": "integer", "description": "Skip the first N results"},
            "multiline": {"type": "boolean", "description": "Let . match newlines and matches span lines"},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }

    def __init__(self, *, use_rg: bool = True) -> None:
        self.use_rg = use_rg

    def _query(self, args: dict[str, Any], ctx: ToolContext) -> tuple[Query, str, Resolved]:
        pattern = req_str(args, "pattern")
        mode = opt_str(args, "output_mode") or "files_with_matches"
        if mode not in MODES:
            raise ToolError(f"output_mode must be one of {', '.join(MODES)}")
        base = ctx.fence.resolve(opt_str(args, "path") or ".", what="path")
        if not base.real.exists():
            raise ToolError(f"{base.rel}: no such file or folder")
        if not base.real.is_dir():
            refuse_secret(ctx, base.rel)
            check_regular_file(base.real, base.rel, ctx.limits, max_bytes=1 << 62)  # a FIFO would block rg
            with open(base.real, "rb") as fh:
                if looks_binary(fh.read(BINARY_SNIFF)):
                    raise ToolError(f"{base.rel} is a binary file; it is not searched")
        context = opt_int(args, "-C") or opt_int(args, "context") or 0
        before = opt_int(args, "-B")
        after = opt_int(args, "-A")
        q = Query(
            pattern=pattern,
            ignore_case=opt_bool(args, "-i"),
            multiline=opt_bool(args, "multiline"),
            before=context if before is None else before,
            after=context if after is None else after,
            glob=opt_str(args, "glob") or None,
            type=opt_str(args, "type") or None,
            want_lines=mode == "content",
        )
        if not self.use_rg or find_rg() is None:
            compile_query(q)  # report a bad pattern in preview, before anything runs
        return q, mode, base

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        q, mode, base = self._query(args, ctx_of(ctx))
        where = "" if base.rel == "." else f" in {base.rel}"
        return CallPreview(summary=f"Search {q.pattern!r}{where}", paths=(base.rel,), meta={"mode": mode})

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        q, mode, base = self._query(args, c)
        hits, truncated = await self.search(c, q, mode, base)
        hits = [h for h in hits if not c.hidden(h.rel)]
        context = mode == "content" and (q.before > 0 or q.after > 0)
        numbers = opt_bool(args, "-n", True)
        lines = format_hits(hits, mode, numbers, context, c.workspace, c.limits.max_line_chars)
        total = len(lines)
        skip = opt_int(args, "offset") or 0
        head = opt_int(args, "head_limit", minimum=0)
        shown = lines[skip:]
        if head:
            shown = shown[:head]
        if not shown:
            return ToolResult(content="No matches found" if not total else f"No results after offset {skip}")
        body = "\n".join(shown)
        if mode == "files_with_matches":
            body = f"Found {len(hits)} file{'s' if len(hits) != 1 else ''}\n" + body
        if len(shown) < total - skip:
            body += f"\n[showing {len(shown)} of {total - skip} results; use offset={skip + len(shown)} for more]"
        if truncated:  # first, so the output cap cannot hide it
            body = f"[the search produced over {RG_MAX_BYTES:,} bytes and was stopped; results are incomplete]\n" + body
        hint = "use head_limit/offset, a narrower path, glob or pattern"
        content = redact(cap_text(body, c.limits.max_output_chars, hint))
        read = tuple(h.rel for h in hits[:200])
        return ToolResult(content=content, files_read=read, output_bytes=len(body), meta={"matches": len(hits)})

    async def search(self, ctx: ToolContext, q: Query, mode: str, base: Resolved) -> tuple[list[FileHits], bool]:
        """The hits, and whether rg's output was stopped at RG_MAX_BYTES (results incomplete)."""
        rg = find_rg() if self.use_rg else None
        if rg is None:
            found = await asyncio.to_thread(
                search_tree, ctx.workspace, base.real, q, secrets_ok=ctx.settings.read_secrets
            )
            return found, False
        target = "." if base.rel == "." else base.rel
        out = await run_rg(rg_argv(rg, q, mode, target), ctx.workspace)
        truncated = len(out) > RG_MAX_BYTES
        if truncated:  # drop the partial last entry
            out = out[: out.rfind(b"\0" if mode == "files_with_matches" else b"\n") + 1]
        hits = parse_rg(out, mode, "")
        if q.glob and not base.real.is_file():  # a single file is searched whatever the glob, as in the fallback
            prefix = "" if base.rel == "." else base.rel + "/"
            hits = [h for h in hits if glob_filter(q.glob, h.rel[len(prefix) :] if prefix else h.rel)]
        return hits, truncated
