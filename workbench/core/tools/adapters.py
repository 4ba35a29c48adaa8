"""Argument adapters (docs/personas.md): a call under a Gemini, Codex or OpenCode name becomes a call of the
canonical tool with canonical arguments.

    adapt_call(name, args) -> (canonical_name, canonical_args, notes)

`notes` say what was changed or dropped in a lossy way (for the evidence and the log). Names resolve
through `workbench.core.toolnames`; MCP names pass through unchanged. An unknown or unsupported name, or
arguments that cannot be adapted (Codex `local_shell` with `user`), raise ToolError.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

from workbench.core import toolnames
from workbench.core.tools.base import ToolError

Adapter = Callable[[dict[str, Any], list[str]], dict[str, Any]]
_SHELLS = {"bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/usr/bin/bash", "/bin/zsh", "/usr/bin/zsh"}
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def _rename(args: dict[str, Any], *pairs: tuple[str, str]) -> dict[str, Any]:
    out = dict(args)
    for old, new in pairs:
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value)
    return out


def _drop(args: dict[str, Any], notes: list[str], *keys: str) -> dict[str, Any]:
    out = dict(args)
    for key in keys:
        if key in out:
            out.pop(key)
            notes.append(f"'{key}' is not supported and was ignored")
    return out


def _read_gemini(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(args, ("absolute_path", "file_path"), ("path", "file_path"), ("filePath", "file_path"))
    start, end = out.pop("start_line", None), out.pop("end_line", None)
    if isinstance(start, int) and not isinstance(start, bool):
        out["offset"] = max(start, 1)
        if isinstance(end, int) and not isinstance(end, bool) and end >= start:
            out["limit"] = end - start + 1
    elif isinstance(out.get("offset"), int) and not isinstance(out.get("offset"), bool):
        out["offset"] = out["offset"] + 1  # Gemini's offset is 0-based, Read's 1-based
    return out


def _read_opencode(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(args, ("filePath", "file_path"))
    if isinstance(out.get("offset"), int) and not isinstance(out.get("offset"), bool):
        out["offset"] = out["offset"] + 1  # 0-based there too
    return out


def _ls(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(args, ("dir_path", "path"), ("dirPath", "path"), ("directory", "path"))
    out.setdefault("path", ".")
    return _drop(out, notes, "respect_git_ignore", "file_filtering_options", "offset", "limit", "depth")


def _glob(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(args, ("dir_path", "path"))
    return _drop(out, notes, "case_sensitive", "respect_git_ignore", "file_filtering_options")


def _grep(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(args, ("dir_path", "path"), ("include", "glob"), ("include_pattern", "glob"))
    if out.pop("names_only", False):
        out["output_mode"] = "files_with_matches"
    else:
        out.setdefault("output_mode", "content")  # Gemini and Codex return matching lines
    if "context" in out:
        out["-C"] = out.pop("context")
    if out.pop("case_sensitive", True) is False:
        out["-i"] = True
    if "limit" in out:
        out["head_limit"] = out.pop("limit")
    return _drop(out, notes, "exclude_pattern", "file_filtering_options", "fixed_strings", "max_results")


def _edit(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(
        args,
        ("filePath", "file_path"),
        ("oldString", "old_string"),
        ("newString", "new_string"),
        ("replaceAll", "replace_all"),
    )
    out.pop("instruction", None)
    if out.pop("allow_multiple", False):
        out["replace_all"] = True
    expected = out.pop("expected_replacements", None)
    if isinstance(expected, int) and not isinstance(expected, bool) and expected > 1:
        out["replace_all"] = True
        out["expected_replacements"] = expected  # Edit verifies the count
    return out


def _write(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    return _rename(args, ("filePath", "file_path"), ("path", "file_path"), ("absolute_path", "file_path"))


def _timeout(out: dict[str, Any]) -> None:
    if "timeout_ms" in out:
        out["timeout"] = out.pop("timeout_ms")


def _shell_gemini(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(
        args, ("directory", "cwd"), ("dir_path", "cwd"), ("workdir", "cwd"), ("is_background", "run_in_background")
    )
    _timeout(out)
    return out


def argv_to_command(argv: Any) -> str:
    """Codex's argv list as one bash command: `bash -lc SCRIPT` -> SCRIPT, anything else shell-quoted."""
    if isinstance(argv, str):
        return argv
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise ToolError("'command' must be a list of strings (argv) or a string")
    if len(argv) == 3 and argv[0] in _SHELLS and argv[1] in ("-c", "-lc", "-cl"):
        return str(argv[2])
    return shlex.join(argv)


