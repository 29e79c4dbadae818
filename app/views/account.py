"""Account 360: find an account by CPF/CNPJ, Pix key or account id, and see its transfers,
keys, devices, logins, rings, GNN score and money trail."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from app import ringgraph, security, trail, ui
from app.store import explain
from ringwatch.money import brl

who = ui.require("view")
st.title("Account 360")
ui.require_data()

term = st.text_input(
    "Search by CPF/CNPJ, Pix key or account id (id_usuario)",
    value=st.query_params.get("account", ""),
    key="account_term",
).strip()
if not term:
    st.info("Type a CPF/CNPJ (with or without punctuation), a Pix key or an account id.")
    st.stop()
digits = re.sub(r"\D", "", term)
hits = ui.read("app/account_search", term=term, digits=digits, limit=50)
accounts = list(dict.fromkeys(h["id_usuario"] for h in hits))
if not accounts:
    shown = term if who.can("personal_data") else security.mask_text(term)
    ui.fail(f"No account matches {shown!r}.")
if len(accounts) > 1:
    ui.table(hits, who)
account_id = (
    st.selectbox("Account", accounts, key="account_choice") if len(accounts) > 1 else accounts[0]
)
if st.query_params.get("account") != account_id:
    st.query_params["account"] = account_id

profile = ui.read("app/account_profile", id_usuario=account_id)[0]
props = profile["account"]
holder = security.mask_rows([profile], who)[0]
st.subheader(f"Account {account_id}")
c = st.columns([2, 2, 1])
c[0].metric("Holder", ui.md_escape(holder.get("nome") or "-"))
c[1].metric("CPF/CNPJ", ui.md_escape(holder.get("cpf_cnpj") or "-"))
c[2].metric("Status", props.get("status") or "-")
c = st.columns([2, 2, 1])
c[0].metric(f"Money in ({profile['transfers_in']} transfers)", brl(profile["amount_in"]))
c[1].metric(f"Money out ({profile['transfers_out']} transfers)", brl(profile["amount_out"]))
st.caption(
    f"Opened {props.get('data_cadastro', '-')} · daily limit "
    f"{props.get('limite_diario', '-')} · per-transfer limit "
    f"{props.get('limite_por_transacao', '-')}"
)
if st.button("Record a decision on this account", key="decide_account"):
    st.switch_page(
        "views/decisions.py", query_params={"target_type": "account", "target_id": account_id}
    )

tabs = st.tabs(
    ["GNN score", "Transfers", "Pix keys", "Devices", "Logins", "Rings", "Money trail", "Decisions"]
)
with tabs[0]:
    score = props.get("gnn_score")
    if score is None:
        st.info("The GNN has not scored this account yet (run `ringwatch score`).")
    else:
        st.metric("GNN score", f"{score:.3f}", help="Probability-like mule score from GraphSAGE.")
        st.caption(f"Model version: {props.get('model_version', 'unknown')}")
        features = {k: v for k, v in props.items() if k.startswith("gnn_") and k != "gnn_score"}
        if features:
            st.markdown("**Main contributing features** (as stored by the GNN)")
            for key, value in features.items():
                st.write(f"{key}:")
                st.json(value if not isinstance(value, str) else ui.parse_json(value))
        else:
            st.caption("Contributing features are unavailable: the GNN stored only the score.")
with tabs[1]:
    ui.table(
        ui.read("analyst/account_transfers", id_usuario=account_id, limit=500),
        who,
        money_columns=("valor",),
    )
with tabs[2]:
    keys = ui.read("app/account_keys", id_usuario=account_id)
    if not who.can("personal_data"):
        keys = [{**k, "chave": security.mask_key(k["chave"], k["tipo"])} for k in keys]
    ui.table(keys, who)
with tabs[3]:
    ui.table(ui.read("app/account_devices", id_usuario=account_id), who)
with tabs[4]:
    ui.table(ui.read("app/account_logins", id_usuario=account_id, limit=200), who)
with tabs[5]:
    rings = ui.read("app/account_rings", id_usuario=account_id)
    ui.table(rings, who, column_config={"score": ui.SCORE})
    for r in rings[:10]:
        st.page_link(
            "views/ring.py",
            label=f"Open ring {r['ring_id']}",
            query_params={"ring_id": r["ring_id"]},
        )
with tabs[6]:
    t1, t2, t3 = st.columns(3)
    direction = t1.radio(
        "Direction",
        ["forward", "backward"],
        horizontal=True,
        help="forward: where the money went; backward: where it came from.",
    )
    hops = t2.slider("Hops", 1, trail.MAX_HOPS, trail.MAX_HOPS)
    hop_hours = t3.number_input("Hours allowed between hops", 1, 24 * 30, 72)
    try:
        found = trail.money_trail(
            ui.gateway(),
            account_id,
            direction="backward" if direction == "backward" else "forward",
            hops=hops,
            hop_hours=int(hop_hours),
        )
    except Exception as exc:
        ui.fail(explain(exc))
    if not found.edges:
        st.caption("No transfers to follow.")
    else:
        st.caption(
            f"{len(found.hop_of) - 1} accounts reached in {max(found.hop_of.values())} hops "
            "(the 5 largest transfers per account are followed, each hop after the previous one)."
            + (" The trail was capped at 300 accounts." if found.capped else "")
        )
        flows = (
            pd.DataFrame(found.edges)
            .groupby(["source", "target"], as_index=False)
            .agg(transfers=("id_transacao", "count"), amount=("valor", "sum"))
            .to_dict("records")
        )
        graph = ringgraph.build_ring_graph(
            [account_id],
            flows,
            [],
            personal_data=who.can("personal_data"),
            identity_mode="none",
            max_counterparties=300,
        )
        names = {
            "member": "this account",
            "counterparty": "account on the trail",
            "pix_external": "PIX transfer",
        }
        st.altair_chart(ringgraph.chart(graph, height=420, names=names), key="trail_graph")
        ui.table(found.edges, who, money_columns=("valor",))
with tabs[7]:
    ui.table(ui.read("app/decisions", target_type="account", target_id=account_id, limit=100), who)
