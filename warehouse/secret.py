"""The install secret: one key per installation, never in a tracked file.

It signs sign-in cookies, keys the person hash of data-quality findings (HMAC, so a finding's key is
stable across refreshes but cannot be recomputed from a name and a birth date without the key) and
keys the audit log's hash chain. It comes from `SVMT_SECRET`, else from `config/secret.key`, which the
first caller creates with mode 0600 (git-ignored). Rotating it: see SECURITY.md.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIN_CHARS = 32  # a shorter SVMT_SECRET is refused: it would be guessable


class SecretError(Exception):
    """The configured secret is unusable (too short, unreadable): say so rather than run unprotected."""


def secret_path() -> Path:
    """`SVMT_SECRET_FILE`, else `config/secret.key` in the repository."""
    override = os.environ.get("SVMT_SECRET_FILE")
    return Path(override) if override else REPO / "config" / "secret.key"


def install_secret() -> bytes:
    """The key: `SVMT_SECRET`, else the key file, created (0600, atomically) when it does not exist yet."""
    value = os.environ.get("SVMT_SECRET", "")
    if value:
        if len(value) < MIN_CHARS:
            raise SecretError(f"SVMT_SECRET phải có ít nhất {MIN_CHARS} ký tự / must have at least {MIN_CHARS} "
                              "characters")
        return value.encode("utf-8")
    path = secret_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_CHARS:
        raise SecretError(f"{path}: khóa quá ngắn / the key is too short (at least {MIN_CHARS} characters)")
    return key.encode("ascii")


def keyed_hasher(purpose: str = "person") -> Callable[[str], str]:
    """`keyed_hash` with the secret read once: for code that hashes many values (every finding of a refresh,
    every child of an export), so the key file is not re-read per value."""
    key = hmac.new(install_secret(), purpose.encode("utf-8"), hashlib.sha256).digest()

    def digest(text: str) -> str:
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    return digest


def keyed_hash(text: str, purpose: str = "person") -> str:
    """HMAC-SHA256 of `text` under the install secret, separated by purpose; hex, 32 characters."""
    return keyed_hasher(purpose)(text)