def _shell_codex(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    out = _rename(args, ("workdir", "cwd"), ("working_directory", "cwd"))
    _timeout(out)
    out["command"] = argv_to_command(out.get("command"))
    out.pop("login", None)
    escalation = out.pop("sandbox_permissions", None)
    out.pop("justification", None)
    out.pop("with_escalated_permissions", None)
    if escalation == "require_escalated":
        notes.append("sandbox escalation requests are ignored: the workbench's approval decides")
    return out


def _local_shell(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    action = args.get("action") if isinstance(args.get("action"), dict) else args
    assert isinstance(action, dict)
    if action.get("user"):
        raise ToolError("local_shell with 'user' is refused: commands run as the current user only")
    out: dict[str, Any] = {"command": argv_to_command(action.get("command"))}
    if "working_directory" in action or "workdir" in action:
        out["cwd"] = action.get("working_directory", action.get("workdir"))
    if "timeout_ms" in action:
        out["timeout"] = action["timeout_ms"]
    env = action.get("env")
    if isinstance(env, dict) and env:
        pairs = [f"{k}={v}" for k, v in env.items() if isinstance(k, str) and isinstance(v, str)]
        out["command"] = shlex.join(["env", *pairs, "bash", "-c", out["command"]])
    return out


def _todos_from(items: Any, key: str, notes: list[str]) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        raise ToolError(f"'{'plan' if key == 'step' else 'todos'}' must be a list")
    todos = []
    for item in items:
        if not isinstance(item, dict):
            raise ToolError("each plan item must be an object")
        status = item.get("status", "pending")
        if status in ("cancelled", "blocked"):
            notes.append(f"status {status!r} shown as completed (the plan has no such state)")
            status = "completed"
        text = item.get(key, item.get("content"))
        todos.append({"content": text, "status": status, "activeForm": item.get("activeForm", text)})
    return todos


def _update_plan(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    if isinstance(args.get("explanation"), str) and args["explanation"].strip():
        notes.append(f"explanation: {args['explanation'].strip()}")
    return {"todos": _todos_from(args.get("plan"), "step", notes)}


def _write_todos(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    return {"todos": _todos_from(args.get("todos"), "description", notes)}


def _todowrite(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    items = args.get("todos")
    if isinstance(items, list):
        keep = ("content", "status", "activeForm")
        return {"todos": [{k: v for k, v in i.items() if k in keep} if isinstance(i, dict) else i for i in items]}
    return args


def _web_fetch(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    if isinstance(args.get("url"), str):
        return _drop({k: v for k, v in args.items() if k in ("url", "prompt")}, notes)
    prompt = args.get("prompt")
    urls = _URL.findall(prompt) if isinstance(prompt, str) else []
    if not urls:
        raise ToolError("web_fetch needs a URL in 'prompt' (or 'url')")
    if len(urls) > 1:
        notes.append(f"only the first of {len(urls)} URLs is fetched; call again for the others")
    return {"url": urls[0], "prompt": prompt}


def _read_many(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    return _drop(args, notes, "file_filtering_options")


def _search(args: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k in ("query", "allowed_domains", "blocked_domains")}


ADAPTERS: dict[str, Adapter] = {
    "read_file": _read_gemini,
    "readfile": _read_gemini,
    "read": _read_opencode,
    "list_directory": _ls,
    "readfolder": _ls,
    "list_dir": _ls,
    "list": _ls,
    "glob": _glob,
    "findfiles": _glob,
    "search_file_content": _grep,
    "grep_search": _grep,
    "searchtext": _grep,
    "grep_files": _grep,
    "replace": _edit,
    "edit": _edit,
    "write_file": _write,
    "writefile": _write,
    "write": _write,
    "run_shell_command": _shell_gemini,
    "shell": _shell_gemini,  # Gemini's display name; Codex `shell` sends an argv list (handled below)
    "bash": _shell_gemini,
    "shell_command": _shell_codex,
    "local_shell": _local_shell,
    "local shell": _local_shell,
    "update_plan": _update_plan,
    "write_todos": _write_todos,
    "write todos": _write_todos,
    "writetodos": _write_todos,
    "todowrite": _todowrite,
    "web_fetch": _web_fetch,
    "webfetch": _web_fetch,
    "read_many_files": _read_many,
    "google_web_search": _search,
    "googlesearch": _search,
    "google search": _search,
}


def adapt_call(name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """Map a tool call under any dialect's name to (canonical name, canonical args, notes)."""
    if not isinstance(args, dict):
        raise ToolError("tool input must be a JSON object")
    found = toolnames.lookup(name)
    if found is None:
        raise ToolError(f"unknown tool {name!r}")
    if found.kind == "mcp":
        return found.canonical or name, dict(args), []
    if found.kind == "unsupported" or found.canonical is None:
        raise ToolError(f"{name} is not available: {found.reason or 'unsupported'}")
    notes: list[str] = []
    key = found.base.lower()
    if key == found.canonical.lower() and found.base == found.canonical and key != "edit":
        return found.canonical, dict(args), notes  # already canonical
    adapter = ADAPTERS.get(key)
    if key == "shell" and isinstance(args.get("command"), list):
        adapter = _shell_codex
    out = adapter(dict(args), notes) if adapter else dict(args)
    if found.base != found.canonical:
        notes.insert(0, f"{name} -> {found.canonical}")
    return found.canonical, out, notes
