"""The app's start-up options, passed by ``ringwatch app`` after ``--`` on the streamlit
command line (``streamlit run app/server.py -- --users-file ...``)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from ringwatch.settings import PROJECT_ROOT, Settings

DEFAULT_ROW_LIMIT = 1000
DEFAULT_QUERY_TIMEOUT_S = 30.0
DEFAULT_SESSION_IDLE_MIN = 30.0
DEFAULT_SESSION_HOURS = 12.0


@dataclass(frozen=True)
class AppOptions:
    users_file: Path
    models_dir: Path
    audit_file: Path
    row_limit: int = DEFAULT_ROW_LIMIT
    query_timeout_s: float = DEFAULT_QUERY_TIMEOUT_S
    session_idle_s: float = DEFAULT_SESSION_IDLE_MIN * 60
    session_lifetime_s: float = DEFAULT_SESSION_HOURS * 3600


def default_users_file(settings: Settings) -> Path:
    return settings.var_dir / "app-users.toml"


def default_audit_file(settings: Settings) -> Path:
    """The copy of the audit trail outside Neo4j (one JSON line per event)."""
    return settings.audit_file


def default_models_dir() -> Path:
    return PROJECT_ROOT / "models"


def parse_options(argv: list[str], settings: Settings) -> AppOptions:
    """Options from the script's arguments; unknown arguments are ignored."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--users-file", type=Path, default=default_users_file(settings))
    parser.add_argument("--models-dir", type=Path, default=default_models_dir())
    parser.add_argument("--audit-file", type=Path, default=default_audit_file(settings))
    parser.add_argument("--row-limit", type=int, default=DEFAULT_ROW_LIMIT)
    parser.add_argument("--query-timeout", type=float, default=DEFAULT_QUERY_TIMEOUT_S)
    parser.add_argument("--session-idle-minutes", type=float, default=DEFAULT_SESSION_IDLE_MIN)
    parser.add_argument("--session-hours", type=float, default=DEFAULT_SESSION_HOURS)
    known, _ = parser.parse_known_args(argv)
    return AppOptions(
        users_file=known.users_file.expanduser().resolve(),
        models_dir=known.models_dir.expanduser().resolve(),
        audit_file=known.audit_file.expanduser().resolve(),
        row_limit=max(1, known.row_limit),
        query_timeout_s=max(1.0, known.query_timeout),
        session_idle_s=max(0.01, known.session_idle_minutes) * 60,
        session_lifetime_s=max(0.01, known.session_hours) * 3600,
    )
