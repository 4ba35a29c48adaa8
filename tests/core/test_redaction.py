"""The one redaction function against the shapes tools really return, row by row.

`SECRET_ROWS`: (text, secret) where the secret must be gone and the marker present; `CLEAN_ROWS`: ordinary code
and prose that must come back unchanged. The prefixes are the real ones: Read numbers lines as `{n:>6}\\t`, Grep
prefixes `path:line:` (matches) and `path-line-` (context), diffs add `+`/`-`.
"""

from __future__ import annotations

import pytest

from workbench.core.secrets import MARK, redact

PW = "hunter2hunter2"  # an ordinary password: only its name and form give it away
ANT = "sk-ant-api03-" + "Ab1_" * 10
GHP = "ghp_" + "a1B2" * 9
AWS = "AKIA" + "ABCDEFGHIJ234567"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM_BODY = "MIIEowIBAAKCAQEAx1b2c3d4e5f6g7h8"


def _read(*lines: str, first: int = 1) -> str:
    """What the Read tool returns for these file lines."""
    return "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(lines, start=first))


SECRET_ROWS: list[tuple[str, str]] = [
    # KEY=value and its relatives, bare and behind every prefix a tool adds
    (f"API_KEY={PW}", PW),
    (_read("# settings", f"API_KEY={PW}"), PW),
    (_read(f"DB_PASSWORD={PW}", first=120), PW),
    (f"src/settings.env.sample:3:API_KEY={PW}", PW),
    (f"config/app.ini-4-db_password = {PW}", PW),
    (f"deploy/env.sh:12:export GITHUB_TOKEN={PW}", PW),
    (f"export API_KEY={PW}", PW),
    (f"export API_KEY='{PW}'", PW),
    (f'  export SECRET_KEY="{PW}"', PW),
    (f"set PASSWORD={PW}", PW),
    (f"ENV SERVICE_TOKEN={PW}", PW),
    (f'API_KEY = "{PW}"', PW),
    (f"API_KEY = '{PW}'", PW),
    (_read(f'SECRET_KEY = "{PW}"'), PW),
    (f'    self.password = "{PW}"', PW),
    (f'client = Client(api_key="{PW}")', PW),
    (f"+DB_PASSWORD={PW}", PW),
    (f"-    auth_token: {PW}", PW),
    (f"db_pass={PW}", PW),
    (f"MYSQL_ROOT_PASSWORD={PW}", PW),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    (f"app.secret_key = '{PW}'", PW),
    (f"const apiKey = '{PW}';", PW),
    (f'let githubToken = "{PW}"', PW),
    (f"$password = '{PW}';", PW),
    (f"'password' => '{PW}',", PW),
    (f"mysql --password={PW} db", PW),
    (f"PGPASSWORD={PW} psql", PW),
    (f"spring.datasource.password={PW}", PW),
    (f"<password>{PW}</password>", PW),
    # JSON, also as Read and Grep show it
    (f'{{"api_key": "{PW}"}}', PW),
    (f'{{"password":"{PW}","user":"ada"}}', PW),
    (_read("{", f'  "client_secret": "{PW}",', "}"), PW),
    (f'config.json:7:    "accessToken": "{PW}",', PW),
    (f'{{"auth": {{"token": "{PW}"}}}}', PW),
    # YAML
    (f"password: {PW}", PW),
    (f"  db_password: '{PW}'", PW),
    (f'  api_key: "{PW}"', PW),
    (_read("database:", f"  password: {PW}", "  user: ada"), PW),
    (f"k8s/secret.yaml:9:  token: {PW}", PW),
    ("password: correct horse battery staple", "correct horse battery staple"),
    # PEM blocks
    (f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----", PEM_BODY),
    (f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----", PEM_BODY),
    (f"-----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}\n-----END EC PRIVATE KEY-----", PEM_BODY),
    (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}\n-----END OPENSSH PRIVATE KEY-----", PEM_BODY),
    (f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{PEM_BODY}\n-----END ENCRYPTED PRIVATE KEY-----", PEM_BODY),
    (f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{PEM_BODY}\n-----END PGP PRIVATE KEY BLOCK-----", PEM_BODY),
    (_read("-----BEGIN RSA PRIVATE KEY-----", PEM_BODY, "-----END RSA PRIVATE KEY-----"), PEM_BODY),
    (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY} (cut by a cap)", PEM_BODY),
    (f'key = "-----BEGIN PRIVATE KEY-----\\n{PEM_BODY}\\n-----END PRIVATE KEY-----"', PEM_BODY),
    # well-known token shapes, wherever they stand
    (f"key is {ANT} ok", ANT),
    (f"     1\tclient = Anthropic(api_key={ANT!r})", ANT),
    ("sk-proj-" + "Ab3d" * 12, "Ab3d" * 12),
    ("sk-" + "x1Y2" * 12, "x1Y2" * 12),
    (f"aws {AWS} here", AWS),
    ("ASIA" + "Q" * 16, "Q" * 16),
    (f"token {GHP}", GHP),
    ("gho_" + "z9" * 18, "z9" * 18),
    ("ghs_" + "k8" * 18, "k8" * 18),
    ("github_pat_11ABCDEFG0" + "x" * 60, "x" * 60),
    ("glpat-" + "a1b2c3d4e5f6g7h8i9j0", "a1b2c3d4e5f6g7h8i9j0"),
    ("xoxb-1234567890-0987654321-abcdefghijklmnop", "abcdefghijklmnop"),
    ("xoxp-1234567890-0987654321-abcdefghijkl", "abcdefghijkl"),
    ("xapp-1-A0123456789-0123456789012-" + "f" * 64, "f" * 64),
    ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX"),
    ("AIza" + "SyD-0123456789abcdefghijklmnopqrstu", "SyD-0123456789abcdefghijklmnopqrstu"),
    ("GOCSPX-" + "abcdefghijklmnopqrstuvwxyz12", "abcdefghijklmnopqrstuvwxyz12"),
    ("ya29.a0AfH6SMBx" + "y" * 40, "y" * 40),
    ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    ("sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    ("rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    ("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ("npm_" + "a" * 36, "a" * 36),
    ("pypi-AgEIcHlwaS5vcmc" + "B" * 60, "B" * 60),
    ("hf_" + "abcdefghijklmnopqrstuvwxyzABCDEFGH", "abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    ("SG." + "a" * 22 + "." + "b" * 43, "b" * 43),
    ("dop_v1_" + "0f" * 32, "0f" * 32),
    ("shpat_" + "0a" * 16, "0a" * 16),
    (f"jwt {JWT}", JWT),
    (f"src/api.py:40:    headers = {{'Authorization': 'Bearer {PW}'}}", PW),
    (f"Authorization: Basic {PW}==", PW),
    ("curl -H 'Authorization: token 0123456789abcdef0123'", "0123456789abcdef0123"),
    (f"postgres://admin:{PW}@db:5432/x", PW),
    (f"redis://:{PW}@cache:6379/0", PW),
]

CLEAN_ROWS: list[str] = [
    "password_field = forms.CharField()",
    "key = dict.get(k)",
    "token = tokenizer.next_token()",
    "secret = os.environ['SECRET']",
    'api_key = os.environ.get("API_KEY")',
    "password = getpass.getpass()",
    "password: str",
    "    password: Optional[str] = None",
    "def login(user, password):",
    "if password == confirm_password:",
    "API_KEY=${API_KEY}",
    "export GITHUB_TOKEN=$GH_TOKEN",
    "password: {{ vault_db_password }}",
    "token = None",
    '"password": null,',
    "auth_token: true",
    _read("def check(password_hash, candidate):", "    return hmac.compare_digest(password_hash, candidate)"),
    "src/app.py:3:    token = request.headers.get('X-Token')",
    "tokenizer: bert",
    "the token returned by login",
    "author: Ada",
    "PWD=/home/me",
    "TOKEN_COUNT=5",
    "max_tokens = 16000",
    "token_count = 100",
    "password_min_length = 12",
    "secret_santa = True",
    "def get_secret(name):",
    "keys = {}",
    "ask for the password again",
    "tasks-and-skills-are-listed-here",
    "desk-ant-farm",
    "the BEGIN of the PRIVATE KEY section",
    "",
]


@pytest.mark.parametrize(("text", "secret"), SECRET_ROWS)
def test_a_secret_shape_is_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out, out
    assert MARK in out


@pytest.mark.parametrize("text", CLEAN_ROWS)
def test_ordinary_code_and_prose_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_the_name_and_the_prefix_stay_readable() -> None:
    assert redact(_read(f"API_KEY={PW}", first=3)) == f"     3\tAPI_KEY={MARK}"
    assert redact(f"src/a.env.sample:3:API_KEY={PW}") == f"src/a.env.sample:3:API_KEY={MARK}"
    assert redact(f'{{"api_key": "{PW}"}}') == f'{{"api_key": "{MARK}"}}'
    assert redact(f"password: {PW}  # prod") == f"password: {MARK}  # prod"


@pytest.mark.parametrize("text", [row for row, _ in SECRET_ROWS[::7]])
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_table_size() -> None:
    """The table the closing note reports: keep it honest when rows change."""
    assert len(SECRET_ROWS) >= 80 and len(CLEAN_ROWS) >= 30
