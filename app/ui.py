"""Streamlit plumbing shared by the pages: the cached gateway, the signed-in user, and guards
that turn every failure into a message (never a traceback) and stop the page."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import pandas as pd
import streamlit as st

from app import security, store
from app import sessions as session_store
from app.options import AppOptions, parse_options
from app.security import User
from graph.gateway import Gateway
from ringwatch.money import brl
from ringwatch.settings import load_settings

T = TypeVar("T")
SCORE = st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")


def fail(message: str) -> NoReturn:
    st.error(message)
    st.stop()


@st.cache_resource(show_spinner=False)
def options() -> AppOptions:
    """The start-up options (passed after ``--`` by ``ringwatch app``)."""
    return parse_options(sys.argv[1:], load_settings())


@st.cache_resource(show_spinner=False)
def gateway() -> Gateway:
    """The pages' Gateway (its driver is shared by all sessions); Neo4j credentials of the
    ``app`` component."""
    return Gateway(load_settings(), component="app")


@st.cache_resource(show_spinner=False)
def console_gateway() -> Gateway:
    """The free console's own Gateway and driver, with the ``console`` component's Neo4j
    credentials (a read-only user where Neo4j has roles)."""
    return Gateway(load_settings(), component="console")


def sessions() -> session_store.SessionStore:
    """This process's sign-in sessions (shared with the ``/signin`` route)."""
    opts = options()
    return session_store.store(opts.session_idle_s, opts.session_lifetime_s)


def attempt(fn: Callable[..., T], *args: Any, **kw: Any) -> T:
    """Call ``fn``; on failure show what went wrong and stop the page."""
    try:
        return fn(*args, **kw)
    except Exception as exc:  # every failure becomes a message, never a traceback
        fail(store.explain(exc))


def read(name: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a stored app query; a failure is shown and stops the page."""
    return attempt(store.read, gateway(), name, **params)


def user() -> User | None:
    return st.session_state.get("user")


def current_user() -> User:
    found = user()
    if found is None:  # main.py gates every page behind the session check
        st.stop()
    return found


def require(permission: str) -> User:
    """The signed-in user, or a refusal message when the role lacks ``permission``."""
    who = current_user()
    if not who.can(permission):
        fail(f"Your role ({who.role}) may not use this page.")
    return who


def require_data(rings: bool = False) -> dict[str, int]:
    """Stop with advice when the graph is empty (or has no rings when ``rings``)."""
    counts = attempt(store.graph_counts, gateway())
    if counts.get("accounts", 0) == 0:
        st.warning(
            "The graph is empty: load data first with `ringwatch load DIR` "
            "(or `ringwatch demo` for a synthetic dataset), then reload this page."
        )
        st.stop()
    if rings and counts.get("rings", 0) == 0:
        st.info(
            f"The graph holds {counts['accounts']:,} accounts but no rings yet: run detection "
            "with `ringwatch detect`, then reload this page."
        )
        st.stop()
    return counts


def money(frame: pd.DataFrame, *columns: str) -> Any:
    """The frame to show, its money columns written as R$ 15.931,28 (the numbers stay numbers,
    so a click on the header still sorts by amount)."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    return frame.style.format({c: lambda v: brl(None if pd.isna(v) else float(v)) for c in present})


def table(
    rows: list[dict[str, Any]], who: User, money_columns: tuple[str, ...] = (), **kw: Any
) -> pd.DataFrame:
    """Show rows as a table, personal data masked unless the role may see it, money columns
    in Brazilian format."""
    frame = pd.DataFrame(security.mask_rows(rows, who))
    if frame.empty:
        st.caption("(nothing to show)")
        return frame
    st.dataframe(money(frame, *money_columns), hide_index=True, **kw)
    return frame


def mask_text(text: str, who: User) -> str:
    """Free text (reasons, notes) with documents, e-mails and phones masked for the role."""
    return text if who.can("personal_data") else security.mask_text(str(text))


def md_escape(text: str) -> str:
    """Text shown literally where Streamlit renders Markdown (masks are full of asterisks)."""
    return re.sub(r"([\\`*_{}\[\]<>()#+\-.!|~])", r"\\\1", str(text))


def parse_json(text: str) -> object:
    """A stored JSON string as data (the text itself when it is not JSON)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def audit(who: User, action: str, **detail: Any) -> None:
    attempt(store.audit, gateway(), who, action, copy_to=options().audit_file, **detail)
