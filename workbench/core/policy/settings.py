"""Where permission rules come from, each kept with its origin for display.

Read in this order (all rules apply; deny beats ask beats allow whatever the file): command-line
`--deny/--ask/--allow`, the project's `.claude/settings.local.json`, the project's `.claude/settings.json`,
the user's `~/.claude/settings.json`, then the workbench config's `[permissions]` section. `defaultMode`
comes from the first of those files that sets it. A malformed file is reported in `RuleSet.messages` and
skipped, never fatal. `bypassPermissions` is only ever taken from the user's own command-line flag.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config import Config, load_config
from workbench.core.approvals import PermissionMode, Verdict
from workbench.core.policy.rules import RuleSet

MAX_SETTINGS_BYTES = 2 * 1024 * 1024


def settings_files(workspace: Path, home: Path | None = None) -> list[tuple[str, Path, Path]]:
    """(label, file, base folder for `/path` patterns) for every settings file, highest precedence first."""
    home_dir = home if home is not None else paths.user_home()
    return [
        ("project local", workspace / ".claude" / "settings.local.json", workspace),
        ("project", workspace / ".claude" / "settings.json", workspace),
        ("user", home_dir / ".claude" / "settings.json", home_dir),
    ]


def load_rules(
    workspace: Path,
    *,
    cli_allow: Iterable[str] = (),
    cli_ask: Iterable[str] = (),
    cli_deny: Iterable[str] = (),
    config: Config | None = None,
    home: Path | None = None,
) -> RuleSet:
    """Collect the rules for `workspace` from every source, with messages for whatever could not be read."""
    home_dir = home if home is not None else paths.user_home()
    out = RuleSet()
    for action, texts in ((Verdict.DENY, cli_deny), (Verdict.ASK, cli_ask), (Verdict.ALLOW, cli_allow)):
        for text in texts:
            out.add(text, action, origin="command line", workspace=workspace, home=home_dir)
    for _label, file, base in settings_files(workspace, home_dir):
        data = _read_json(file, out.messages)
        if data is None:
            continue
        permissions = data.get("permissions")
        if permissions is None:
            continue
        if not isinstance(permissions, dict):
            out.messages.append(f'{file}: "permissions" should be an object; ignored')
            continue
        _add_section(out, permissions, origin=str(file), workspace=workspace, base=base, home=home_dir)
    cfg = config if config is not None else load_config()
    out.messages.extend(cfg.errors)
    section = cfg.section("permissions")
    if section:
        origin = f"{cfg.path} [permissions]" if cfg.path is not None else "workbench config [permissions]"
        _add_section(out, section, origin=origin, workspace=workspace, base=workspace, home=home_dir)
    return out


def _read_json(file: Path, messages: list[str]) -> dict[str, Any] | None:
    try:
        if not file.is_file():
            return None
        if file.stat().st_size > MAX_SETTINGS_BYTES:
            messages.append(f"{file}: larger than {MAX_SETTINGS_BYTES} bytes; ignored")
            return None
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        messages.append(f"{file}: cannot be read ({exc.strerror or exc}); ignored")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        messages.append(f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); ignored")
        return None
    if not isinstance(data, dict):
        messages.append(f"{file}: should hold a JSON object; ignored")
        return None
    return data


def _add_section(
    out: RuleSet, section: dict[str, Any], *, origin: str, workspace: Path, base: Path, home: Path
) -> None:
    for key, action in (("deny", Verdict.DENY), ("ask", Verdict.ASK), ("allow", Verdict.ALLOW)):
        value = section.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            out.messages.append(f'{origin}: "{key}" should be a list of rule strings; ignored')
            continue
        for item in value:
            if not isinstance(item, str):
                out.messages.append(f"{origin}: {key} entry {item!r} is not a string; skipped")
                continue
            out.add(item, action, origin=origin, workspace=workspace, base=base, home=home)
    mode = section.get("defaultMode")
    if mode is not None and out.default_mode is None:
        if not PermissionMode.known(mode):
            out.messages.append(f"{origin}: unknown defaultMode {mode!r}; ignored (known: {', '.join(PermissionMode)})")
        elif mode == PermissionMode.BYPASS:
            out.messages.append(f"{origin}: defaultMode bypassPermissions is ignored; only the user's own flag sets it")
        else:
            out.default_mode = PermissionMode(mode)
            out.default_mode_origin = origin
    dirs = section.get("additionalDirectories")
    if isinstance(dirs, list):
        for entry in dirs:
            if isinstance(entry, str) and entry.strip():
                path = Path(entry).expanduser()
                out.additional_dirs.append(path if path.is_absolute() else base / path)
    elif dirs is not None:
        out.messages.append(f'{origin}: "additionalDirectories" should be a list; ignored')
    if section.get("disableBypassPermissionsMode") == "disable":
        out.bypass_disabled = True
