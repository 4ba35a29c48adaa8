"""The approval policy: modes, rules, shell analysis, grants ledger and audit log.

Entry points: `build_engine(...)` (or `PolicyEngine` with a `RuleSet` from `load_rules`), `GrantLedger`,
`AuditLog` / `render_markdown`, `analyze` for shell commands and `make_visible` for hidden characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.config import Config
    from workbench.core.personas.model import Persona
    from workbench.core.policy.engine import Evaluation, PolicyEngine, request_id, tighten
    from workbench.core.policy.ledger import Grant, GrantLedger
    from workbench.core.policy.rules import Rule, RuleSet, Target
    from workbench.core.policy.settings import load_rules

# Each name loads its module when first used: importing one light submodule (the screen's text sanitiser uses
# `visible`) does not load the engine, the shell analysis and the sandbox.
_WHERE = {
    "Evaluation": "engine",
    "PolicyEngine": "engine",
    "request_id": "engine",
    "tighten": "engine",
    "Grant": "ledger",
    "GrantLedger": "ledger",
    "Rule": "rules",
    "RuleSet": "rules",
    "Target": "rules",
    "load_rules": "settings",
}


__getattr__ = lazy_attributes(__name__, globals(), _WHERE)


__all__ = [
    "Evaluation",
    "Grant",
    "GrantLedger",
    "PolicyEngine",
    "Rule",
    "RuleSet",
    "Target",
    "build_engine",
    "load_rules",
    "request_id",
    "tighten",
]


def build_engine(
    workspace: Path,
    persona: Persona | None,
    *,
    mode: str = "default",
    allow: Iterable[str] = (),
    deny: Iterable[str] = (),
    ask: Iterable[str] = (),
    config: Config | None = None,
    bypass_allowed: bool = False,
    ledger: GrantLedger | None = None,
    home: Path | None = None,
    project_trusted: bool = False,
) -> PolicyEngine:
    """A PolicyEngine for `workspace` with rules from every settings source and the project's grant ledger.

    `mode` is the user's choice (None of the settings files may turn on bypassPermissions); when it is
    "default", a `defaultMode` from the settings applies instead. The project's own settings widen nothing
    unless `project_trusted` (workbench.core.trust).
    """
    from workbench.core.policy.engine import PolicyEngine
    from workbench.core.policy.ledger import GrantLedger
    from workbench.core.policy.settings import load_rules

    rules = load_rules(
        workspace,
        cli_allow=allow,
        cli_ask=ask,
        cli_deny=deny,
        config=config,
        home=home,
        project_trusted=project_trusted,
    )
    chosen = rules.default_mode if mode == "default" and rules.default_mode else mode
    book = ledger if ledger is not None else GrantLedger.for_workspace(workspace, home=home)
    return PolicyEngine(
        workspace, mode=chosen, rules=rules, persona=persona, ledger=book, bypass_allowed=bypass_allowed, home=home
    )
