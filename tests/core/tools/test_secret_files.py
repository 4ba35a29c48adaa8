"""Attack group: secret files through every tool, and redaction of secret values in what tools return."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.secrets import MARK, is_secret_path, redact
from workbench.core.tools.base import ToolError
from workbench.core.tools.bash import scrub_env
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.registry import build_registry

from .conftest import Caller

SECRET_PATHS = [
    ".env",
    ".env.local",
    ".env.production",
    "config/.env",
    "prod.env",
    "id_rsa",
    "home/.ssh/id_ed25519",
    ".ssh/config",
    "certs/server.pem",
    "tls.key",
    "store.p12",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".aws/credentials",
    ".docker/config.json",
    ".kube/config",
    "credentials.json",
    "client_secret_123.json",
    "secrets.yaml",
    "infra/terraform.tfvars",
    "infra/terraform.tfstate",
    ".ENV",
]
NOT_SECRET = [
    ".env.example",
    ".env.local.example",
    "config/prod.env.sample",
    ".env.sample",
    ".env.template",
    "id_rsa.pub",
    ".ssh/known_hosts",
    "environment.py",
    "src/env.py",
    "keys.py",
    "docker/config.json",
    "README.md",
    "",
    ".",
]

TOKEN = "sk-ant-api03-" + "A" * 40


@pytest.mark.parametrize("rel", SECRET_PATHS)
def test_secret_paths(rel: str) -> None:
    assert is_secret_path(rel)


@pytest.mark.parametrize("rel", NOT_SECRET)
def test_not_secret_paths(rel: str) -> None:
    assert not is_secret_path(rel)


@pytest.mark.parametrize(
    "text,gone",
    [
        (f"key is {TOKEN} ok", TOKEN),
        ("OPENAI_API_KEY=sk-proj-" + "b" * 30, "sk-proj-"),
        ("aws AKIAABCDEFGHIJKLMNOP here", "AKIAABCDEFGHIJKLMNOP"),
        ("token ghp_" + "c" * 36, "ghp_"),
        ("github_pat_" + "d" * 30, "github_pat_"),
        ("slack xoxb-1234567890-abcdefghij", "xoxb-1234567890"),
        ("Authorization: Bearer abcdef1234567890", "abcdef1234567890"),
        ("curl -H 'Authorization: token 0123456789abcdef0123'", "0123456789abcdef0123"),
        ("İstanbul Bearer abcdefghijkl", "abcdefghijkl"),
        ("DB_PASSWORD=hunter2hunter2", "hunter2hunter2"),
        ("export STRIPE_SECRET_KEY='sk_live_0123456789abcdefgh'", "sk_live_0123456789abcdefgh"),
        ('{"client_secret": "s3cr3tvalue"}', "s3cr3tvalue"),
        ("postgres://admin:pa55word@db:5432/x", "pa55word"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----", "MIIEabc"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk (cut by a cap)", "b3BlbnNzaC1rZXk"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "dozjgNryP4J3jVmNHl0w5N"),
    ],
)
def test_redact_removes_secret_values(text: str, gone: str) -> None:
    out = redact(text)
    assert gone not in out
    assert MARK in out


@pytest.mark.parametrize(
    "text",
    [
        "tokenizer: bert",
        "the token returned by login",
        "author: Ada",
        "PWD=/home/me",
        "TOKEN_COUNT=5",
        "def get_secret(name):",
        "keys = {}",
        "",
    ],
)
def test_redact_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_redact_is_idempotent() -> None:
    once = redact(f"API_KEY={TOKEN}\nBearer {TOKEN}")
    assert redact(once) == once


@pytest.fixture
def secrets_in(proj: Path) -> Path:
    (proj / ".env").write_text(f"ANTHROPIC_API_KEY={TOKEN}\n")
    (proj / "config").mkdir()
    (proj / "config" / "prod.env").write_text(f"TOKEN={TOKEN}\n")
    (proj / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
    (proj / "settings.py").write_text(f"API_KEY = '{TOKEN}'\n")
    return proj


@pytest.mark.parametrize("rel", [".env", "config/prod.env", "id_rsa"])
async def test_read_denies_secret_files(
    call: Caller, secrets_in: Path, rel: str, unchanged: Callable[[], None]
) -> None:
    reason = await call.refused("Read", {"file_path": rel})
    assert "secret" in reason
    unchanged()


async def test_read_through_a_link_to_a_secret_is_denied(call: Caller, secrets_in: Path) -> None:
    (secrets_in / "harmless.txt").symlink_to(secrets_in / ".env")
    assert "secret" in await call.refused("Read", {"file_path": "harmless.txt"})


@pytest.mark.parametrize("use_rg", [True, False])
@pytest.mark.parametrize("mode", ["files_with_matches", "content", "count"])
async def test_grep_skips_secret_files(secrets_in: Path, ctx: ToolContext, use_rg: bool, mode: str) -> None:
    grep = build_registry(use_rg=use_rg).get("Grep")
    assert grep is not None
    result = await grep.run({"pattern": "sk-ant", "output_mode": mode}, ctx)
    assert ".env" not in result.content and "id_rsa" not in result.content
    assert "settings.py" in result.content
    assert TOKEN not in result.content  # the match in settings.py is redacted
    with pytest.raises(Exception, match="secret"):
        await grep.run({"pattern": "sk-ant", "path": ".env"}, ctx)


async def test_readmany_skips_secret_files(call: Caller, secrets_in: Path) -> None:
    result = await call("ReadManyFiles", {"paths": ["."], "useDefaultExcludes": False})
    assert TOKEN not in result.content
    assert ".env (secret file)" in result.content
    assert "settings.py" in result.files_read and ".env" not in result.files_read


async def test_listing_shows_secret_names_but_not_contents(call: Caller, secrets_in: Path) -> None:
    ls = await call("LS", {"path": "."})
    assert ".env" in ls.content and TOKEN not in ls.content


async def test_reading_secrets_can_be_allowed_by_settings(secrets_in: Path) -> None:
    ctx = ToolContext(secrets_in, settings=ToolSettings(read_secrets=True))
    read = build_registry().get("Read")
    assert read is not None
    result = await read.run({"file_path": ".env"}, ctx)
    assert "ANTHROPIC_API_KEY=" in result.content and TOKEN not in result.content  # still redacted


async def test_bash_output_is_redacted(call: Caller, secrets_in: Path) -> None:
    result = await call("Bash", {"command": "cat settings.py; echo Bearer abcdefghijklmnop"})
    assert TOKEN not in result.content and "abcdefghijklmnop" not in result.content
    assert MARK in result.content


async def test_bash_environment_is_scrubbed(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "MY_SERVICE_TOKEN"):
        monkeypatch.setenv(name, "leaked-" + name)
    monkeypatch.setenv("DB_PASSWORD", "leaked-db")
    monkeypatch.setenv("HARMLESS", "kept")
    ctx = ToolContext(proj)
    bash = build_registry().get("Bash")
    assert bash is not None
    result = await bash.run({"command": "env"}, ctx)
    assert "leaked" not in result.content
    assert "HARMLESS=kept" in result.content
    assert "GIT_TERMINAL_PROMPT=0" in result.content


def test_scrub_env_keeps_the_basics() -> None:
    env = scrub_env({"PATH": "/bin", "HOME": "/h", "LANG": "C", "ANTHROPIC_BASE_URL": "x", "SSH_AUTH_SOCK": "/s"})
    assert env["PATH"] == "/bin" and env["HOME"] == "/h" and env["LANG"] == "C" and env["SSH_AUTH_SOCK"] == "/s"
    assert "ANTHROPIC_BASE_URL" not in env
    assert os.environ.get("ANTHROPIC_API_KEY") is None  # the suite's isolation holds


async def test_secret_files_cannot_be_edited_even_without_read_before_edit(secrets_in: Path) -> None:
    ctx = ToolContext(secrets_in, settings=ToolSettings(require_read_before_edit=False))
    reg = build_registry()
    for name, args in [
        ("Edit", {"file_path": ".env", "old_string": "ANTHROPIC", "new_string": "X"}),
        ("Write", {"file_path": ".env", "content": "X=1\n"}),
        ("MultiEdit", {"file_path": "id_rsa", "edits": [{"old_string": "AAAA", "new_string": "B"}]}),
    ]:
        tool = reg.get(name)
        assert tool is not None
        with pytest.raises(ToolError, match="secret"):
            await tool.preview(args, ctx)
    assert TOKEN in (secrets_in / ".env").read_text()
    write = reg.get("Write")
    assert write is not None
    created = await write.run({"file_path": "new/.env", "content": "PLACEHOLDER=1\n"}, ctx)
    assert created.files_changed == ("new/.env",)  # creating one is an ordinary (approved) write


@pytest.mark.parametrize("use_rg", [True, False])
async def test_read_deny_rules_reach_multi_file_reads(secrets_in: Path, use_rg: bool) -> None:
    (secrets_in / "private").mkdir()
    (secrets_in / "private" / "notes.md").write_text("sk-ant hidden plan\n")
    ctx = ToolContext(secrets_in, deny_read=lambda rel: rel.startswith("private/"))
    reg = build_registry(use_rg=use_rg)
    grep, many = reg.get("Grep"), reg.get("ReadManyFiles")
    assert grep is not None and many is not None
    found = await grep.run({"pattern": "sk-ant", "output_mode": "content"}, ctx)
    assert "private" not in found.content and "settings.py" in found.content
    result = await many.run({"paths": ["private", "settings.py"]}, ctx)
    assert "hidden plan" not in result.content and "private/notes.md (denied by a Read rule)" in result.content
