"""Secret files and secret values: which paths are credentials, and redaction of secrets in text.

Reading `.env*`, private keys and credential files is denied by default through every tool (Read, Grep,
Bash alike); secret values that do appear in output are redacted by `redact` (see below) in what the model,
the screen, transcripts, audit logs and exports see.

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
from functools import cache, lru_cache, partial
from typing import NamedTuple

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


# --- secret values ---------------------------------------------------------------------------------------
# `redact` is the one function every output goes through (tool results for the model, the transcript, the
# audit log, the export). It knows three things: token shapes that are secrets wherever they stand, the value
# after `Authorization: Bearer|Basic|token`, and a value given to a secret-looking name (`API_KEY=…`,
# `"token": "…"`, `password: …`, `--password=…`), wherever the name stands on its line, so the prefixes tools
# add (Read's `     3\t`, Grep's `path:3:`, a diff's `+`) do not hide it. Ordinary code is left alone: a value
# that is a call, a subscript, an attribute, a literal like None, or a `$VAR`/`{{ template }}` reference.


class _Shape(NamedTuple):
    needles: tuple[str, ...]  # cheap substrings of the lower-cased text: the pattern runs only when one occurs
    pattern: re.Pattern[str]
    replacement: str
    word: bool  # the match must start a word (checked after matching: a leading \b would slow every scan)


def _shape(needles: str, pattern: str, replacement: str = MARK, flags: int = 0, *, word: bool = True) -> _Shape:
    return _Shape(tuple(needles.split()), re.compile(pattern, flags), replacement, word)


def _replace(shape: _Shape, m: re.Match[str]) -> str:
    start = m.start()
    if shape.word and start and (m.string[start - 1].isalnum() or m.string[start - 1] == "_"):
        return m.group()
    return m.expand(shape.replacement)


@cache
def _shapes() -> list[_Shape]:
    """Token shapes that are secrets wherever they stand; ordinary output costs a few `in` tests, not a scan per
    shape. Compiled on first use: a process that has redacted nothing yet (the screen's first frame) does not
    wait for them."""
    return [
        # PEM private key blocks (RSA, EC, OPENSSH, ENCRYPTED, PGP ... BLOCK), including one cut short by a cap.
        _shape(
            "private",
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
            r"-----BEGIN \1PRIVATE KEY\2----- " + MARK + r" -----END \1PRIVATE KEY\2-----",
            re.S,
            word=False,
        ),
        _shape("sk-ant-", r"sk-ant-[A-Za-z0-9_\-]{16,}"),  # Anthropic
        _shape("sk-", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),  # OpenAI
        _shape("akia asia agpa aida aroa anpa anva aipa", r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"),
        _shape("ghp_ gho_ ghu_ ghs_ ghr_", r"gh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub
        _shape("github_pat_", r"github_pat_[A-Za-z0-9_]{22,}"),
        _shape("glpat-", r"glpat-[A-Za-z0-9_\-]{20,}"),  # GitLab
        _shape("xox", r"xox[abposre]-[A-Za-z0-9-]{10,}"),  # Slack
        _shape("xapp-", r"xapp-\d-[A-Za-z0-9-]{10,}"),
        _shape(
            "hooks.slack.com",
            r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+",
            "https://hooks.slack.com/services/" + MARK,
            word=False,
        ),
        _shape("aiza", r"AIza[0-9A-Za-z_\-]{35}"),  # Google API keys
        _shape("gocspx-", r"GOCSPX-[A-Za-z0-9_\-]{20,}"),  # Google OAuth client secrets
        _shape("ya29.", r"ya29\.[0-9A-Za-z_\-]{20,}"),  # Google OAuth access tokens
        _shape("_live_ _test_", r"[rs]k_(?:live|test)_[0-9A-Za-z]{16,}"),  # Stripe
        _shape("whsec_", r"whsec_[A-Za-z0-9]{20,}"),
        _shape("npm_", r"npm_[A-Za-z0-9]{36}\b"),
        _shape("pypi-", r"pypi-AgE[A-Za-z0-9_\-]{50,}"),
        _shape("hf_", r"hf_[A-Za-z0-9]{30,}\b"),  # Hugging Face
        _shape("sg.", r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"),  # SendGrid
        _shape("_v1_", r"do[opr]_v1_[a-f0-9]{64}\b"),  # DigitalOcean
        _shape("shp", r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b"),  # Shopify
        _shape("eyj", r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWTs
        _shape("://", r"(://[^\s:/@]*:)[^\s@/]+@", r"\1" + MARK + "@", word=False),  # user:password@ in URLs
    ]


_AUTH_WORDS = ("bearer", "basic", "token")
_AUTH_VALUE = re.compile(r"[ \t]+[A-Za-z0-9\-._~+/]{8,}=*")
_AUTH_SLOW = re.compile(r"\b(Bearer|Basic)[ \t]+([A-Za-z0-9\-._~+/]{8,}=*)", re.I)


def _redact_auth(text: str, lower: str) -> str:
    """`Bearer <token>`, `Basic <creds>`, `Token <token>`: found with str.find, which is far cheaper than a
    case-insensitive regex scan of the whole text."""
    if len(lower) != len(text):  # lower() changed the length (rare Unicode): positions would not line up
        return _AUTH_SLOW.sub(
            lambda m: f"{m.group(1)} {MARK}" if _credential_like(m.group(1).lower(), m.group(2)) else m.group(), text
        )
    cuts: list[tuple[int, int]] = []
    for word in _AUTH_WORDS:
        pos = lower.find(word)
        while pos != -1:
            end = pos + len(word)
            before = text[pos - 1] if pos else " "
            if not (before.isalnum() or before == "_"):
                m = _AUTH_VALUE.match(text, end)
                if m and _credential_like(word, m.group().strip()):
                    cuts.append((end, m.end()))
            pos = lower.find(word, end)
    return _splice(text, [(start, stop, " " + MARK) for start, stop in sorted(cuts)])


def _credential_like(word: str, value: str) -> bool:
    """Whether the word after `Bearer`/`Basic`/`token` is a credential, not prose ("basic dimensions.")."""
    value = value.rstrip(".,;:")
    if word == "bearer":
        return True
    if word == "token":  # "token <word>" is common prose; only a long value with a digit counts there
        return len(value) > 16 and any(c.isdigit() for c in value)
    mixed = any(c.isupper() for c in value[1:]) and any(c.islower() for c in value)
    return mixed or len(value) >= 24 or any(c.isdigit() or c in "-_~+/=" for c in value)


def _splice(text: str, cuts: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, stop) span, in order and not overlapping an earlier one, replaced."""
    if not cuts:
        return text
    out: list[str] = []
    last = 0
    for start, stop, replacement in cuts:
        if start < last:
            continue
        out.append(text[last:start] + replacement)
        last = stop
    out.append(text[last:])
    return "".join(out)


# Names: found by a stem, widened to the whole name (letters, digits, `_.-`), then split into words
# (snake, kebab, dotted and camelCase alike) and judged by the last word: `DB_PASSWORD`, `githubToken`,
# `SECRET_KEY` and `--password` are secret names; `password_field`, `max_tokens`, `tokenizer` are not.
_STEMS = re.compile(r"pass|pwd|secret|token|key|credential", re.I)
_STEM_WORDS = ("pass", "pwd", "secret", "token", "key", "credential")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "secret", "token", "credential", "credentials"})
_SECRET_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "secretkey", "privatekey", "accesskey")
# `<owner>_key` names that hold secrets (`primary_key`, `public_key`, `sort_key` do not).
_KEY_OWNERS = frozenset(
    {"api", "access", "secret", "private", "signing", "encryption", "master", "client", "service", "account",
     "auth", "app", "license"}
)  # fmt: skip
# Unquoted values that are code or configuration, not a secret.
_LITERALS = frozenset(
    {"none", "null", "nil", "true", "false", "yes", "no", "on", "off", "undefined", "str", "string", "int",
     "integer", "bool", "boolean", "float", "number", "bytes", "any", "object", "optional", "required",
     "secretstr"}
)  # fmt: skip
_ATTRIBUTE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_IDENTIFIER = re.compile(r"[A-Za-z_]+")  # no digits: a name, where a secret almost always has one
_FUNCTION_WORDS = frozenset(
    {"the", "a", "an", "to", "of", "if", "is", "for", "from", "which", "that", "with", "and", "or", "be", "this",
     "it", "in", "on", "as", "by", "not"}
)  # fmt: skip
_STOP_EQUALS = frozenset(" \t\r\n,;&)}]\"'`<>")
_STOP_COLON = frozenset("\r\n,;)}]\"'`")


