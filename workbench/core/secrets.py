"""Secret files and secret values: which paths are credentials, and redaction of secrets in text.

Reading `.env*`, private keys and credential files is denied by default through every tool (Read, Grep,
Bash alike); secret values that do appear in output are redacted in evidence, transcripts and logs.

What counts as a secret file (`is_secret_path`, matched on the path's components, case-insensitively):
  * `.env`, `.env.<anything>` and `<name>.env`, except the shared templates ending in `.example`, `.sample`,
    `.template`, `.dist` or `.defaults` (`.env.example`, `.env.local.example`: committed on purpose, they
    hold placeholders);
  * private keys and keystores: `*.pem`, `*.key`, `*.p12`, `*.pfx`, `*.jks`, `*.keystore`, `*.ppk`,
    `id_rsa*`, `id_dsa*`, `id_ecdsa*`, `id_ed25519*` (but not their `.pub` halves), anything under `.ssh/`
    other than public keys and `known_hosts`;
  * credential stores: `.npmrc`, `.pypirc`, `.netrc`, `_netrc`, `.pgpass`, `.git-credentials`, `.htpasswd`,
    `.dockercfg`, `.docker/config.json`, `.aws/credentials`, `.kube/config`, `credentials`,
    `credentials.json`, `client_secret*.json`, `secrets.{json,yaml,yml,toml}`, `*.tfvars`, `*.tfstate`.

The check is a handful of set lookups on the last two path components, cheap enough to run on every
path a shell command mentions.

Which environment variables are credentials (`is_secret_env`): the providers' own (`ANTHROPIC_*`, `AWS_*`,
...), any name with TOKEN, SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, PRIVATE, API_KEY/APIKEY,
ACCESS_KEY or AUTH in it (not AUTHOR), names ending in `_KEY`, `_PWD`, `_PASS`, `_DSN` or `DATABASE_URL`,
and any value holding a URL with a password (`https://user:pass@host`).
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
        return name.rsplit(".", 1)[1] not in _TEMPLATE_SUFFIXES  # .env.local.example is a template too
    if name.startswith(_KEY_PREFIXES):
        return True
    if name.startswith("client_secret") and name.endswith(".json"):
        return True
    return name.endswith(_SECRET_EXTS)


_ENV_PREFIXES = (
    "ANTHROPIC_",
    "OPENAI_",
    "CLAUDE_",
    "GEMINI_",
    "GOOGLE_",
    "AWS_",
    "AZURE_",
    "SLACK_",
    "STRIPE_",
    "VAULT_",
    "OP_",
    "HF_",
    "HUGGING",
    "DIGITALOCEAN_",
    "CLOUDFLARE_",
    "HEROKU_",
    "TWILIO_",
)
_ENV_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|AUTH(?!OR)|COOKIE|SESSION_?KEY"
    r"|(?:^|_)(?:KEY|PWD|PASS|DSN)$|DATABASE_URL$"
)
# Variables a command needs and that hold no credential, whatever the patterns say.
_ENV_KEEP = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "XAUTHORITY", "GPG_TTY"})
_URL_PASSWORD = re.compile(r"://[^\s/@:]+:[^\s/@]+@")


def is_secret_env(name: str, value: str = "") -> bool:
    """True when an environment variable holds a credential (API keys, tokens, passwords, URLs with one)."""
    if name in _ENV_KEEP:
        return False
    upper = name.upper()
    if upper.startswith(_ENV_PREFIXES) or _ENV_NAME.search(upper) is not None:
        return True
    return "://" in value and _URL_PASSWORD.search(value) is not None


# A secret-looking name: one of these words, ending the name or followed by a separator (not `tokenizer`).
_SECRET_WORD = r"(?:API_?KEY|ACCESS_?KEY|SECRET(?:_?KEY)?|TOKEN|PASSWORD|PASSWD|_PASS|PRIVATE_?KEY|CREDENTIALS?)"
_NAME_WORDS = _SECRET_WORD + r"(?:[_.\-][A-Za-z0-9_.\-]*)?"
# (cheap substring test on the lower-cased text, pattern, replacement): a pattern runs only when one of its
# substrings occurs, so ordinary output costs a few `in` tests instead of a dozen regex scans.
_WORDS = ("key", "secret", "token", "passw", "_pass", "credential")
_PATTERNS: list[tuple[tuple[str, ...], re.Pattern[str], str]] = [
    # PEM private key blocks, including one cut short by an output cap.
    (
        ("private key-----",),
        re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S),
        r"-----BEGIN \1PRIVATE KEY----- " + MARK,
    ),
    (("sk-ant-",), re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{16,}"), MARK),  # Anthropic
    (("sk-",), re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"), MARK),  # OpenAI
    (
        ("akia", "asia", "agpa", "aida", "aroa"),
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),  # AWS access key ids
        MARK,
    ),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), MARK),  # GitHub
    (("github_pat_",), re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"), MARK),
    (("glpat-",), re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"), MARK),  # GitLab
    (("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), MARK),  # Slack
    (
        ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
        "https://hooks.slack.com/services/" + MARK,
    ),
    (("aiza",), re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), MARK),  # Google API keys
    (("k_live_",), re.compile(r"\b[rs]k_live_[0-9A-Za-z]{16,}"), MARK),  # Stripe
    (("eyj",), re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), MARK),  # JWTs
    # user:password@ in URLs
    (("://",), re.compile(r"(://[^\s:/@]+:)[^\s@/]+@"), r"\1" + MARK + "@"),
    # "api_key": "value" inside JSON or Python dicts, anywhere on a line.
    (
        _WORDS,
        re.compile(r"(?i)([\"'][A-Za-z0-9_.\-]*" + _NAME_WORDS + r"[\"']\s*[:=]\s*)([\"'])([^\"'\n]{3,})\2"),
        r"\1\2" + MARK + r"\2",
    ),
]


_AUTH_WORDS = ("bearer", "basic", "token")
_AUTH_VALUE = re.compile(r"[ \t]+[A-Za-z0-9\-._~+/]{8,}=*")
_AUTH_SLOW = re.compile(r"\b(Bearer|Basic)[ \t]+[A-Za-z0-9\-._~+/]{8,}=*", re.I)
# NAME=value / NAME: value lines (env files, shell exports, YAML); the name is checked separately, which
# avoids the backtracking a single "name containing a secret word" pattern costs on every line.
_ASSIGNMENT = re.compile(
    r"(?m)^([ \t]*(?:export[ \t]+)?[\"']?)([A-Za-z0-9_.\-]+)([\"']?[ \t]*[=:][ \t]*)([\"']?)([^\s\"'#,]{3,})\4"
)
_SECRET_NAME = re.compile(_SECRET_WORD + r"(?:[_.\-]|$)", re.I)


def _assignment(m: re.Match[str]) -> str:
    if _SECRET_NAME.search(m.group(2)) is None:
        return m.group(0)
    quote = m.group(4)
    return f"{m.group(1)}{m.group(2)}{m.group(3)}{quote}{MARK}{quote}"


def _redact_auth(text: str, lower: str) -> str:
    """`Bearer <token>`, `Basic <creds>`, `Token <token>`: found with str.find, which is far cheaper than a
    case-insensitive regex scan of the whole text."""
    if len(lower) != len(text):  # lower() changed the length (rare Unicode): positions would not line up
        return _AUTH_SLOW.sub(lambda m: f"{m.group(1)} {MARK}", text)
    cuts: list[tuple[int, int]] = []
    for word in _AUTH_WORDS:
        pos = lower.find(word)
        while pos != -1:
            end = pos + len(word)
            before = text[pos - 1] if pos else " "
            if not (before.isalnum() or before == "_"):
                m = _AUTH_VALUE.match(text, end)
                # "token <word>" is common prose; only a long value with a digit counts there.
                if m and (word != "token" or (m.end() - end > 16 and any(c.isdigit() for c in m.group()))):
                    cuts.append((end, m.end()))
            pos = lower.find(word, end)
    if not cuts:
        return text
    out: list[str] = []
    last = 0
    for start, stop in sorted(cuts):
        if start < last:
            continue
        out.append(text[last:start] + " " + MARK)
        last = stop
    out.append(text[last:])
    return "".join(out)


def redact(text: str) -> str:
    """Replace secret values (API keys, tokens, private key blocks, KEY=value credentials) with a marker."""
    if not text:
        return text
    lower = text.lower()
    for needles, pattern, replacement in _PATTERNS:
        if any(n in lower for n in needles):
            text = pattern.sub(replacement, text)
            lower = text.lower()
    if any(w in lower for w in _AUTH_WORDS):
        text = _redact_auth(text, lower)
    if any(w in lower for w in _WORDS):
        text = _ASSIGNMENT.sub(_assignment, text)
    return text
