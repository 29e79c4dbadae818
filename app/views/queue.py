"""Ring queue: rings ranked by score, with filters and the open/confirmed/dismissed counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import ui

who = ui.require("view")
st.title("Ring queue")
ui.require_data(rings=True)

facets = pd.DataFrame(ui.read("app/ring_facets"))
by_status = facets.groupby("status")["rings"].sum()
cols = st.columns(5)
for col, status in zip(cols, ["open", "escalated", "confirmed", "dismissed"], strict=False):
    col.metric(status.capitalize(), int(by_status.get(status, 0)))
cols[4].metric("All rings", int(facets["rings"].sum()))

statuses = sorted(set(facets["status"]) | {"open", "escalated", "confirmed", "dismissed"})
typologies = sorted(t for t in set(facets["typology"]) if t)
with st.expander("Filters", expanded=True):
    c1, c2, c3 = st.columns(3)
    chosen_status = c1.multiselect("Status", statuses, default=["open", "escalated"])
    kinds = c2.multiselect(
        "Kind",
        ["ring", "linked_accounts"],
        default=["ring", "linked_accounts"],
        help="ring: money moves inside the group; linked_accounts: tied only by shared "
        "devices, phones or holders.",
    )
    typology = c3.selectbox("Typology guess", ["(any)", *typologies])
    c4, c5, c6 = st.columns(3)
    min_score = c4.slider("Lowest score", 0.0, 1.0, 0.0, 0.05)
    min_size = c5.number_input("Fewest members", min_value=1, value=1, step=1)
    search = c6.text_input("Ring id contains")
    retired = st.checkbox(
        "Include rings the latest detection run no longer finds (kept because decided)",
        value=False,
    )

rows = ui.read(
    "app/ring_queue",
    statuses=chosen_status,
    kinds=kinds,
    typology="" if typology == "(any)" else typology,
    min_score=float(min_score),
    min_size=int(min_size),
    search=search.strip(),
    include_retired=retired,
    limit=1000,
)
st.caption(f"{len(rows)} rings match (at most 1,000 shown). Select a row to open the ring.")
if not rows:
    st.stop()
frame = pd.DataFrame(rows)
event = st.dataframe(
    ui.money(frame, "total_amount"),
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="queue_table",
    column_config={
        "ring_id": "Ring",
        "score": ui.SCORE,
        "first_seen": st.column_config.DatetimeColumn("First seen", format="YYYY-MM-DD HH:mm"),
        "last_seen": st.column_config.DatetimeColumn("Last seen", format="YYYY-MM-DD HH:mm"),
    },
)
selected = event.selection.rows if event is not None else []
c1, c2 = st.columns([3, 1])
choice = c1.selectbox(
    "Ring to open",
    frame["ring_id"].tolist(),
    index=selected[0] if selected else 0,
    key="queue_open_choice",
)
if selected or c2.button("Open ring", type="primary", key="open_ring"):
    target = frame["ring_id"].iloc[selected[0]] if selected else choice
    st.switch_page("views/ring.py", query_params={"ring_id": target})
