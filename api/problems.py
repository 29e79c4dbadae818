"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API returns is one JSON object ``{type, title, status, detail, instance}``:
``type`` is a URN naming the kind of problem (listed in docs/api.md), ``detail`` one sentence
saying what went wrong and how to fix it. Validation problems add ``errors``, one entry per
field (``loc``, ``msg``). Nothing internal reaches the client: Neo4j's own messages and
tracebacks go to the server's log only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.gateway import GraphError, QueryTimedOut

log = logging.getLogger("ringwatch.api")
MEDIA_TYPE = "application/problem+json"
# slug -> title; the type of a problem is urn:ringwatch:problem:<slug>
TITLES: dict[str, str] = {
    "unauthorized": "Missing or invalid bearer token",
    "forbidden": "The token's role may not do this",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "validation": "The request is not valid",
    "bad-cursor": "The cursor is not valid for this query",
    "not-ready": "The decision state is not loaded yet",
    "graph-unavailable": "The graph database is unavailable",
    "graph-timeout": "The query took too long",
    "internal": "Internal error",
}
_BY_STATUS = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}


def problem_type(slug: str) -> str:
    return f"urn:ringwatch:problem:{slug}"


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def unauthorized(detail: str) -> Problem:
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def body(
    status: int, slug: str, detail: str, instance: str, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The problem document."""
    return {
        "type": problem_type(slug),
        "title": TITLES.get(slug, slug),
        "status": status,
        "detail": detail,
        "instance": instance,
        **(extra or {}),
    }


def response(
    request: Request,
    status: int,
    slug: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    return JSONResponse(
        body(status, slug, detail, request.url.path, extra),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as ``{loc, msg}`` (the input values are left out: they may hold
    personal data)."""
    return [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in errors
    ]


def _validation_detail(errors: list[dict[str, Any]], raw: Sequence[Any]) -> str:
    if any(e.get("type") in ("json_invalid", "json_type") for e in raw) or any(
        e["msg"].startswith("JSON decode error") for e in errors
    ):
        return "The body is not valid JSON: send one JSON object."
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    where = ".".join(p for p in first["loc"] if p != "body") or "the request"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}."


def install(app: FastAPI) -> None:
    """Make every error of ``app`` a problem document."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return response(
            request, exc.status, exc.slug, exc.detail, headers=exc.headers, extra=exc.extra
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        slug = _BY_STATUS.get(exc.status_code, "internal")
        detail = exc.detail if isinstance(exc.detail, str) else TITLES[slug]
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No such endpoint: {request.url.path} (see /docs)."
        return response(request, exc.status_code, slug, detail, headers=exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        raw = exc.errors()
        errors = field_errors(raw)
        detail = _validation_detail(errors, raw)
        return response(request, 422, "validation", detail, extra={"errors": errors})

    async def on_graph(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        if isinstance(exc, QueryTimedOut):
            return response(request, 504, "graph-timeout", "Narrow the filters and try again.")
        if exc.transient if isinstance(exc, GraphError) else False:
            detail = "Neo4j did not answer the query; try again later."
            return response(request, 503, "graph-unavailable", detail)
        detail = "The server failed on this request; its log has the details."
        return response(request, 500, "internal", detail)

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        detail = "The server failed on this request; its log has the details."
        return response(request, 500, "internal", detail)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(GraphError, on_graph)
    app.add_exception_handler(Exception, on_error)
