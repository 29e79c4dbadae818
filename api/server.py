"""The REST API (FastAPI): decisions on transfers, alerts, rings, accounts, ring decisions.

``create_app`` wires the routes to what they use, all passed in (the gateway, the decision
scorer, the token store, the metrics), so the same app runs under uvicorn
(``ringwatch api``) and, with fakes, in unit tests and the OpenAPI export.

- Reads run the stored queries through ``app.store.read`` (READ transactions with a time
  limit, tried once), the app's own; rows are masked with ``app.security.mask_rows`` for
  roles without the ``personal_data`` permission, exactly as the app masks its tables.
- ``POST /v1/rings/{id}/decisions`` is ``app.store.record_decision``: the same Decision
  node, ring status and hash-chained audit event as a decision taken in the app.
- ``POST /v1/decisions`` never touches Neo4j: ``api.scorer`` holds the state.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime,
# and they name dependencies local to create_app.
import asyncio
import json
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, ValidationError, field_validator

from api import pages, problems
from api.metrics import ApiMetrics, MetricsMiddleware
from api.problems import Problem
from api.scorer import Scorer
from api.tokens import TokenStore
from api.transfers import TransferIn
from app import security, store
from app.security import User
from graph.gateway import Graph

VERSION = "1"
RING_STATUSES = ("open", "escalated", "confirmed", "dismissed")
RING_KINDS = ("ring", "linked_accounts")
EPOCH = "1970-01-01T00:00:00+00:00"
_bearer = HTTPBearer(auto_error=False, description="A token from `ringwatch api --add-token`.")


@dataclass(frozen=True)
class ApiConfig:
    audit_file: Path | None = None  # the audit trail's copy outside Neo4j
    query_timeout_s: float = 30.0
    history_limit: int = 50  # decisions shown on a ring or account


# --- bodies ------------------------------------------------------------------------------


class ProblemOut(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["urn:ringwatch:problem:unauthorized"])
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = Field(
        None, description="Validation problems only: one {loc, msg} per field."
    )


class DecisionOut(BaseModel):
    """The engine's decision on a transfer (the fields of an alert record)."""

    transfer_id: str
    decision: Literal["allow", "review", "block"]
    score: float
    rules: list[str] = Field(description="Ids of the rules that fired, in file order.")
    reasons: list[str] = Field(description="One sentence per fired rule.")
    ring_id: str | None = Field(description="The receiver's ring, else the sender's, else null.")
    sender: str | None
    receiver: str | None
    amount: float
    transfer_time: str = Field(description="Brasília time, as the engine read it.")
    rules_version: str
    engine_version: str


class RingDecisionIn(BaseModel):
    """A decision about a ring, with the reason for it."""

    model_config = {"extra": "forbid"}
    decision: Literal["confirm", "dismiss", "escalate"]
    note: str = Field(min_length=1, max_length=4000, description="Why; required.")

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write a note: every decision says why")
        return value.strip()


class RingDecisionOut(BaseModel):
    decision_id: str
    ring_id: str
    decision: str
    status: str = Field(description="The ring's status after the decision.")
    at: datetime
    user: str


class PageOut(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next page; null on the last page."
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ProblemOut, "content": {problems.MEDIA_TYPE: {}}, "description": text}
    for code, text in (
        (401, "Missing, malformed, unknown, revoked or expired bearer token."),
        (403, "The token's role may not do this."),
        (422, "Malformed JSON, or a value that is not valid."),
    )
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ProblemOut, "content": {problems.MEDIA_TYPE: {}}, "description": "No such item."}
}


# --- the app -----------------------------------------------------------------------------


