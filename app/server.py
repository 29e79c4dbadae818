"""The app's web server: Streamlit's own (``st.App``, Starlette) plus the sign-in routes that
set and clear the session cookie, which a Streamlit script cannot do.

- ``GET /signin`` shows a plain HTML form; ``POST /signin`` checks the password (with the
  login throttle), audits the attempt, opens a session (``app.sessions``) and sets the
  HTTP-only, ``SameSite=Strict`` cookie, then returns to the page asked for;
- ``GET /signout`` revokes the session and clears the cookie;
- ``SessionGate`` sends a page load without a valid session to ``/signin``.

``ringwatch app`` runs this file with ``streamlit run``; ``app/main.py`` is the script.
"""

from __future__ import annotations

import contextlib
import html
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app import security, sessions, store
from app.options import AppOptions, parse_options
from app.security import LoginThrottle
from graph.gateway import Gateway
from ringwatch.settings import load_settings

MAIN = Path(__file__).with_name("main.py")
OPEN_PREFIXES = ("/_stcore/", "/static/", "/media/", "/component/", "/signin", "/signout")
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringwatch: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: sans-serif; max-width: 22rem; margin: 4rem auto; color: #262730; }}
label {{ display: block; margin-top: 1rem; }}
input {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin-top: 1.2rem; padding: .5rem 1.2rem; }}
.note {{ color: #b00020; }}
</style></head><body>
<h1>ringwatch</h1>
<p>Pix mule-ring investigations. Sign in to continue.</p>
<p class="note">{note}</p>
<form method="post" action="/signin">
<input type="hidden" name="next" value="{next}">
<label for="user">User</label><input id="user" name="user" autocomplete="username" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form></body></html>
"""
_throttle = LoginThrottle()
_gateway: Gateway | None = None


def options() -> AppOptions:
    """The start-up options (``ringwatch app`` passes them after ``--``)."""
    return parse_options(sys.argv[1:], load_settings())


def session_store() -> sessions.SessionStore:
    opts = options()
    return sessions.store(opts.session_idle_s, opts.session_lifetime_s)


def _audit(name: str, action: str) -> None:
    """Audit a sign-in attempt; a Neo4j outage does not block signing in (pages say so)."""
    global _gateway
    with contextlib.suppress(Exception):
        if _gateway is None:
            _gateway = Gateway(load_settings(), component="app")
        store.audit(_gateway, name or "?", action, copy_to=options().audit_file)


def _form(note: str, target: str, status: int = 200) -> HTMLResponse:
    page = _PAGE.format(note=html.escape(note), next=html.escape(sessions.safe_next(target)))
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _same_origin(request: Request) -> bool:
    """A form post from this site: its Origin (when the browser sends one) is our host."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _sign_in(name: str, password: str) -> tuple[bool, str]:
    """Check a password with the throttle; (signed in, message)."""
    wait = _throttle.wait_s(name)
    if wait > 0:
        return False, f"Too many failed attempts for {name!r}: try again in {wait:.0f} s."
    try:
        users = security.read_users(options().users_file)
    except security.UsersFileError as exc:
        return False, f"The app cannot sign anyone in: {exc}"
    found = security.authenticate(users, name, password)
    _audit(name, "login" if found else "login_failed")
    if found is None:
        _throttle.failed(name)
        return False, "Unknown user or wrong password."
    _throttle.succeeded(name)
    return True, ""


async def signin(request: Request) -> Response:
    """The sign-in form, and its submission."""
    if request.method == "GET":
        note = "You are signed out." if "signed_out" in request.query_params else ""
        return _form(note, request.query_params.get("next", "/"))
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
    target = sessions.safe_next(form.get("next"))
    if not _same_origin(request):
        return _form("Sign in from this site's own page.", target, 403)
    name = form.get("user", "")
    ok, message = await run_in_threadpool(_sign_in, name, form.get("password", ""))
    if not ok:
        return _form(message, target, 401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        session_store().open(name),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def signout(request: Request) -> Response:
    """Revoke the session and clear its cookie."""
    session_store().revoke(request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response


class SessionGate:
    """Send page loads without a valid session to the sign-in form. Streamlit's own
    endpoints pass (the script checks the session again on every run)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        last = path.rsplit("/", 1)[-1]
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or path.startswith(OPEN_PREFIXES)
            or "." in last  # files: favicon, manifest, scripts
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.cookies.get(sessions.COOKIE)
        if session_store().check(token):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        response = RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
        response.headers["Cache-Control"] = "no-store"
        if token:
            response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
        await response(scope, receive, send)


app = st.App(
    str(MAIN),
    routes=[
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/signout", signout, methods=["GET"]),
    ],
    middleware=[Middleware(SessionGate)],
)