def secret_name(name: str) -> bool:
    """True for a name whose value is a secret: `API_KEY`, `db_password`, `githubToken`, `--password`."""
    words = [w.lower() for w in _WORD.findall(name)]
    while words and words[-1].isdigit():
        words.pop()
    if not words:
        return False
    last = words[-1]
    if last == "key":
        return len(words) > 1 and words[-2] in _KEY_OWNERS
    if last in ("pwd", "pass"):  # alone, PWD is the shell's working folder and `pass` a keyword
        return len(words) > 1
    return last in _SECRET_WORDS or last.endswith(_SECRET_ENDINGS)


def _prose(value: str) -> bool:
    """A sentence (a docstring's `token: The token to use.`), not a passphrase: two words or more, one of them a
    function word."""
    words = value.lower().split()
    return len(words) >= 2 and not _FUNCTION_WORDS.isdisjoint(words)


def _names_itself(name: str, inner: str) -> bool:
    """A quoted constant that is a name, not a secret: `ENV_API_KEY = "ANTHROPIC_API_KEY"` (an environment
    variable's name), `REFRESH_TOKEN = "refresh_token"` (the name spelled again)."""
    if _IDENTIFIER.fullmatch(inner) is None:
        return False
    return (inner.isupper() and "_" in inner) or inner.lower() in name.lower()


