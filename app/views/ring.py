"""Ring detail: the ring's graph, the timeline of its transfers, the reasons behind its score,
its members and its decision history."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app import ringgraph, ui
from ringwatch.money import brl

SMALL_RING = 15  # members; above this only shared identifiers are drawn by default
KINDS = {
    "ring": "ring (money moves inside)",
    "linked_accounts": "linked accounts (shared identifiers)",
}

who = ui.require("view")
ui.require_data(rings=True)

ring_id = st.query_params.get("ring_id", "")
typed = st.sidebar.text_input("Ring id", value=ring_id, key="ring_id_input").strip()
if typed != ring_id:
    st.query_params["ring_id"] = typed
    ring_id = typed
if not ring_id:
    st.info("Open a ring from the Ring queue, or type its id in the sidebar.")
    st.stop()

found = ui.read("app/ring", ring_id=ring_id)
if not found:
    ui.fail(f"No ring with id {ring_id!r}.")
ring, member_count = found[0]["ring"], found[0]["members"]
st.title(f"Ring {ring_id}")

c = list(st.columns(4))
c[0].metric("Score", f"{ring.get('score', 0) or 0:.2f}")
c[1].metric("Status", ring.get("status", "open"))
c[2].metric("Members", member_count)
c[3].metric("Total amount", brl(ring.get("total_amount")))
# Words, not metric tiles: a tile cuts long values ("linked_acco...").
kind = KINDS.get(ring.get("kind") or "ring", str(ring.get("kind")))
guess = str(ring.get("typology_guess") or "none").replace("_", " ")
seen = [ring.get("first_seen"), ring.get("last_seen")]
when = f" · first seen {seen[0]} · last seen {seen[1]}" if any(seen) else ""
st.markdown(f"**Kind:** {kind} · **Typology guess:** {guess}{when}")
if st.button("Record a decision on this ring", key="decide_ring"):
    st.switch_page("views/decisions.py", query_params={"target_type": "ring", "target_id": ring_id})

st.subheader("Why this score")
reasons = ring.get("reasons") or []
if isinstance(reasons, str):
    reasons = [reasons]
if reasons:
    st.markdown("\n".join(f"- {ui.md_escape(ui.mask_text(r, who))}" for r in reasons))
else:
    st.caption("The detector stored no reasons for this ring.")

st.subheader("Graph")
members = ui.read("analyst/ring_members", ring_id=ring_id, limit=5000)
member_ids = [m["id_usuario"] for m in members]
g1, g2, g3 = st.columns(3)
identity_mode = g1.radio(
    "Identity links",
    ["all", "shared", "none"],
    index=0 if len(member_ids) <= SMALL_RING else 1,
    horizontal=True,
    help="all: holders, Pix keys, devices and IPs of drawn members; shared: only those "
    "used by two or more members.",
)
max_members = g2.slider("Members drawn one by one", 10, 1000, 500, 10)
max_counter = g3.slider("Counterparties drawn one by one", 0, 300, 100, 10)
flows = ui.read("app/ring_flows", ring_id=ring_id, limit=20000)
identity = (
    ui.read("app/ring_identity", ring_id=ring_id, limit=20000) if identity_mode != "none" else []
)
graph = ui.attempt(
    ringgraph.build_ring_graph,
    member_ids,
    flows,
    identity,
    personal_data=who.can("personal_data"),
    identity_mode=identity_mode,
    max_members=max_members,
    max_counterparties=max_counter,
)
for note in graph.notes:
    st.caption(note)
picked = st.altair_chart(
    ringgraph.chart(graph), key="ring_graph", on_select="rerun", selection_mode="node"
)
chosen: dict[str, Any] = dict(picked or {})
selection = chosen.get("selection", {}).get("node") or []
node = str(selection[0].get("id")) if selection else None
kind_of = dict(zip(graph.nodes["id"], graph.nodes["kind"], strict=True))
if kind_of.get(node) in ("member", "counterparty"):
    st.write(f"Selected account **{node}**")
    if node is not None and st.button(f"Open {node} in Account 360", key="open_account"):
        st.switch_page("views/account.py", query_params={"account": node})
else:
    st.caption(
        "Drag to pan, scroll to zoom, hover for details; click an account to open it. "
        "Edge width grows with the amount moved."
    )

st.subheader("Timeline of transfers")
timeline = ui.read("app/ring_timeline", ring_id=ring_id, limit=5000)
if timeline:
    tl = pd.DataFrame(timeline)
    st.altair_chart(
        alt.Chart(tl)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("timestamp:T", title="time"),
            y=alt.Y(
                "valor:Q",
                title="amount (R$)",
                scale=alt.Scale(domain=[0, float(tl["valor"].max()) * 1.1]),
            ),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["in", "internal", "out"], range=["#1f77b4", "#d62728", "#2ca02c"]
                ),
                legend=alt.Legend(title="transfer"),
            ),
            tooltip=["id_transacao", "timestamp:T", "valor", "source", "target", "direction"],
        )
        .properties(height=260)
        .interactive(bind_y=False),
        key="ring_timeline",
    )
    if len(timeline) == 5000:
        st.caption("Only the first 5,000 transfers are shown.")
    with st.expander("Transfers as a table"):
        ui.table(timeline, who, money_columns=("valor",))
else:
    st.caption("No transfers touch this ring's members.")

st.subheader("Members")
ui.table(
    members,
    who,
    money_columns=("amount_in", "amount_out"),
    column_config={"gnn_score": ui.SCORE},
)

st.subheader("Decisions")
history = ui.read("app/decisions", target_type="ring", target_id=ring_id, limit=100)
ui.table(history, who)
