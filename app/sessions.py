"""Server-side sign-in state: sessions (so sign-out and the 12-hour limit hold whatever a cookie says) and
wrong-password counts (so the lock-out survives a restart of the app).

One SQLite file, `SVMT_AUTH_STATE`, else `config/auth_state.sqlite3` (git-ignored), created with mode 0600. Each
call opens and closes its own connection, so several server threads or processes share it safely. Session ids
are stored only as SHA-256 digests: a copy of this file cannot be turned into a cookie. The clock is a
constructor argument so tests move time instead of sleeping.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_FAILURES = 5  # wrong passwords for one user …
WINDOW_S = 15 * 60  # … within 15 minutes lock that user …
LOCK_S = 15 * 60  # … for 15 minutes
SESSION_S = 12 * 3600  # a session lasts at most 12 hours, whatever the cookie says

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, user TEXT NOT NULL, issued_at REAL NOT NULL,
                                     revoked_at REAL);
CREATE TABLE IF NOT EXISTS failures (user TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS locks (user TEXT PRIMARY KEY, until REAL NOT NULL);
"""


def state_path() -> Path:
    override = os.environ.get("SVMT_AUTH_STATE", "")
    return Path(override) if override else REPO / "config" / "auth_state.sqlite3"


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Check:
    """A session id looked up: status "ok", "unknown", "revoked" or "expired"; the user it was issued to."""

    status: str
    user: str | None


class AuthStore:
    def __init__(self, path: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.path = path or state_path()
        self.clock = clock

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if self.path.stat().st_mode & 0o077:
            os.chmod(self.path, 0o600)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.executescript(SCHEMA)
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    # --- sessions ------------------------------------------------------------------------------------------
    def open_session(self, user: str) -> str:
        """A new random session id for `user` (the cookie carries it, signed)."""
        sid = secrets.token_urlsafe(32)
        with self._db() as con:
            con.execute("DELETE FROM sessions WHERE issued_at < ?", [self.clock() - 2 * SESSION_S])  # keep it small
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, NULL)", [_digest(sid), user, self.clock()])
        return sid

    def check(self, sid: str) -> Check:
        with self._db() as con:
            rows = con.execute("SELECT user, issued_at, revoked_at FROM sessions WHERE digest = ?",
                               [_digest(sid)]).fetchall()
        if not rows:
            return Check("unknown", None)
        user, issued_at, revoked_at = rows[0]
        if revoked_at is not None:
            return Check("revoked", user)
        if not 0 <= self.clock() - issued_at < SESSION_S:
            return Check("expired", user)
        return Check("ok", user)

    def revoke(self, sid: str) -> None:
        with self._db() as con:
            con.execute("UPDATE sessions SET revoked_at = ? WHERE digest = ? AND revoked_at IS NULL",
                        [self.clock(), _digest(sid)])

    # --- wrong passwords -----------------------------------------------------------------------------------
    def locked_until(self, user: str) -> float | None:
        """The time (epoch seconds) until which `user` is refused, or None."""
        with self._db() as con:
            rows = con.execute("SELECT until FROM locks WHERE user = ? AND until > ?", [user, self.clock()]).fetchall()
        return rows[0][0] if rows else None

    def record_failure(self, user: str) -> float | None:
        """Count a wrong password; the lock's end when this one makes MAX_FAILURES within WINDOW_S, else None."""
        now = self.clock()
        with self._db() as con:
            con.execute("DELETE FROM failures WHERE at <= ?", [now - WINDOW_S])
            con.execute("INSERT INTO failures VALUES (?, ?)", [user, now])
            count = con.execute("SELECT count(*) FROM failures WHERE user = ? AND at > ?",
                                [user, now - WINDOW_S]).fetchall()[0][0]
            if count < MAX_FAILURES:
                return None
            con.execute("DELETE FROM failures WHERE user = ?", [user])
            con.execute("INSERT OR REPLACE INTO locks VALUES (?, ?)", [user, now + LOCK_S])
        return now + LOCK_S

    def clear_failures(self, user: str) -> None:
        with self._db() as con:
            con.execute("DELETE FROM failures WHERE user = ?", [user])
