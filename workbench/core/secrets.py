"""Secret files and secret values: which paths are credentials, and redaction of secrets in text.

Reading `.env*`, private keys and credential files is denied by default through every tool (Read, Grep,
Bash alike); secret values that do appear in output are redacted in evidence, transcripts and logs.

What counts as a secret file (`is_secret_path`, matched on the path's components, case-insensitively):
  * `.env`, `.env.<anything>` and `<name>.env`, except the shared templates `.env.example`, `.env.sample`,
    `.env.template`, `.env.dist` and `.env.defaults` (they are committed on purpose and hold placeholders);
  * private keys and keystores: `*.pem`, `*.key`, `*.p12`, `*.pfx`, `*.jks`, `*.keystore`, `*.ppk`,
    `id_rsa*`, `id_dsa*`, `id_ecdsa*`, `id_ed25519*` (but not their `.pub` halves), anything under `.ssh/`
    other than public keys and `known_hosts`;
  * credential stores: `.npmrc`, `.pypirc`, `.netrc`, `_netrc`, `.pgpass`, `.git-credentials`, `.htpasswd`,
    `.dockercfg`, `.docker/config.json`, `.aws/credentials`, `.kube/config`, `credentials`,
    `credentials.json`, `client_secret*.json`, `secrets.{json,yaml,yml,toml}`, `*.tfvars`, `*.tfstate`.

The check is a handful of set lookups on the last two path components, cheap enough to run on every
path a shell command mentions.
"""

from __future__ import annotations

import re
from functools import lru_cache

MARK = "[REDACTED]"

_TEMPLATE_SUFFIXES = frozenset({"example", "sample", "template", "dist", "defaults"})
_SECRET_NAMES = frozenset(
    {
        ".env",
        ".npmrc",
        ".pypirc",
        ".netrc",
        "_netrc",
        ".pgpass",
        ".git-credentials",
        ".htpasswd",
        ".dockercfg",
        "credentials",
        "credentials.json",
        "secrets.json",
        "secrets.yaml",
        "secrets.yml",
        "secrets.toml",
    }
)
_SECRET_EXTS = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".tfvars", ".tfstate", ".env")
_KEY_PREFIXES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
# (parent folder, file name) pairs that are credentials only in that folder.
_SECRET_PAIRS = frozenset({(".aws", "credentials"), (".docker", "config.json"), (".kube", "config")})


@lru_cache(maxsize=4096)
def is_secret_path(rel_path: str) -> bool:
    """True when a workspace-relative POSIX path names a credential file (.env, id_rsa, *.pem, ...)."""
    parts = [p for p in rel_path.replace("\\", "/").lower().split("/") if p and p != "."]
    if not parts:
        return False
    name = parts[-1]
    parent = parts[-2] if len(parts) > 1 else ""
    if name.endswith(".pub"):
        return False
    if parent == ".ssh":
        return name != "known_hosts" and name != "authorized_keys"
    if (parent, name) in _SECRET_PAIRS or name in _SECRET_NAMES:
        return True
    if name.startswith(".env."):
        return name[5:] not in _TEMPLATE_SUFFIXES
    if name.startswith(_KEY_PREFIXES):
        return True
    if name.startswith("client_secret") and name.endswith(".json"):
        return True
    return name.endswith(_SECRET_EXTS)


# A secret-looking name: one of these words, ending the name or followed by a separator (not `tokenizer`).
_NAME_WORDS = (
    r"(?:API_?KEY|ACCESS_?KEY|SECRET(?:_?KEY)?|TOKEN|PASSWORD|PASSWD|_PASS|PRIVATE_?KEY|CREDENTIALS?)"
    r"(?:[_.\-][A-Za-z0-9_.\-]*)?"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # PEM private key blocks, including one cut short by an output cap.
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.S,
        ),
        r"-----BEGIN \1PRIVATE KEY----- " + MARK,
    ),
    (re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{16,}"), MARK),  # Anthropic
    (re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"), MARK),  # OpenAI
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"), MARK),  # AWS access key ids
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), MARK),  # GitHub tokens
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"), MARK),
    (re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"), MARK),  # GitLab
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), MARK),  # Slack
    (re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"), "https://hooks.slack.com/services/" + MARK),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), MARK),  # Google API keys
    (re.compile(r"\b[rs]k_live_[0-9A-Za-z]{16,}"), MARK),  # Stripe
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), MARK),  # JWTs
    (re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*", re.I), r"\1 " + MARK),
    # user:password@ in URLs
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^\s:/@]+:)[^\s@/]+@", re.I), r"\1" + MARK + "@"),
    # NAME=value / NAME: value for secret-looking names (env files, shell exports, YAML).
    (
        re.compile(
            r"(?im)^(\s*(?:export\s+)?[\"']?[A-Za-z0-9_.\-]*" + _NAME_WORDS + r"[\"']?\s*[=:]\s*)"
            r"([\"']?)([^\s\"'#,]{3,})\2"
        ),
        r"\1\2" + MARK + r"\2",
    ),
    # "api_key": "value" inside JSON or Python dicts, anywhere on a line.
    (
        re.compile(r"(?i)([\"'][A-Za-z0-9_.\-]*" + _NAME_WORDS + r"[\"']\s*[:=]\s*)([\"'])([^\"'\n]{3,})\2"),
        r"\1\2" + MARK + r"\2",
    ),
]


def redact(text: str) -> str:
    """Replace secret values (API keys, tokens, private key blocks, KEY=value credentials) with a marker."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