def _looks_like_code(name: str, value: str, *, colon: bool, quoted_name: bool) -> bool:
    """An unquoted value that is a reference, a template, a collection, a call, an attribute, a literal, a name
    in code (`token = tokens`, `token: Token`) or prose."""
    if (
        not any(c.isalnum() for c in value)
        or value[0] in "$%{[(<@&*!|>"
        or "(" in value
        or "[" in value
        or " = " in value
        or " | " in value
        or value.lower() in _LITERALS
        or _ATTRIBUTE.fullmatch(value) is not None
        or _prose(value)
    ):
        return True
    if _IDENTIFIER.fullmatch(value) is None:
        return False
    if quoted_name:  # JSON has no bare names: `{"token": token}` is a dict in code
        return True
    if colon:  # an annotation names a type; a YAML value in lower case is still a password
        return value[0].isupper() or value[0] == "_" or "_" in value
    # `self.token = token`, `TOKEN = DEFAULT_TOKEN` are code; `DB_PASSWORD=postgres` (env style) is not
    return any(c.islower() for c in name) or value.isupper()


def _quoted_end(text: str, start: int) -> int:
    """The index of the quote closing the string opened at `start` (backslash escapes skipped), or the end of
    the line when it does not close on it."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote or ch == "\n":
            return i
        i += 1
    return len(text)


def _value_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the value given to the name at text[start:end] stands, or None when no value is given to it."""
    n = len(text)
    before = text[start - 1] if start else ""
    j = end
    quoted_name = j < n and text[j] in "\"'`" and before == text[j]
    if quoted_name:
        j += 1  # "api_key": …, 'password' => …
    elif before == "<" and text[j : j + 1] == ">":  # <password>…</password>
        stop = j + 1
        while stop < n and text[stop] not in "<\n":
            stop += 1
        inner = text[j + 1 : stop]
        closed = text.startswith("</", stop)
        return (j + 1, stop) if closed and inner.strip() and inner != MARK else None
    while j < n and text[j] in " \t":
        j += 1
    if text.startswith("=>", j):
        j, stops = j + 2, _STOP_EQUALS
    elif text.startswith("=", j) and text[j + 1 : j + 2] not in ("=", "~"):
        j, stops = j + 1, _STOP_EQUALS
    elif text.startswith(":", j) and text[j + 1 : j + 2] not in (":", "="):
        j, stops = j + 1, _STOP_COLON
    else:
        return None
    while j < n and text[j] in " \t":
        j += 1
    if j >= n:
        return None
    if text[j] in "\"'`":
        close = _quoted_end(text, j)
        inner = text[j + 1 : close]
        if (
            not inner
            or inner == MARK
            or inner[0] in "${%<,;) \t"
            or _prose(inner)
            or _names_itself(text[start:end], inner)
        ):
            return None
        return j + 1, close
    k = j
    while k < n and text[k] not in stops:
        k += 1
    value = text[j:k]
    if stops is _STOP_COLON:  # YAML: the rest of the line, less a trailing comment
        comment = value.find(" #")
        value = (value if comment < 0 else value[:comment]).rstrip()
    if len(value) < 3 or _looks_like_code(text[start:end], value, colon=stops is _STOP_COLON, quoted_name=quoted_name):
        return None
    return j, j + len(value)


def _stem_positions(text: str, lower: str) -> list[tuple[int, int]]:
    """Where the stems of secret names occur: str.find per stem, far cheaper than one case-insensitive scan."""
    if len(lower) != len(text):  # lower() changed the length (rare Unicode): positions would not line up
        return [m.span() for m in _STEMS.finditer(text)]
    found: list[tuple[int, int]] = []
    for stem in _STEM_WORDS:
        pos = lower.find(stem)
        while pos != -1:
            found.append((pos, pos + len(stem)))
            pos = lower.find(stem, pos + len(stem))
    return sorted(found)


def _redact_assignments(text: str, lower: str) -> str:
    cuts: list[tuple[int, int, str]] = []
    done = 0
    size = len(text)
    for start, end in _stem_positions(text, lower):
        if start < done:
            continue
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        while end < size and text[end] in _NAME_CHARS:
            end += 1
        done = end
        if not secret_name(text[start:end]):
            continue
        span = _value_span(text, start, end)
        if span is not None:
            cuts.append((span[0], span[1], MARK))
            done = span[1]
    return _splice(text, cuts)


def redact(text: str) -> str:
    """Replace secret values (token shapes, private key blocks, auth headers, values of secret names) with MARK."""
    if not text:
        return text
    lower = text.lower()
    for shape in _shapes():
        if any(n in lower for n in shape.needles):
            text, count = shape.pattern.subn(partial(_replace, shape), text)
            if count:
                lower = text.lower()
    if any(w in lower for w in _AUTH_WORDS):
        text = _redact_auth(text, lower)
        lower = text.lower()
    if any(w in lower for w in _STEM_WORDS):
        text = _redact_assignments(text, lower)
    return text
