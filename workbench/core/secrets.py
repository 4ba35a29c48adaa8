"""Secret files and secret values: which paths are credentials, and redaction of secrets in text.

Reading `.env*`, private keys and credential files is denied by default through every tool (Read, Grep,
Bash alike); secret values that do appear in output are redacted in evidence, transcripts and logs.
"""

from __future__ import annotations


def is_secret_path(rel_path: str) -> bool:
    """True when a workspace-relative POSIX path names a credential file (.env, id_rsa, *.pem, ...)."""
    raise NotImplementedError


def redact(text: str) -> str:
    """Replace secret values (API keys, tokens, private key blocks, KEY=value credentials) with a marker."""
    raise NotImplementedError
