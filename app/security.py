"""Who may use the app and what they may see: users file, roles, masking, audit records.

Everything here is a pure function (no Streamlit, no Neo4j) so it is unit-tested directly.

- Users live in a TOML file (``var/app-users.toml`` by default) with bcrypt password hashes;
  there is no built-in user, so an app without a users file refuses to start.
- Roles: ``analyst`` sees personal data masked and may only escalate; ``investigator`` sees
  CPF/CNPJ and names, decides and uses the free Cypher console
  (guarded by ``app.console``); ``admin`` also reads the audit.
- Audit events are ``(:AuditEvent {at, user, action, detail})`` nodes written by the app's
  stored queries; this module only shapes their content.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import bcrypt

ROLES = ("analyst", "investigator", "admin")
PERMISSIONS: dict[str, frozenset[str]] = {
    "analyst": frozenset({"view", "query", "escalate"}),
    "investigator": frozenset({"view", "query", "escalate", "decide", "console", "personal_data"}),
    "admin": frozenset(
        {"view", "query", "escalate", "decide", "console", "personal_data", "audit"}
    ),
}
DECISIONS = ("confirm", "dismiss", "escalate")
RING_STATUS_AFTER = {"confirm": "confirmed", "dismiss": "dismissed", "escalate": "escalated"}
MIN_PASSWORD = 8
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


class UsersFileError(ValueError):
    """The users file is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


# --- users file ---------------------------------------------------------------------------


def how_to_add_user(path: Path) -> str:
    return f"create one with `ringwatch app --add-user NAME --role admin --users-file {path}`"


