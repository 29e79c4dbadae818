"""`ringwatch api`: serve the REST API with uvicorn, or manage its tokens, or write its
OpenAPI document."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ringwatch.errors import RingwatchError
from ringwatch.settings import Settings, load_settings

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8600
# Where docs/api.md holds its copy of the OpenAPI document.
OPENAPI_BLOCK = re.compile(r"<!-- openapi:begin -->\n```json\n(.*?)```\n<!-- openapi:end -->", re.S)


def default_tokens_file(settings: Settings) -> Path:
    return settings.var_dir / "api-tokens.toml"


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, built from the app itself (no server, no Neo4j)."""
    from api.metrics import ApiMetrics
    from api.server import ApiConfig, create_app

    app = create_app(ApiConfig(), None, None, None, ApiMetrics())  # type: ignore[arg-type]
    return app.openapi()


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_openapi(path: Path) -> None:
    """Write the OpenAPI document to ``path``: the whole file for JSON, the block between
    the ``openapi`` markers for a Markdown page (docs/api.md)."""
    text = openapi_text()
    if path.suffix != ".md":
        path.write_text(text, encoding="utf-8")
        return
    page = path.read_text(encoding="utf-8")
    if not OPENAPI_BLOCK.search(page):
        raise RingwatchError(
            f"{path} has no <!-- openapi:begin --> ```json ... ``` <!-- openapi:end --> block."
        )
    block = f"<!-- openapi:begin -->\n```json\n{text}```\n<!-- openapi:end -->"
    path.write_text(OPENAPI_BLOCK.sub(lambda _: block, page), encoding="utf-8")


def api(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (keep 127.0.0.1 unless a reverse proxy with TLS sits "
            "in front: tokens travel in a header)."
        ),
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    tokens_file: Annotated[
        Path | None,
        typer.Option(
            help="TOML file of token hashes, users and roles "
            "(default: $RINGWATCH_VAR_DIR/api-tokens.toml)."
        ),
    ] = None,
    add_token: Annotated[
        str | None,
        typer.Option(help="Issue a token for this user name with --role, print it once, and exit."),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="Role for --add-token, the app's roles: analyst (masked personal data, may "
            "escalate), investigator (sees personal data, decides) or admin."
        ),
    ] = None,
    days: Annotated[
        float, typer.Option(help="Days until a token from --add-token expires (0: never).")
    ] = 90.0,
    revoke_token: Annotated[
        str | None, typer.Option(help="Revoke the token with this id and exit.")
    ] = None,
    list_tokens: Annotated[
        bool, typer.Option(help="List token ids, users, roles and expiry, and exit.")
    ] = False,
    openapi: Annotated[
        Path | None,
        typer.Option(
            help="Write the OpenAPI document to this JSON file (or into the openapi block "
            "of a Markdown page such as docs/api.md) and exit."
        ),
    ] = None,
    rules_file: Annotated[
        Path | None,
        typer.Option("--rules", help="Decision rules (default: rules/pix.yaml, as `decide`)."),
    ] = None,
    models_dir: Annotated[
        Path, typer.Option(help="Model registry whose `current` model gives the GNN threshold.")
    ] = Path("models"),
    refresh_check: Annotated[
        float,
        typer.Option(
            help="Seconds between checks for a new detection run, decision, fraud record or "
            "model version (then rings, scores and fraud cases are reloaded)."
        ),
    ] = 10.0,
    rebuild_every: Annotated[
        float,
        typer.Option(
            help="Seconds between full rebuilds of the decision state (accounts, keys, "
            "recent transfers loaded since start); 0: only at start."
        ),
    ] = 0.0,
    query_timeout: Annotated[
        float, typer.Option(help="Seconds before a read endpoint's query is stopped.")
    ] = 30.0,
    access_log: Annotated[bool, typer.Option(help="Log every request (uvicorn).")] = False,
) -> None:
    """Serve the REST API (FastAPI + uvicorn) on http://HOST:PORT: POST /v1/decisions
    decides a transfer with the rules and state of `ringwatch decide`; GET /v1/alerts,
    /v1/rings, /v1/rings/{id}, /v1/accounts/{id}; POST /v1/rings/{id}/decisions records an
    audited decision as the app does; /metrics, /healthz, the OpenAPI UI at /docs. Clients
    send `Authorization: Bearer <token>`; issue one with `ringwatch api --add-token NAME
    --role ROLE`. See docs/api.md."""
    from api import tokens

    if openapi is not None:
        write_openapi(openapi)
        typer.echo(f"OpenAPI document written to {openapi}.")
        return
    settings = load_settings()
    path = (tokens_file or default_tokens_file(settings)).expanduser().resolve()
    try:
        if add_token is not None:
            if role is None:
                raise RingwatchError("--add-token needs --role: analyst, investigator or admin.")
            token, entry = tokens.add_token(path, add_token, role, days or None)
            until = entry.expires.isoformat() if entry.expires else "never"
            typer.echo(
                f"Token {entry.token_id} for {entry.user} ({entry.role}), expires {until}; "
                f"saved as a hash in {path}. It is shown only now:",
                err=True,
            )
            typer.echo(token)
            return
        if revoke_token is not None:
            removed = tokens.revoke_token(path, revoke_token)
            typer.echo(f"Token {removed.token_id} of {removed.user} revoked.")
            return
        if list_tokens:
            now = datetime.now(UTC)
            for entry in tokens.read_tokens(path).values():
                state = "expired" if entry.expires and entry.expires <= now else "valid"
                until = entry.expires.isoformat() if entry.expires else "never"
                typer.echo(f"{entry.token_id}  {entry.user}  {entry.role}  {until}  {state}")
            return
        if not tokens.read_tokens(path):
            raise tokens.TokensFileError(
                f"The API tokens file {path} has no tokens: {tokens.how_to_add(path)}."
            )
        store = tokens.TokenStore(path)
    except tokens.TokensFileError as exc:
        raise RingwatchError(str(exc)) from None
    if not 0 < port < 65536:
        raise RingwatchError(f"--port {port} is not a TCP port.")
    _serve(
        settings,
        store,
        host,
        port,
        rules_file,
        models_dir,
        refresh_check,
        rebuild_every,
        query_timeout,
        access_log,
    )


