"""The one settings object: environment variables, validated once at start-up.

Variables with the prefixes ``RINGWATCH_``, ``NEO4J_`` and ``KAFKA_`` are read here and
nowhere else. An unknown ``RINGWATCH_`` variable is an error (a typo must not silently fall
back to a default), and a bad value fails with a message that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from ringwatch import textvalues

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every knob ringwatch reads from the environment, with its default."""

    neo4j_uri: str = field(default="bolt://127.0.0.1:7687", metadata={"env": "NEO4J_URI"})
    neo4j_user: str = field(default="neo4j", metadata={"env": "NEO4J_USER"})
    neo4j_password: str | None = field(default=None, repr=False, metadata={"env": "NEO4J_PASSWORD"})
    neo4j_database: str = field(default="neo4j", metadata={"env": "NEO4J_DATABASE"})
    kafka_bootstrap_servers: str = field(
        default="127.0.0.1:9092", metadata={"env": "KAFKA_BOOTSTRAP_SERVERS"}
    )
    var_dir: Path = field(default=PROJECT_ROOT / "var", metadata={"env": "RINGWATCH_VAR_DIR"})
    neo4j_heap: str = field(default="2g", metadata={"env": "RINGWATCH_NEO4J_HEAP"})
    neo4j_pagecache: str = field(default="1g", metadata={"env": "RINGWATCH_NEO4J_PAGECACHE"})
    kafka_heap: str = field(default="512m", metadata={"env": "RINGWATCH_KAFKA_HEAP"})
    gds_concurrency: int = field(default=2, metadata={"env": "RINGWATCH_GDS_CONCURRENCY"})
    stack_timeout_s: int = field(default=180, metadata={"env": "RINGWATCH_STACK_TIMEOUT"})
    metrics_port: int = field(default=9108, metadata={"env": "RINGWATCH_METRICS_PORT"})
    log_level: str = field(default="INFO", metadata={"env": "RINGWATCH_LOG_LEVEL"})

    @property
    def stack_dir(self) -> Path:
        return self.var_dir / "stack"

    @property
    def password_file(self) -> Path:
        return self.stack_dir / "neo4j.password"

    @property
    def bolt_port(self) -> int:
        """The Bolt port in NEO4J_URI (the local stack listens there)."""
        return urlsplit(self.neo4j_uri).port or 7687

    @property
    def kafka_port(self) -> int:
        """The port of the first broker in KAFKA_BOOTSTRAP_SERVERS (the local stack's)."""
        first = self.kafka_bootstrap_servers.split(",")[0]
        return int(first.rsplit(":", 1)[1]) if ":" in first else 9092

    @property
    def external_neo4j(self) -> bool:
        """True when the user pointed ringwatch at their own Neo4j (no local stack)."""
        return self.neo4j_password is not None

    def resolved_password(self) -> str:
        """The Neo4j password: NEO4J_PASSWORD, else the one the local stack generated."""
        if self.neo4j_password is not None:
            return self.neo4j_password
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        raise SettingsError(
            "No Neo4j password: set NEO4J_PASSWORD for an existing server, "
            "or run `ringwatch stack up` to start the local stack (it generates one in "
            f"{self.password_file})."
        )


def env_names() -> list[str]:
    """All environment variables the settings object reads."""
    return [f.metadata["env"] for f in fields(Settings)]


def _convert(name: str, raw: str, default: object) -> object:
    """The variable's text as the type of its default, read by ``ringwatch.textvalues`` (the
    rules stored-query parameters follow too); integers must be positive."""
    if isinstance(default, bool):
        try:
            return textvalues.boolean(raw)
        except ValueError as exc:
            raise SettingsError(f"{name}={raw!r} is not a boolean ({exc}).") from None
    if isinstance(default, int):
        try:
            value = textvalues.integer(raw)
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not an integer.") from None
        if value <= 0:
            raise SettingsError(f"{name}={raw!r} must be a positive integer.")
        return value
    if isinstance(default, Path):
        return Path(raw).expanduser().resolve()
    return raw


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build and validate the settings from an environment (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    known = set(env_names())
    unknown = sorted(k for k in env if k.startswith("RINGWATCH_") and k not in known)
    if unknown:
        raise SettingsError(
            f"Unknown setting(s) {', '.join(unknown)}; known RINGWATCH_ settings: "
            + ", ".join(sorted(k for k in known if k.startswith("RINGWATCH_")))
        )
    values: dict[str, object] = {}
    for f in fields(Settings):
        name = f.metadata["env"]
        if name in env and env[name] != "":
            values[f.name] = _convert(name, env[name], f.default)
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.neo4j_uri.startswith(("bolt://", "neo4j://", "bolt+s://", "neo4j+s://")):
        raise SettingsError(
            f"NEO4J_URI={settings.neo4j_uri!r} must start with bolt:// or neo4j://."
        )
    try:
        settings.bolt_port, settings.kafka_port  # noqa: B018
    except ValueError:
        raise SettingsError(
            "NEO4J_URI or KAFKA_BOOTSTRAP_SERVERS has a port that is not a number."
        ) from None
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"RINGWATCH_LOG_LEVEL={settings.log_level!r} is not a log level.")
    return settings
