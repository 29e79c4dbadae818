"""Audit (admins): sign-ins, decisions and queries, newest first, from (:AuditEvent) nodes."""

from __future__ import annotations

import streamlit as st

from app import audit, ui

who = ui.require("audit")
st.title("Audit trail")
st.caption(
    "Every sign-in, decision, library query and console query is an (:AuditEvent) node, "
    "hash-chained to the one before it and copied to a file outside Neo4j."
)
if st.button("Verify the chain", key="audit_verify"):
    copy = ui.options().audit_file
    verdict = ui.attempt(audit.verify, ui.gateway(), copy)
    if verdict.broken:
        st.error(f"Audit trail broken: {verdict.broken}")
    else:
        st.success(f"Audit trail intact: {verdict.events} events; the copy {copy} matches.")
c1, c2 = st.columns(2)
user = c1.text_input("User", key="audit_user").strip()
action = c2.selectbox(
    "Action",
    ["(all)", "login", "login_failed", "decision", "library_query", "console_query"],
    key="audit_action",
)
ui.table(
    ui.read("app/audit_events", user=user, action="" if action == "(all)" else action, limit=1000),
    who,
)
