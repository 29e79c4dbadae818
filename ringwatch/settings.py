"""The one settings object: environment variables, validated once at start-up.

Variables with the prefixes ``RINGWATCH_``, ``NEO4J_`` and ``KAFKA_`` are read here and
nowhere else. An unknown ``RINGWATCH_`` variable is an error (a typo must not silently fall
back to a default), and a bad value fails with a message that names the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from ringwatch import textvalues

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The parts of ringwatch that may connect to Neo4j as a user of their own
# (NEO4J_<COMPONENT>_USER / _PASSWORD); the rest, and any component without its own, use
# NEO4J_USER / NEO4J_PASSWORD.
COMPONENTS = {
    "loader": "ringwatch load and ringwatch stream: write accounts, keys, devices, transfers",
    "detector": "ringwatch detect and evaluate: read the graph, GDS, write rings and runs",
    "gnn": "ringwatch train and score: read the graph, GDS, write gnn_score",
    "decider": "ringwatch decide: read the graph, write alerts",
    "app": "the web app's pages: read, and write decisions, ring status and audit events",
    "api": "ringwatch api: read the graph, write ring decisions and audit events",
    "console": "the web app's free Cypher console: read only",
    "analyst": "ringwatch query: the analysts' stored queries, read only",
}
_COMPONENT_VAR = re.compile(r"^NEO4J_(\w+?)_(USER|PASSWORD)$")


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
    # Prometheus endpoints (docs/monitoring.md): the stream loader's, the decision engine's and
    # scheduled detection's ports, and the address they listen on (0.0.0.0 in containers).
    metrics_port: int = field(default=9108, metadata={"env": "RINGWATCH_METRICS_PORT"})
    decide_metrics_port: int = field(
        default=9109, metadata={"env": "RINGWATCH_DECIDE_METRICS_PORT"}
    )
    detect_metrics_port: int = field(
        default=9110, metadata={"env": "RINGWATCH_DETECT_METRICS_PORT"}
    )
    metrics_addr: str = field(default="127.0.0.1", metadata={"env": "RINGWATCH_METRICS_ADDR"})
    log_level: str = field(default="INFO", metadata={"env": "RINGWATCH_LOG_LEVEL"})
    # MLflow store of `ringwatch train`; unset: SQLite under var_dir/mlflow (gnn.tracking)
    mlflow_tracking_uri: str | None = field(default=None, metadata={"env": "MLFLOW_TRACKING_URI"})
    # {component: (user, password)} from NEO4J_<COMPONENT>_USER / _PASSWORD
    component_auth: Mapping[str, tuple[str, str]] = field(
        default_factory=dict, repr=False, metadata={"env": ""}
    )

    @property
    def stack_dir(self) -> Path:
        return self.var_dir / "stack"

    @property
    def audit_file(self) -> Path:
        """The copy of the audit trail outside Neo4j (one JSON line per event)."""
        return self.var_dir / "audit" / "trail.jsonl"

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

    def neo4j_auth(self, component: str | None = None) -> tuple[str, str]:
        """(user, password) for a component: its own when NEO4J_<COMPONENT>_USER/_PASSWORD
        are set, else the shared NEO4J_USER and password."""
        if component is not None and component not in COMPONENTS:
            raise ValueError(f"Unknown Neo4j component {component!r}.")
        if component is not None and component in self.component_auth:
            return self.component_auth[component]
        return self.neo4j_user, self.resolved_password()

    def auth_variables(self, component: str | None = None) -> str:
        """The variables that hold a component's credentials (for messages)."""
        if component is not None and component in self.component_auth:
            name = f"NEO4J_{component.upper()}"
            return f"{name}_USER/{name}_PASSWORD"
        return "NEO4J_USER/NEO4J_PASSWORD (or var/stack/neo4j.password for the local stack)"

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
    names = [f.metadata["env"] for f in fields(Settings) if f.metadata["env"]]
    for component in COMPONENTS:
        names += [f"NEO4J_{component.upper()}_USER", f"NEO4J_{component.upper()}_PASSWORD"]
    return names


def _component_auth(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Per-component credentials; a typo in a component's name, or a user without its
    password (or the reverse), is an error naming the variable."""
    found: dict[str, dict[str, str]] = {}
    for name, value in env.items():
        match = _COMPONENT_VAR.match(name)
        if not match or not value:
            continue
        component = match[1].lower()
        if component not in COMPONENTS:
            if "_" in component:  # e.g. NEO4J_SOME_OTHER_TOOL_USER: not ours
                continue
            raise SettingsError(
                f"{name} names no ringwatch component; components with their own Neo4j "
                f"credentials: {', '.join(c.upper() for c in COMPONENTS)}."
            )
        found.setdefault(component, {})[match[2]] = value
    auth: dict[str, tuple[str, str]] = {}
    for component, pair in found.items():
        for part in ("USER", "PASSWORD"):
            if part not in pair:
                raise SettingsError(
                    f"NEO4J_{component.upper()}_{part} is not set: a component's own "
                    "credentials need both the user and the password."
                )
        auth[component] = (pair["USER"], pair["PASSWORD"])
    return auth


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
        if name and name in env and env[name] != "":
            values[f.name] = _convert(name, env[name], f.default)
    values["component_auth"] = _component_auth(env)
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
