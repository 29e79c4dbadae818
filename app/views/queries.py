"""Query library: the analysts' stored queries (cypher/analyst/) with parameter forms, and a
free read-only Cypher console for roles that may see personal data."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from app import store, ui
from graph.queries import Param, StoredQuery, list_queries
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings

who = ui.require("query")
opts = ui.options()
st.title("Query library")
library_tab, console_tab = st.tabs(["Analyst queries", "Cypher console"])


def run_read(
    kind: str,
    run: Callable[[], store.ReadResult],
    params: dict[str, Any],
    row_limit: int,
    detail: dict[str, Any],
) -> None:
    """Run read-only with limits, audit it with its outcome, then show the (masked) rows."""
    started = time.monotonic()
    try:
        result = run()
    except Exception as exc:
        message = store.explain(exc)
        ui.audit(who, kind, **detail, params=params, outcome=message)
        ui.fail(message)
    seconds = time.monotonic() - started
    ui.audit(who, kind, **detail, params=params, outcome="ok", rows=len(result.rows))
    more = f" (stopped at the {row_limit:,}-row limit)" if result.truncated else ""
    st.success(f"{len(result.rows):,} rows in {seconds:.2f} s{more}.")
    ui.table(result.rows, who)


def example_value(p: Param, empty: Any) -> Any:
    """The parameter's example as a value of its type (``empty`` when it has none)."""
    try:
        return p.parse(p.example) if p.example is not None else empty
    except RingwatchError:
        return empty


def param_input(query: StoredQuery, p: Param) -> str:
    """A form field for ``p``, prefilled with its example; its value as text for ``bind``."""
    label = f"{p.name} ({p.type})"
    key = f"param_{query.name}_{p.name}"
    if p.type == "integer":
        value = st.number_input(label, value=example_value(p, 0), step=1, help=p.doc, key=key)
    elif p.type == "float":
        value = st.number_input(
            label, value=example_value(p, 0.0), help=p.doc, key=key, format="%.4f"
        )
    elif p.type == "boolean":
        value = st.checkbox(label, value=example_value(p, False), help=p.doc, key=key)
    else:
        value = st.text_input(label, value=p.example or "", help=p.doc, key=key)
    return str(value)


with library_tab:
    stored = list_queries("analyst")
    if not stored:
        st.info("No analyst queries yet: they live in cypher/analyst/*.cypher.")
    else:
        names = [q.name.split("/", 1)[1] for q in stored]
        pick = st.selectbox("Query", names, key="library_query")
        query = stored[names.index(pick)]
        st.markdown(query.description)
        with st.form(f"form_{query.name}"):
            values = {p.name: param_input(query, p) for p in query.params}
            if not query.params:
                st.caption("This query has no parameters.")
            submitted = st.form_submit_button("Run query", type="primary")
        with st.expander("Cypher"):
            st.code(query.text, language="cypher")
        if submitted:
            params = ui.attempt(query.bind, values)
            run_read(
                "library_query",
                lambda: store.read_limited(
                    ui.gateway(),
                    query,
                    params,
                    row_limit=opts.row_limit,
                    timeout_s=opts.query_timeout_s,
                ),
                params,
                opts.row_limit,
                {"query": query.name},
            )

with console_tab:
    if not who.can("console"):
        st.info(
            "The free console can return any property, so it is open to roles that may see "
            "personal data (investigator, admin). Use the analyst queries, whose results are "
            "masked for your role."
        )
    else:
        st.caption(
            "Plain reads only: each statement is planned first (EXPLAIN) and refused if its "
            "plan writes, calls a procedure or plugin function outside a short list, loads "
            "files, or runs SHOW or administration commands; then it runs in a READ "
            f"transaction. At most {opts.row_limit:,} rows; stopped after "
            f"{opts.query_timeout_s:g} s. Every query is audited."
        )
        with st.form("console"):
            cypher = st.text_area(
                "Cypher",
                value="MATCH (r:Ring)\nRETURN r.ring_id AS ring, r.score AS score\n"
                "ORDER BY score DESC LIMIT 10",
                height=140,
                key="console_cypher",
            )
            c1, c2 = st.columns([3, 1])
            raw_params = c1.text_input("Parameters (JSON object)", value="{}", key="console_params")
            row_limit = c2.number_input(
                "Row limit", 1, opts.row_limit, min(100, opts.row_limit), key="console_limit"
            )
            submitted = st.form_submit_button("Run", type="primary")
        if submitted:
            try:
                params = json.loads(raw_params or "{}")
                if not isinstance(params, dict):
                    raise ValueError
            except ValueError:
                ui.fail('Parameters must be a JSON object, e.g. {"ring_id": "R0001"}.')
            run_read(
                "console_query",
                lambda: store.run_console(
                    ui.console_gateway(),
                    cypher,
                    params,
                    database=load_settings().neo4j_database,
                    row_limit=int(row_limit),
                    timeout_s=opts.query_timeout_s,
                ),
                params,
                int(row_limit),
                {"cypher": cypher},
            )
