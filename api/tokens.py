"""Bearer tokens of the REST API: random secrets whose SHA-256 hashes are kept in a file.

``ringwatch api --add-token NAME --role ROLE`` makes a token ``rw_<id>_<secret>`` (the id is
public, the secret 32 random bytes), prints it once and stores only its hash, with the user,
the role (one of the app's roles) and an expiry, in ``var/api-tokens.toml`` (mode 600). No
signing key exists, so none can leak: a stolen tokens file holds hashes of secrets too long
to guess, and revoking a token is removing its entry (``--revoke-token ID``), which the
running server notices at the next request (it re-reads the file when it changes).

A plain SHA-256 is enough here (unlike passwords, which the app hashes with bcrypt): the
secret is 256 random bits, not something a person chose, so there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.security import ROLES, User

PREFIX = "rw_"
_TOKEN = re.compile(r"^rw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,63}$")


class TokensFileError(ValueError):
    """The tokens file is missing or malformed, or an entry cannot be made; says the fix."""


@dataclass(frozen=True)
class TokenEntry:
    token_id: str
    user: str
    role: str
    sha256: str
    created: datetime
    expires: datetime | None

    def user_of(self) -> User:
        return User(self.user, self.role)


def how_to_add(path: Path) -> str:
    return f"issue one with `ringwatch api --add-token NAME --role ROLE --tokens-file {path}`"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _time(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    raise TokensFileError(f"{where} is not a date-time.")


def read_tokens(path: Path) -> dict[str, TokenEntry]:
    """``{token_id: entry}`` from the tokens file; fails with a message naming the fix."""
    if not path.exists():
        raise TokensFileError(f"No API tokens file at {path}: {how_to_add(path)}.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TokensFileError(f"The API tokens file {path} is not valid TOML: {exc}.") from None
    tokens = data.get("tokens", {})
    if not isinstance(tokens, dict):
        raise TokensFileError(f"The API tokens file {path} needs [tokens.ID] tables.")
    out: dict[str, TokenEntry] = {}
    for token_id, entry in tokens.items():
        where = f"Token {token_id!r} in {path}"
        if (
            not isinstance(entry, dict)
            or entry.get("role") not in ROLES
            or not _USER.match(str(entry.get("user", "")))
            or not re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256", "")))
        ):
            raise TokensFileError(
                f"{where} needs user, role (one of {', '.join(ROLES)}) and sha256; "
                "revoke it and issue a new one with `ringwatch api --add-token`."
            )
        expires = entry.get("expires")
        out[token_id] = TokenEntry(
            token_id,
            str(entry["user"]),
            str(entry["role"]),
            str(entry["sha256"]),
            _time(entry.get("created"), f"{where}: created"),
            None if expires is None else _time(expires, f"{where}: expires"),
        )
    return out


def _render(entries: Mapping[str, TokenEntry]) -> str:
    lines = [
        "# ringwatch API tokens: SHA-256 hashes of bearer tokens, one table per token.",
        "# Edit with `ringwatch api --add-token NAME --role ROLE` / `--revoke-token ID`.",
    ]
    for token_id in sorted(entries):
        e = entries[token_id]
        # ids, user names, roles and hashes are validated to a quote-free alphabet
        lines += ["", f'[tokens."{token_id}"]', f'user = "{e.user}"', f'role = "{e.role}"']
        lines += [f'sha256 = "{e.sha256}"', f"created = {e.created.isoformat()}"]
        if e.expires is not None:
            lines.append(f"expires = {e.expires.isoformat()}")
    return "\n".join(lines) + "\n"


def _write(path: Path, entries: Mapping[str, TokenEntry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_render(entries))
    os.replace(tmp, path)


def add_token(
    path: Path, user: str, role: str, days: float | None = 90.0, now: datetime | None = None
) -> tuple[str, TokenEntry]:
    """A new token for ``user`` with ``role`` (expiring after ``days``, never when None),
    stored as its hash; returns the token (shown once) and its entry."""
    if not _USER.match(user):
        raise TokensFileError(
            f"User name {user!r} must be 1-64 letters, digits or . _ @ : - (starting with a "
            "letter or digit)."
        )
    if role not in ROLES:
        raise TokensFileError(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    entries = read_tokens(path) if path.exists() else {}
    created = (now or datetime.now(UTC)).replace(microsecond=0)
    token_id = secrets.token_hex(6)
    token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    expires = None if days is None else created + timedelta(days=days)
    entry = TokenEntry(token_id, user, role, digest(token), created, expires)
    entries[token_id] = entry
    _write(path, entries)
    return token, entry


def revoke_token(path: Path, token_id: str) -> TokenEntry:
    """Remove a token by its id; the entry removed."""
    entries = read_tokens(path)
    if token_id not in entries:
        raise TokensFileError(f"No token with id {token_id!r} in {path} (see --list-tokens).")
    removed = entries.pop(token_id)
    _write(path, entries)
    return removed


def check(entries: Mapping[str, TokenEntry], token: str, now: datetime) -> TokenEntry | None:
    """The entry of a well-formed, known, unexpired token whose hash matches; else None."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    entry = entries.get(match[1])
    if entry is None or not hmac.compare_digest(entry.sha256, digest(token)):
        return None
    if entry.expires is not None and now >= entry.expires:
        return None
    return entry


class TokenStore:
    """The tokens file as the server sees it: re-read whenever it changes on disk, so a
    revoked token stops working at once. A file that turns unreadable keeps nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._entries: dict[str, TokenEntry] = {}
        self.reload()

    def reload(self) -> None:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        with self._lock:
            if stamp == self._stamp:
                return
            try:
                self._entries = read_tokens(self.path)
            except TokensFileError:
                self._entries = {}
                raise
            finally:
                self._stamp = stamp

    def user(self, token: str, now: datetime | None = None) -> User | None:
        """The user and role a bearer token carries, or None for any bad token."""
        try:
            self.reload()
        except (OSError, TokensFileError):
            with self._lock:
                self._entries = {}
            return None
        entry = check(self._entries, token, now or datetime.now(UTC))
        return entry.user_of() if entry else None