def hash_password(password: str) -> str:
    """A bcrypt hash (salted, cost 12) of a password."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"The password must have at least {MIN_PASSWORD} characters.")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(12)).decode("ascii")


def read_users(path: Path) -> dict[str, dict[str, str]]:
    """``{name: {"role": ..., "password_hash": ...}}`` from the users file; fails clearly."""
    if not path.exists():
        raise UsersFileError(f"No users file at {path}: {how_to_add_user(path)}.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsersFileError(f"The users file {path} is not valid TOML: {exc}.") from None
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise UsersFileError(f"The users file {path} needs [users.NAME] tables.")
    for name, entry in users.items():
        if (
            not isinstance(entry, dict)
            or entry.get("role") not in ROLES
            or not str(entry.get("password_hash", "")).startswith("$2")
        ):
            raise UsersFileError(
                f"User {name!r} in {path} needs role (one of {', '.join(ROLES)}) and a bcrypt "
                f"password_hash; re-create it with `ringwatch app --add-user {name} --role ROLE`."
            )
    if not users:
        raise UsersFileError(f"The users file {path} has no users: {how_to_add_user(path)}.")
    return users


def _render_users(users: Mapping[str, Mapping[str, str]]) -> str:
    lines = [
        "# ringwatch app users: bcrypt password hashes, one table per user.",
        "# Edit with `ringwatch app --add-user NAME --role ROLE` / `--remove-user NAME`.",
    ]
    for name in sorted(users):
        entry = users[name]
        # Names, roles and bcrypt hashes are validated to a quote-free alphabet.
        lines += ["", f'[users."{name}"]', f'role = "{entry["role"]}"']
        lines.append(f'password_hash = "{entry["password_hash"]}"')
    return "\n".join(lines) + "\n"


def _write_users(path: Path, users: Mapping[str, Mapping[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_render_users(users))
    os.replace(tmp, path)


def add_user(path: Path, name: str, role: str, password: str) -> None:
    """Create or replace a user in the users file (created with mode 600 if absent)."""
    if not _USER_NAME.match(name):
        raise UsersFileError(
            f"User name {name!r} must be 1-64 letters, digits or . _ @ - (starting with a "
            "letter or digit)."
        )
    if role not in ROLES:
        raise UsersFileError(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    users = read_users(path) if path.exists() else {}
    users[name] = {"role": role, "password_hash": hash_password(password)}
    _write_users(path, users)


def remove_user(path: Path, name: str) -> None:
    """Remove a user from the users file."""
    users = read_users(path)
    if name not in users:
        raise UsersFileError(f"No user {name!r} in {path}.")
    del users[name]
    _write_users(path, users)


@cache
def _dummy_hash() -> bytes:
    """A hash to check unknown names against, so they cost as much as a real check."""
    return bcrypt.hashpw(os.urandom(16), bcrypt.gensalt(12))


def authenticate(users: Mapping[str, Mapping[str, str]], name: str, password: str) -> User | None:
    """The user if the password matches its bcrypt hash; None otherwise (same cost either way)."""
    entry = users.get(name)
    stored = entry["password_hash"].encode("ascii") if entry else _dummy_hash()
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), stored)
    except ValueError:
        ok = False
    return User(name, entry["role"]) if ok and entry else None


@dataclass
class LoginThrottle:
    """Slows password guessing: after ``limit`` failures for a name, refuse it for a while."""

    limit: int = 5
    lockout_s: float = 60.0
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_s(self, name: str, now: float | None = None) -> float:
        """Seconds until ``name`` may try again (0 when allowed)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < self.lockout_s]
            self._failures[name] = recent
            if len(recent) < self.limit:
                return 0.0
            return self.lockout_s - (now - recent[-self.limit])

    def failed(self, name: str, now: float | None = None) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(time.monotonic() if now is None else now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


# --- masking ------------------------------------------------------------------------------

_DIGITS = re.compile(r"\D")
_CPF_TEXT = re.compile(r"(?<!\d)(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?!\d)")
_CNPJ_TEXT = re.compile(r"(?<!\d)(\d{2})\.?(\d{3})\.?(\d{3})/?(\d{4})-?(\d{2})(?!\d)")
_EMAIL_TEXT = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE_TEXT = re.compile(r"\+55\d{6,7}(\d{4})")
_IPV4_TEXT = re.compile(r"\b(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}\b")
# Keys (column names or map keys) that hold personal data wherever they appear.
NAME_KEYS = frozenset({"nome", "name", "nome_titular", "holder_name", "titular"})
DOCUMENT_KEYS = frozenset({"cpf_cnpj", "cpf", "cnpj", "document", "documento"})


def mask_document(value: str | None) -> str | None:
    """CPF as ``***.456.789-**`` and CNPJ as ``**.***.333/0001-**`` (the usual public masks)."""
    if value is None:
        return None
    digits = _DIGITS.sub("", str(value))
    if len(digits) == 11:
        return f"***.{digits[3:6]}.{digits[6:9]}-**"
    if len(digits) == 14:
        return f"**.***.{digits[5:8]}/{digits[8:12]}-**"
    return "***"


def mask_name(value: str | None) -> str | None:
    """Keep each word's first letter: ``Ana Souza`` becomes ``A** S****``."""
    if value is None:
        return None
    return " ".join(w[0] + "*" * (len(w) - 1) for w in str(value).split())


def mask_text(value: str) -> str:
    """Mask CPF/CNPJ numbers, e-mail addresses, +55 phone numbers and IPs inside any text."""
    text = _CNPJ_TEXT.sub(lambda m: mask_document(m.group(0)) or "", value)
    text = _CPF_TEXT.sub(lambda m: mask_document(m.group(0)) or "", text)
    text = _EMAIL_TEXT.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _PHONE_TEXT.sub(lambda m: "+55*******" + m.group(1), text)
    return _IPV4_TEXT.sub(lambda m: m.group(1) + ".*", text)


def mask_key(key: str | None, kind: str | None = None) -> str | None:
    """A Pix key with its personal part hidden (random EVP keys are not personal)."""
    if key is None:
        return None
    if kind == "EVP":
        return key
    return mask_text(str(key))


def mask_value(value: Any, key: str | None = None) -> Any:
    """Mask personal data in a result value: by its key's name, then by pattern, recursively."""
    lowered = (key or "").lower()
    if isinstance(value, Mapping):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if lowered in NAME_KEYS:
        return mask_name(value)
    if lowered in DOCUMENT_KEYS:
        return mask_document(value)
    return mask_text(value)


def mask_rows(rows: list[dict[str, Any]], user: User) -> list[dict[str, Any]]:
    """Rows as the user may see them: unchanged for roles with personal-data rights."""
    if user.can("personal_data"):
        return rows
    return [{k: mask_value(v, k) for k, v in row.items()} for row in rows]


# --- audit ------------------------------------------------------------------------------


def audit_detail(**fields: Any) -> str:
    """The ``detail`` of an AuditEvent: compact JSON, values made JSON-safe, long texts cut."""

    def safe(v: Any) -> Any:
        if isinstance(v, str):
            return v if len(v) <= 4000 else v[:4000] + "..."
        if isinstance(v, int | float | bool) or v is None:
            return v
        if isinstance(v, Mapping):
            return {str(k): safe(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [safe(x) for x in v]
        return str(v)

    return json.dumps({k: safe(v) for k, v in fields.items()}, ensure_ascii=False, sort_keys=True)


def now_utc() -> datetime:
    """The time stamped on decisions and audit events (timezone-aware, UTC)."""
    return datetime.now(UTC)
