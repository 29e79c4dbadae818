"""Alerts: the decision engine's latest review and block decisions, live, with filters by
decision and rule, links to the ring and the accounts, and how often each rule fired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import altair as alt
import streamlit as st

from app import alerts, ui
from decide.rules import load_rules

WINDOWS = {"last hour": 1, "last 24 hours": 24, "last 7 days": 24 * 7, "last 30 days": 24 * 30}
LIMIT = 500

who = ui.require("view")
st.title("Alerts")
st.caption(
    "Review and block decisions of the decision engine (`ringwatch decide`), newest first. "
    "Allow decisions are not stored."
)
rules = ui.attempt(load_rules)

with st.expander("Filters", expanded=True):
    c1, c2, c3, c4 = st.columns([1, 1, 2, 1])
    window = c1.selectbox("Decided in the", list(WINDOWS), index=1)
    decisions = c2.multiselect("Decision", ["block", "review"], default=["block", "review"])
    rule = c3.selectbox("Rule fired", ["(any)", *(r.id for r in rules.rules)])
    live = c4.toggle("Refresh every 10 s", value=True)


@st.fragment(run_every=10 if live else None)
def live_alerts() -> None:
    since = (datetime.now(UTC) - timedelta(hours=WINDOWS[window])).isoformat()
    rows = ui.read(
        "app/recent_alerts",
        since=since,
        decisions=decisions,
        rule="" if rule == "(any)" else rule,
        limit=LIMIT,
    )
    table = alerts.alert_table(rows, who)
    c = st.columns(3)
    c[0].metric("Alerts shown", f"{len(table):,}" + (" (latest)" if len(table) == LIMIT else ""))
    c[1].metric("Block", int((table["decision"] == "block").sum()))
    c[2].metric("Review", int((table["decision"] == "review").sum()))
    if table.empty:
        st.info(f"No alerts in the {window} with these filters.")
    else:
        st.dataframe(
            ui.money(table, "amount"),
            hide_index=True,
            key="alerts_table",
            column_config={
                "decided_at": st.column_config.DatetimeColumn(
                    "Decided (UTC)", format="YYYY-MM-DD HH:mm:ss"
                ),
                "score": ui.SCORE,
                "sender": st.column_config.LinkColumn("Sender", display_text=r"account=(.+)$"),
                "receiver": st.column_config.LinkColumn("Receiver", display_text=r"account=(.+)$"),
                "ring": st.column_config.LinkColumn("Ring", display_text=r"ring_id=(.+)$"),
            },
        )
    st.caption(f"Updated {datetime.now(UTC):%H:%M:%S} UTC.")

    st.subheader("Rules")
    counts = ui.read("app/alert_rule_counts", since=since)
    summary = alerts.rule_counts(counts, ((r.id, r.description, r.severity) for r in rules.rules))
    long = summary.melt(
        id_vars=["rule"], value_vars=["block", "review"], var_name="decision", value_name="n"
    )
    st.altair_chart(
        alt.Chart(long[long["n"] > 0] if (long["n"] > 0).any() else long)
        .mark_bar()
        .encode(
            x=alt.X(
                "n:Q", title=f"alerts in the {window}", axis=alt.Axis(tickMinStep=1, format="d")
            ),
            y=alt.Y("rule:N", sort="-x", title=None),
            color=alt.Color("decision:N", scale=alt.Scale(domain=["block", "review"])),
            tooltip=["rule", "decision", "n"],
        ),
        key="rule_chart",
    )
    st.dataframe(summary, hide_index=True, key="rules_table")
    st.caption(f"Rules file version {rules.version}: rules/pix.yaml, see docs/decisions.md.")


live_alerts()
