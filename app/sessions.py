"""Sign-in sessions that survive a reload: a signed, expiring token in an HTTP-only,
``SameSite=Strict`` cookie, checked against sessions held in the app's memory.

- ``/signin`` (``app.server``) checks the password and opens a session: a random id, its
  absolute expiry and an HMAC-SHA256 signature over both, with a key made at start-up.
- Every page load (``app.server.SessionGate``) and every click (``app.main``) checks the
  token: the signature, the expiry, that the session is still open, and that it was used
  within the idle timeout (each check counts as use).
- Signing out revokes the session at once; so does removing the user from the users file.

Sessions live in this process only: restarting the app signs everyone out, and several app
processes behind one address do not share them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "ringwatch_session"


@dataclass
class Session:
    user: str
    expires: float
    last_seen: float


@dataclass
class SessionStore:
    """Open, check and revoke sessions. ``clock`` is injectable for tests."""

    idle_s: float
    lifetime_s: float
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    clock: Callable[[], float] = time.time
    _sessions: dict[str, Session] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _sign(self, sid: str, expires: int) -> str:
        mac = hmac.new(self.key, f"{sid}.{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def open(self, user: str) -> str:
        """A new session for ``user``; its token."""
        now = self.clock()
        sid, expires = secrets.token_urlsafe(24), int(now + self.lifetime_s)
        with self._lock:
            self._sessions[sid] = Session(user, expires, now)
        return f"{sid}.{expires}.{self._sign(sid, expires)}"

    def _sid(self, token: str) -> str | None:
        """The session id of a well-formed token with a valid signature, or None."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        sid, expires, signature = parts
        if not hmac.compare_digest(signature, self._sign(sid, int(expires))):
            return None
        return sid

    def check(self, token: str | None) -> str | None:
        """The user of a valid, unexpired, recently used session (and mark it used now);
        None for anything else, and an expired session is closed."""
        sid = self._sid(token) if token else None
        if sid is None:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now >= session.expires or now - session.last_seen > self.idle_s:
                del self._sessions[sid]
                return None
            session.last_seen = now
            return session.user

    def revoke(self, token: str | None) -> None:
        """Close the token's session (signing out)."""
        sid = self._sid(token) if token else None
        if sid is not None:
            with self._lock:
                self._sessions.pop(sid, None)

    def revoke_user(self, user: str) -> None:
        """Close every session of ``user`` (removed from the users file)."""
        with self._lock:
            for sid in [s for s, session in self._sessions.items() if session.user == user]:
                del self._sessions[sid]


_store: SessionStore | None = None
_store_lock = threading.Lock()


def store(idle_s: float, lifetime_s: float) -> SessionStore:
    """This process's session store (made on first use with these limits)."""
    global _store
    with _store_lock:
        if _store is None:
            _store = SessionStore(idle_s=idle_s, lifetime_s=lifetime_s)
        return _store


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
