"""Decisions: confirm, dismiss or escalate a ring or an account with a note. Every decision is
a new (:Decision) node (history is never overwritten) and an audit event; confirmed decisions
are what the GNN later trains on."""

from __future__ import annotations

import streamlit as st

from app import security, store, ui

who = ui.require("view")
st.title("Decisions")

allowed = [
    d for d in security.DECISIONS if who.can("decide") or (d == "escalate" and who.can("escalate"))
]
if not allowed:
    st.info("Your role may read decisions but not record them.")
else:
    if not who.can("decide"):
        st.caption("Your role may escalate rings and accounts to an investigator.")
    params = st.query_params
    types = ["ring", "account"]
    with st.form("decision", clear_on_submit=False):
        c1, c2, c3 = st.columns([1, 2, 1])
        target_type = c1.selectbox(
            "Target",
            types,
            index=types.index(params.get("target_type", "ring"))
            if params.get("target_type") in types
            else 0,
        )
        target_id = c2.text_input("Ring id or account id", value=params.get("target_id", ""))
        decision = c3.selectbox("Decision", allowed)
        note = st.text_area("Note (required): what you saw and why you decide so")
        submitted = st.form_submit_button("Record decision", type="primary")
    if submitted:
        row = ui.attempt(
            store.record_decision,
            ui.gateway(),
            who,
            target_type,
            target_id,
            decision,
            note,
            copy_to=ui.options().audit_file,
        )
        status = f"; the ring is now {row['status']}" if row.get("status") else ""
        st.success(
            f"Recorded {decision} on {target_type} {target_id.strip()} "
            f"as {row['decision_id']}{status}."
        )

st.subheader("History")
c1, c2 = st.columns(2)
show_type = c1.selectbox("Show", ["all", "ring", "account"], key="history_type")
show_id = c2.text_input("Only this id", value="", key="history_id").strip()
ui.table(
    ui.read(
        "app/decisions",
        target_type="" if show_type == "all" else show_type,
        target_id=show_id,
        limit=500,
    ),
    who,
)