def create_app(
    config: ApiConfig,
    gateway: Graph,
    scorer: Scorer,
    tokens: TokenStore,
    metrics: ApiMetrics,
    *,
    on_start: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> FastAPI:
    """The FastAPI application; ``on_start``/``on_stop`` run in its lifespan."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        if on_start is not None:
            await asyncio.to_thread(on_start)
        try:
            yield
        finally:
            if on_stop is not None:
                on_stop()

    app = FastAPI(
        title="ringwatch API",
        version=VERSION,
        summary="Pix mule-ring decisions, alerts, rings and accounts.",
        description="Bearer tokens carry the investigator app's roles; errors are RFC 9457 "
        "problem details. See docs/api.md.",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    def user_with(token: str | None) -> User:
        """The user a bearer token carries; a 401 problem for anything else."""
        if not token:
            raise problems.unauthorized(
                "Send the header `Authorization: Bearer <token>` (tokens come from "
                "`ringwatch api --add-token`)."
            )
        user = tokens.user(token)
        if user is None:
            raise problems.unauthorized(
                "The bearer token is not valid (unknown, revoked or expired): ask for a new one."
            )
        return user

    def permitted(user: User, permission: str) -> User:
        if not user.can(permission):
            action = permission.replace("_", " ")
            raise Problem(403, "forbidden", f"The {user.role} role may not {action}.")
        return user

    async def user_of(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    ) -> User:
        return user_with(credentials.credentials if credentials else None)

    def allowed(permission: str) -> Callable[..., Any]:
        async def check(user: Annotated[User, Depends(user_of)]) -> User:
            return permitted(user, permission)

        return check

    Viewer = Annotated[User, Depends(allowed("view"))]
    timeout = config.query_timeout_s

    def read(name: str, **params: Any) -> list[dict[str, Any]]:
        return store.read(gateway, name, timeout_s=timeout, **params)

    def cursor_key(cursor: str | None, filters: dict[str, Any], width: int) -> list[Any] | None:
        try:
            return pages.decode(cursor, filters, width)
        except pages.CursorError as exc:
            raise Problem(422, "bad-cursor", str(exc)) from None

    # -- health and metrics (no token: probes and Prometheus; no personal data) --

    @app.get("/healthz", tags=["operations"], summary="Liveness and readiness")
    async def healthz() -> dict[str, Any]:
        """`ready` is true once the decision state is loaded."""
        return {"status": "ok" if scorer.status.ready else "loading", **scorer.health()}

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}},
    )
    async def prometheus() -> Response:
        """Request counts and latency histograms per endpoint, method and status; decisions
        per verdict; state refreshes (Prometheus text format)."""
        metrics.state_refreshes.set(scorer.status.cache_refreshes)
        metrics.state_rebuilds.set(scorer.status.rebuilds)
        metrics.state_ready.set(1 if scorer.status.ready else 0)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # -- decisions on transfers --

    # The hot path reads its header and body itself: FastAPI's dependency solving cost
    # more CPU than the decision (measured in-process); the OpenAPI entry is declared here.
    @app.post(
        "/v1/decisions",
        tags=["decisions"],
        summary="Decide one transfer now",
        response_model=None,
        responses={
            200: {"model": DecisionOut, "description": "The decision."},
            **ERRORS,
            503: {"model": ProblemOut, "description": "State not loaded."},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": TransferIn.model_json_schema()}},
            },
            "security": [{"HTTPBearer": []}],
        },
    )
    async def decide_transfer(request: Request) -> Response:
        """Allow, review or block one Pix transfer with the rules and state of
        `ringwatch decide`, before it settles. Reads memory only (no database query);
        stores no alert (the Kafka engine does, when the transfer arrives on its topic)."""
        permitted(user_with(_bearer_token(request.headers.get("authorization"))), "view")
        try:
            body = TransferIn.model_validate_json(await request.body())
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            raise RequestValidationError(errors) from None
        if scorer.state is None:
            raise Problem(503, "not-ready", "The decision state is still loading; retry shortly.")
        decision = scorer.decide(body.transfer())
        metrics.decisions.labels(decision.decision).inc()
        record = decision.record()
        for key in ("transfer_kafka_timestamp_ms", "decided_at"):
            record.pop(key)
        return Response(json.dumps(record, ensure_ascii=False), media_type="application/json")

    # -- lists --

    @app.get(
        "/v1/alerts",
        tags=["alerts"],
        summary="Alerts of the decision engine, page by page",
        response_model=PageOut,
        responses=ERRORS,
    )
    def list_alerts(
        user: Viewer,
        decision: Annotated[
            list[Literal["review", "block", "allow"]] | None,
            Query(description="Keep these decisions (repeat the parameter for several)."),
        ] = None,
        rule: Annotated[str, Query(max_length=64, description="Keep alerts where it fired.")] = "",
        ring_id: Annotated[str, Query(max_length=256, description="Alerts about a ring.")] = "",
        account: Annotated[
            str, Query(max_length=256, description="Alerts whose sender or receiver it is.")
        ] = "",
        since: Annotated[
            datetime | None, Query(description="Decided at or after (ISO-8601; UTC if no offset).")
        ] = None,
        until: Annotated[datetime | None, Query(description="Decided before.")] = None,
        limit: Annotated[int, Query(ge=1, le=pages.MAX_LIMIT)] = pages.DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the last page.")] = None,
    ) -> dict[str, Any]:
        """Oldest decision first (`decided_at`, then `alert_id`): keep the last cursor to
        poll for new alerts. Stored alerts are `review` and `block` only."""
        filters = {
            "decision": sorted(set(decision or [])),
            "rule": rule,
            "ring_id": ring_id,
            "account": account,
            "since": _utc(since),
            "until": _utc(until),
        }
        after = cursor_key(cursor, filters, 2)
        bounds = [t for t in (_utc(since), after[0] if after else None) if t]
        lower = max(bounds, key=datetime.fromisoformat, default=EPOCH)
        rows = read(
            "api/alerts",
            lower=lower,
            until=filters["until"] or "",
            after_at=after[0] if after else "",
            after_id=after[1] if after else "",
            decisions=filters["decision"],
            rule=rule,
            ring_id=ring_id,
            account=account,
            limit=limit + 1,
        )
        page = pages.page_of(rows, limit, lambda r: (_utc(r["decided_at"]), r["alert_id"]), filters)
        return {"items": security.mask_rows(page.items, user), "next_cursor": page.next_cursor}

    @app.get(
        "/v1/rings",
        tags=["rings"],
        summary="Rings, page by page",
        response_model=PageOut,
        responses=ERRORS,
    )
    def list_rings(
        user: Viewer,
        status: Annotated[
            list[Literal["open", "escalated", "confirmed", "dismissed"]] | None,
            Query(description="Keep these statuses (repeat for several)."),
        ] = None,
        kind: Annotated[list[Literal["ring", "linked_accounts"]] | None, Query()] = None,
        typology: Annotated[str, Query(max_length=64)] = "",
        min_score: Annotated[float, Query(ge=0.0)] = 0.0,
        min_size: Annotated[int, Query(ge=0)] = 0,
        include_retired: Annotated[
            bool, Query(description="Also rings the latest detection run no longer finds.")
        ] = False,
        limit: Annotated[int, Query(ge=1, le=pages.MAX_LIMIT)] = pages.DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query()] = None,
    ) -> dict[str, Any]:
        """In `ring_id` order, which a new detection run cannot reshuffle."""
        filters = {
            "status": sorted(set(status or [])),
            "kind": sorted(set(kind or [])),
            "typology": typology,
            "min_score": min_score,
            "min_size": min_size,
            "include_retired": include_retired,
        }
        after = cursor_key(cursor, filters, 1)
        rows = read(
            "api/rings",
            after=after[0] if after else "",
            statuses=filters["status"],
            kinds=filters["kind"],
            typology=typology,
            min_score=min_score,
            min_size=min_size,
            include_retired=include_retired,
            limit=limit + 1,
        )
        page = pages.page_of(rows, limit, lambda r: (r["ring_id"],), filters)
        return {"items": security.mask_rows(page.items, user), "next_cursor": page.next_cursor}

    # -- one ring, one account --

    @app.get(
        "/v1/rings/{ring_id}",
        tags=["rings"],
        summary="One ring: what the detectors stored, its members, its decisions",
        responses={**ERRORS, **NOT_FOUND},
    )
    def get_ring(
        ring_id: str,
        user: Viewer,
        members_limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> dict[str, Any]:
        """Members largest inflow first (at most `members_limit`; `members_truncated`
        says when there were more); decisions newest first."""
        found = read("app/ring", ring_id=ring_id)
        if not found:
            raise Problem(404, "not-found", f"No ring with id {ring_id!r}.")
        members = read("analyst/ring_members", ring_id=ring_id, limit=members_limit + 1)
        history = read(
            "app/decisions", target_type="ring", target_id=ring_id, limit=config.history_limit
        )
        body = {
            "ring": found[0]["ring"],
            "member_count": found[0]["members"],
            "members": members[:members_limit],
            "members_truncated": len(members) > members_limit,
            "decisions": history,
        }
        return security.mask_rows([body], user)[0]

    @app.get(
        "/v1/accounts/{account_id}",
        tags=["accounts"],
        summary="One account: profile, money in and out, rings, decisions",
        responses={**ERRORS, **NOT_FOUND},
    )
    def get_account(account_id: str, user: Viewer) -> dict[str, Any]:
        """Its alerts are at `/v1/alerts?account=ID`."""
        profile = read("app/account_profile", id_usuario=account_id)
        if not profile:
            raise Problem(404, "not-found", f"No account with id {account_id!r}.")
        body = {
            **profile[0],
            "rings": read("app/account_rings", id_usuario=account_id),
            "decisions": read(
                "app/decisions",
                target_type="account",
                target_id=account_id,
                limit=config.history_limit,
            ),
        }
        return security.mask_rows([body], user)[0]

    # -- decisions about rings --

    @app.post(
        "/v1/rings/{ring_id}/decisions",
        tags=["rings"],
        summary="Confirm, dismiss or escalate a ring (audited)",
        status_code=201,
        response_model=RingDecisionOut,
        responses={**ERRORS, **NOT_FOUND},
    )
    def decide_ring(
        ring_id: str,
        body: RingDecisionIn,
        user: Annotated[User, Depends(user_of)],
    ) -> RingDecisionOut:
        """The app's decision: a new Decision node, the ring's status, and an audit event in
        the hash chain (and its file copy), in one transaction. Analysts may only escalate."""
        if not user.can(decision_permission(body.decision)):
            raise Problem(
                403,
                "forbidden",
                f"The {user.role} role may not {body.decision}; ask an investigator.",
            )
        if not read("app/ring", ring_id=ring_id):
            raise Problem(404, "not-found", f"No ring with id {ring_id!r}.")
        try:
            row = store.record_decision(
                gateway, user, "ring", ring_id, body.decision, body.note, copy_to=config.audit_file
            )
        except store.AppError as exc:
            raise Problem(404, "not-found", str(exc)) from None
        return RingDecisionOut(
            decision_id=row["decision_id"],
            ring_id=ring_id,
            decision=body.decision,
            status=row["status"],
            at=store.tidy(row["at"]),
            user=user.name,
        )

    return app


def _bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme in any case)."""
    scheme, _, token = (header or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def decision_permission(decision: str) -> str:
    """The permission a decision needs (as ``app.store.record_decision`` enforces it)."""
    return "escalate" if decision == "escalate" else "decide"


def _utc(value: Any) -> str | None:
    """A time as UTC ISO-8601 text (a naive time is taken as UTC); None stays None."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = store.tidy(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).isoformat())
