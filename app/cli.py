"""`ringwatch app`: start the investigator web app (Streamlit), or manage its users."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from ringwatch.errors import RingwatchError
from ringwatch.settings import PROJECT_ROOT, load_settings

MAIN = PROJECT_ROOT / "app" / "main.py"
SERVER = PROJECT_ROOT / "app" / "server.py"  # st.App: Streamlit plus the sign-in routes


def streamlit_command(
    host: str,
    port: int,
    users_file: Path,
    models_dir: Path,
    row_limit: int,
    query_timeout: float,
    audit_file: Path | None = None,
    session_idle_minutes: float = 30.0,
    session_hours: float = 12.0,
) -> list[str]:
    """The streamlit command line: local-only defaults, no telemetry, no tracebacks shown."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVER),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.showErrorDetails",
        "none",
        "--client.toolbarMode",
        "minimal",
        "--global.developmentMode",
        "false",
        "--",
        "--users-file",
        str(users_file),
        "--models-dir",
        str(models_dir),
        "--row-limit",
        str(row_limit),
        "--query-timeout",
        str(query_timeout),
        *(["--audit-file", str(audit_file)] if audit_file else []),
        "--session-idle-minutes",
        str(session_idle_minutes),
        "--session-hours",
        str(session_hours),
    ]


def run_app(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (keep 127.0.0.1 unless a "
            "reverse proxy with TLS sits in front)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    users_file: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of users and bcrypt password hashes "
            "(default: $RINGWATCH_VAR_DIR/app-users.toml)."
        ),
    ] = None,
    add_user: Annotated[
        str | None,
        typer.Option(
            help="Add (or reset) this user in the users file, prompting for a password, and exit."
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="Role for --add-user: analyst (masked personal data, may "
            "escalate), investigator (decides, console) or admin (also audit)."
        ),
    ] = None,
    remove_user: Annotated[
        str | None, typer.Option(help="Remove this user from the users file and exit.")
    ] = None,
    models_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of GNN model versions with metrics.json (default: models/)."),
    ] = None,
    row_limit: Annotated[
        int, typer.Option(help="Most rows a console or library query returns.")
    ] = 1000,
    query_timeout: Annotated[
        float, typer.Option(help="Seconds before a console or library query is stopped.")
    ] = 30.0,
    audit_file: Annotated[
        Path | None,
        typer.Option(
            help="Copy of the audit trail outside Neo4j, one JSON line per event, checked by "
            "`ringwatch audit verify` (default: $RINGWATCH_VAR_DIR/audit/trail.jsonl)."
        ),
    ] = None,
    session_idle_minutes: Annotated[
        float,
        typer.Option(help="Minutes without a click or page load before a sign-in expires."),
    ] = 30.0,
    session_hours: Annotated[
        float, typer.Option(help="Hours after which a sign-in expires, however active.")
    ] = 12.0,
) -> None:
    """Start the investigator web app (ring queue, ring graphs, Account 360, decisions,
    query library, runs). Users sign in with roles from the users file; create the first
    one with `ringwatch app --add-user NAME --role admin`."""
    from app import options, security

    settings = load_settings()
    users_path = (users_file or options.default_users_file(settings)).expanduser().resolve()
    try:
        if add_user is not None:
            if role not in security.ROLES:
                raise RingwatchError(
                    f"--add-user needs --role, one of {', '.join(security.ROLES)}."
                )
            password = typer.prompt(
                f"Password for {add_user}", hide_input=True, confirmation_prompt=True
            )
            try:
                security.add_user(users_path, add_user, role, password)
            except ValueError as exc:
                raise RingwatchError(str(exc)) from None
            typer.echo(f"User {add_user} ({role}) saved in {users_path}.")
            return
        if remove_user is not None:
            security.remove_user(users_path, remove_user)
            typer.echo(f"User {remove_user} removed from {users_path}.")
            return
        security.read_users(users_path)
    except security.UsersFileError as exc:
        raise RingwatchError(str(exc)) from None
    if not 0 < port < 65536:
        raise RingwatchError(f"--port {port} is not a TCP port.")
    command = streamlit_command(
        host,
        port,
        users_path,
        (models_dir or options.default_models_dir()).expanduser().resolve(),
        max(1, row_limit),
        max(1.0, query_timeout),
        (audit_file or options.default_audit_file(settings)).expanduser().resolve(),
        session_idle_minutes,
        session_hours,
    )
    typer.echo(f"ringwatch app on http://{host}:{port} (users: {users_path})")
    os.chdir(PROJECT_ROOT)
    os.execv(command[0], command)