def _serve(
    settings: Settings,
    store: Any,
    host: str,
    port: int,
    rules_file: Path | None,
    models_dir: Path,
    refresh_check: float,
    rebuild_every: float,
    query_timeout: float,
    access_log: bool,
) -> None:
    import uvicorn

    from api.metrics import ApiMetrics
    from api.scorer import Scorer
    from api.server import ApiConfig, create_app
    from decide.rules import DEFAULT_RULES, load_rules
    from graph.gateway import Gateway

    rules = load_rules(rules_file or DEFAULT_RULES)  # a malformed file fails before any I/O
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with Gateway(settings) as gateway:
        gateway.verify()
        scorer = Scorer(
            gateway,
            rules,
            models_dir,
            refresh_check_s=max(0.5, refresh_check),
            rebuild_every_s=max(0.0, rebuild_every),
        )
        typer.echo("Loading the decision state from Neo4j...")
        scorer.load()
        typer.echo(
            f"State loaded in {scorer.status.loaded_in_s:.1f} s: {scorer.status.accounts:,} "
            f"accounts, {scorer.status.keys:,} keys (graph time "
            f"{scorer.status.graph_time or 'empty'}); rules {rules.version}."
        )
        app = create_app(
            ApiConfig(audit_file=settings.audit_file, query_timeout_s=max(1.0, query_timeout)),
            gateway,
            scorer,
            store,
            ApiMetrics(),
            on_start=scorer.start,
            on_stop=scorer.stop,
        )
        typer.echo(f"ringwatch api on http://{host}:{port} (OpenAPI UI at /docs), ready.")
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=level.lower(),
            access_log=access_log,
            server_header=False,
        )
