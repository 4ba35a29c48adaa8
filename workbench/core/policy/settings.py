"""Where permission rules come from, each kept with its origin for display.

Read in this order (all rules apply; deny beats ask beats allow whatever the file): command-line
`--deny/--ask/--allow`, the project's `.claude/settings.local.json`, the project's `.claude/settings.json`,
the user's `~/.claude/settings.json`, then the workbench config's `[permissions]` section. `defaultMode`
comes from the first of those files that sets it. A malformed file is reported in `RuleSet.messages` and
skipped, never fatal. `bypassPermissions` is only ever taken from the user's own command-line flag.

The two project files come from the repository. Until the project is trusted (workbench.core.trust) they can
only tighten: their deny and ask rules and `disableBypassPermissionsMode` apply; their allow rules,
`defaultMode`, `additionalDirectories`, `env`, helpers and hooks do not, and each is named in
`RuleSet.ignored` so the front ends can say so (docs/permissions.md, "Project trust").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config import Config, load_config
from workbench.core.approvals import PermissionMode, Verdict
from workbench.core.datafile import read_object
from workbench.core.policy.rules import RuleSet

# Settings that make the workbench (or Claude Code) run something or widen what it may do: an untrusted
# project's are named as ignored. The workbench applies none of them yet; hooks come through `load_hooks`.
WIDENING_KEYS = (
    "env",
    "hooks",
    "apiKeyHelper",
    "awsAuthRefresh",
    "awsCredentialExport",
    "otelHeadersHelper",
    "statusLine",
    "enableAllProjectMcpServers",
    "enabledMcpjsonServers",
)
SHOWN_RULES = 5


def settings_files(workspace: Path, home: Path | None = None) -> list[tuple[str, Path, Path]]:
    """(label, file, base folder for `/path` patterns) for every settings file, highest precedence first.

    In the home folder itself the project's `.claude/settings.json` is the user's file: it is read once, as the
    user's."""
    home_dir = home if home is not None else paths.user_home()
    user = ("user", home_dir / ".claude" / "settings.json", home_dir)
    if os.path.realpath(workspace) == os.path.realpath(home_dir):
        return [user]
    return [
        ("project local", workspace / ".claude" / "settings.local.json", workspace),
        ("project", workspace / ".claude" / "settings.json", workspace),
        user,
    ]


def _shown(file: Path, workspace: Path) -> str:
    return os.path.relpath(file, workspace)


def _note_widening_keys(out: RuleSet, data: dict[str, Any], shown: str) -> None:
    for key in WIDENING_KEYS:
        value = data.get(key)
        if value is None:
            continue
        detail = f" ({', '.join(sorted(str(k) for k in value)[:SHOWN_RULES])})" if isinstance(value, dict) else ""
        out.ignored.append(f"{shown}: {key}{detail}")


def load_hooks(workspace: Path, *, project_trusted: bool = False, home: Path | None = None) -> list[tuple[str, Any]]:
    """(file, its `hooks` value) from every settings file whose hooks may run: the user's always, the project's
    only once it is trusted; none at all when one of those files says `"disableAllHooks": true`. The hooks are
    read and run by workbench.core.hooks."""
    out: list[tuple[str, Any]] = []
    for label, file, _base in settings_files(workspace, home):
        if label.startswith("project") and not project_trusted:
            continue
        data = _read_json(file, [])
        if data is not None and data.get("disableAllHooks") is True:
            return []
        if data is not None and data.get("hooks") is not None:
            out.append((str(file), data["hooks"]))
    return out


def load_rules(
    workspace: Path,
    *,
    cli_allow: Iterable[str] = (),
    cli_ask: Iterable[str] = (),
    cli_deny: Iterable[str] = (),
    config: Config | None = None,
    home: Path | None = None,
    project_trusted: bool = False,
) -> RuleSet:
    """Collect the rules for `workspace` from every source, with messages for whatever could not be read.

    `project_trusted` False (the default) reads the project's files for their restrictions only."""
    home_dir = home if home is not None else paths.user_home()
    out = RuleSet()
    for action, texts in ((Verdict.DENY, cli_deny), (Verdict.ASK, cli_ask), (Verdict.ALLOW, cli_allow)):
        for text in texts:
            out.add(text, action, origin="command line", workspace=workspace, home=home_dir)
    for label, file, base in settings_files(workspace, home_dir):
        data = _read_json(file, out.messages)
        if data is None:
            continue
        untrusted = label.startswith("project") and not project_trusted
        if untrusted:
            _note_widening_keys(out, data, _shown(file, workspace))
        permissions = data.get("permissions")
        if permissions is None:
            continue
        if not isinstance(permissions, dict):
            out.messages.append(f'{file}: "permissions" should be an object; ignored')
            continue
        shown = _shown(file, workspace) if untrusted else None
        _add_section(out, permissions, origin=str(file), workspace=workspace, base=base, home=home_dir, shown=shown)
    cfg = config if config is not None else load_config()
    out.messages.extend(cfg.errors)
    section = cfg.permissions
    if section:
        origin = f"{cfg.path} [permissions]" if cfg.path is not None else "workbench config [permissions]"
        _add_section(out, section, origin=origin, workspace=workspace, base=workspace, home=home_dir)
    return out


def _read_json(file: Path, messages: list[str]) -> dict[str, Any] | None:
    data, problem = read_object(file, "json")
    if problem is not None:
        messages.append(problem)
    return data


def _add_section(
    out: RuleSet,
    section: dict[str, Any],
    *,
    origin: str,
    workspace: Path,
    base: Path,
    home: Path,
    shown: str | None = None,
) -> None:
    """Add one `permissions` object. `shown` set: an untrusted project's file, read for its restrictions only
    (what it asked for beyond them goes to `out.ignored`, named by `shown`)."""
    if shown is not None:
        _note_ignored(out, section, shown)
    for key, action in (("deny", Verdict.DENY), ("ask", Verdict.ASK), ("allow", Verdict.ALLOW)):
        value = section.get(key)
        if value is None or (shown is not None and action is Verdict.ALLOW):
            continue
        if not isinstance(value, list):
            out.messages.append(f'{origin}: "{key}" should be a list of rule strings; ignored')
            continue
        for item in value:
            if not isinstance(item, str):
                out.messages.append(f"{origin}: {key} entry {item!r} is not a string; skipped")
                continue
            out.add(item, action, origin=origin, workspace=workspace, base=base, home=home)
    if section.get("disableBypassPermissionsMode") == "disable":
        out.bypass_disabled = True
    if shown is not None:
        return
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


def _note_ignored(out: RuleSet, section: dict[str, Any], shown: str) -> None:
    allow = section.get("allow")
    if isinstance(allow, list) and allow:
        rules = [str(rule)[:80] for rule in allow[:SHOWN_RULES]]
        more = f" and {len(allow) - SHOWN_RULES} more" if len(allow) > SHOWN_RULES else ""
        out.ignored.append(f"{shown}: allow {', '.join(rules)}{more}")
    if section.get("defaultMode") is not None:
        out.ignored.append(f"{shown}: defaultMode {str(section['defaultMode'])[:40]}")
    dirs = section.get("additionalDirectories")
    if isinstance(dirs, list) and dirs:
        out.ignored.append(f"{shown}: additionalDirectories ({len(dirs)})")
