"""Audit (admins): sign-ins, decisions and queries, newest first, from (:AuditEvent) nodes."""

from __future__ import annotations

import streamlit as st

from app import ui

who = ui.require("audit")
st.title("Audit trail")
st.caption("Every sign-in, decision, library query and console query is an (:AuditEvent) node.")
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
