"""Model aliases: one table (README.md, "The model"), overridable by the config file and environment.

Precedence: env `ANTHROPIC_DEFAULT_<ALIAS>_MODEL` > config `[models]` section > built-in defaults.
Resolution (docs/personas.md): lower-case the value; an alias resolves through the table, `claude-*` passes through,
`inherit`/absent means the session model, `provider/model` is routed when the provider is Anthropic and
otherwise falls back to inherit, anything else is unknown (inherit, and the loader warns).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from workbench.config import Config, load_config
from workbench.core.personas.model import ModelRef

DEFAULT_ALIASES: dict[str, str] = {
    "sonnet": "claude-sonnet-5-5",
    "opus": "claude-opus-5-5",
    "haiku": "claude-haiku-5-5",
    "fable": "claude-fable-5-2",
}

# Context window in tokens per model id prefix (longest prefix wins); `[windows]` in the config file overrides or
# adds prefixes, e.g. `"qwen3-coder" = 32768` for a local model. Unknown models get the default.
CONTEXT_WINDOWS: dict[str, int] = {
    "claude-": 200_000,
}
DEFAULT_WINDOW = 200_000

# What "inherit" means for a top-level session: the sonnet alias. Resolve it with `session_model()`.
DEFAULT_MODEL = "sonnet"

# Claude Code's other alias spellings, mapped onto the four table aliases.
_ALIAS_FORMS: dict[str, str] = {
    "sonnet[1m]": "sonnet",
    "opus[1m]": "opus",
    "opusplan": "opus",
    "best": "fable",
}
_INHERIT = {"inherit", "default", ""}
_ENV = "ANTHROPIC_DEFAULT_{}_MODEL"
_ID = re.compile(r"^claude-[a-z0-9][a-z0-9.\-\[\]@:]*$")


def model_table(config: Config | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Alias -> model id, after the config file and environment overrides."""
    table = dict(DEFAULT_ALIASES)
    cfg = config if config is not None else load_config()
    for key, value in cfg.models.items():
        table[key.strip().lower()] = value
    environ = os.environ if env is None else env
    for alias in DEFAULT_ALIASES:
        value = environ.get(_ENV.format(alias.upper()), "").strip()
        if value:
            table[alias] = value
    return table


def resolve_model(value: object, table: Mapping[str, str] | None = None) -> ModelRef:
    """Resolve a persona's `model` value (any type; only strings can resolve)."""
    if value is None:
        return ModelRef(requested=None, kind="inherit", resolved=None)
    if not isinstance(value, str):
        return ModelRef(requested=repr(value)[:80], kind="unknown", resolved=None)
    aliases = model_table() if table is None else table
    requested = value.strip()
    key = requested.lower()
    if key in _INHERIT:
        return ModelRef(requested=requested, kind="inherit", resolved=None)
    alias = _ALIAS_FORMS.get(key, key)
    if alias in aliases:
        return ModelRef(requested=requested, kind="alias", resolved=aliases[alias])
    if _ID.match(key):
        return ModelRef(requested=requested, kind="id", resolved=key)
    if "/" in key:
        provider, _, model = key.partition("/")
        model = _ALIAS_FORMS.get(model, model)
        if provider == "anthropic" and model in aliases:
            return ModelRef(requested=requested, kind="provider", resolved=aliases[model])
        if provider == "anthropic" and _ID.match(model):
            return ModelRef(requested=requested, kind="provider", resolved=model)
        return ModelRef(requested=requested, kind="provider", resolved=None)
    return ModelRef(requested=requested, kind="unknown", resolved=None)


def persona_model(ref: ModelRef, override: str | None = None, table: Mapping[str, str] | None = None) -> str:
    """The model id a session with this persona talks to: the override (an alias or an id; a local server's own
    model name passes through), else the persona's resolved model, else the default."""
    if override and override.strip():
        return resolve_model(override, table).resolved or override.strip()
    return ref.resolved or session_model(None, table)


def session_model(value: str | None = None, table: Mapping[str, str] | None = None) -> str:
    """The model id a top-level session uses: `value` resolved, or the default when it inherits."""
    ref = resolve_model(value, table)
    if ref.resolved:
        return ref.resolved
    aliases = model_table() if table is None else table
    return aliases.get(DEFAULT_MODEL, DEFAULT_ALIASES[DEFAULT_MODEL])


def context_window(model: str, config: Config | None = None) -> int:
    """The model's context window in tokens: the config's `[windows]` (by id prefix), then the built-in table."""
    cfg = config if config is not None else load_config()
    table = {**CONTEXT_WINDOWS, **cfg.windows}
    best = max((k for k in table if model.startswith(k)), key=len, default=None)
    return table[best] if best is not None else DEFAULT_WINDOW
