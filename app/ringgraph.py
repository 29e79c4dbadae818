"""The ring graph of the Ring detail page: which nodes and edges to draw, where, and how.

Large rings stay usable because what is drawn is capped and aggregated: the most active
members and counterparties are drawn one by one, the rest become one "N more ..." node each,
and the money-flow edges between drawn nodes are summed per pair. The layout is a vectorised
force-directed (Fruchterman-Reingold) pass in numpy, and the chart is Altair (Vega-Lite is
bundled with Streamlit), so nothing is fetched from the internet at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from app import security

IdentityMode = Literal["none", "shared", "all"]
MEMBER_GROUP = "group:members"
COUNTERPARTY_GROUP = "group:counterparties"
# kind: (legend label, colour, shape)
STYLE = {
    "member": ("ring member", "#d62728", "circle"),
    "member_group": ("more members", "#8c1c1c", "circle"),
    "counterparty": ("counterparty", "#7f7f7f", "circle"),
    "counterparty_group": ("more counterparties", "#c7c7c7", "circle"),
    "holder": ("holder (CPF/CNPJ)", "#1f77b4", "square"),
    "key": ("Pix key", "#2ca02c", "diamond"),
    "device": ("device", "#ff7f0e", "triangle-up"),
    "ip": ("IP address", "#9467bd", "cross"),
}
EDGE_STYLE = {
    "pix_internal": ("PIX between members", "#d62728"),
    "pix_external": ("PIX with counterparties", "#8a8a8a"),
    "identity": ("shared identity", "#9ecae1"),
}


@dataclass
class RingGraph:
    nodes: pd.DataFrame  # id, kind, label, detail, amount, x, y
    edges: pd.DataFrame  # source, target, kind, amount, transfers, x, y, x2, y2
    notes: list[str] = field(default_factory=list)


def _label(kind: str, value: str, name: str | None, personal_data: bool) -> str:
    if personal_data:
        if kind == "holder":
            return f"{value} {name or ''}".strip()
        return str(value)
    if kind == "holder":
        return f"{security.mask_document(value)} {security.mask_name(name) or ''}".strip()
    if kind == "key":
        return str(security.mask_key(value))
    if kind == "ip":
        return security.mask_text(str(value))
    return str(value)


def build_ring_graph(
    members: Iterable[str],
    flows: list[dict[str, Any]],
    identity: list[dict[str, Any]],
    *,
    personal_data: bool,
    identity_mode: IdentityMode = "all",
    max_members: int = 500,
    max_counterparties: int = 100,
    max_identity: int = 250,
    seed: int = 7,
) -> RingGraph:
    """Nodes and edges to draw for a ring, capped and aggregated, with a layout."""
    member_set = set(members)
    notes: list[str] = []
    flow = pd.DataFrame(flows, columns=["source", "target", "transfers", "amount"])
    flow["amount"] = pd.to_numeric(flow["amount"]).fillna(0.0)
    flow["transfers"] = pd.to_numeric(flow["transfers"]).fillna(0).astype(int)

    # Activity per account decides who is drawn individually.
    activity = (
        pd.concat(
            [
                flow[["source", "amount"]].rename(columns={"source": "id"}),
                flow[["target", "amount"]].rename(columns={"target": "id"}),
            ]
        )
        .groupby("id")["amount"]
        .sum()
    )
    member_rank = sorted(member_set, key=lambda m: (-activity.get(m, 0.0), m))
    drawn_members = set(member_rank[:max_members])
    others = [a for a in activity.index if a not in member_set]
    counter_rank = sorted(others, key=lambda a: (-activity.get(a, 0.0), a))
    drawn_counter = set(counter_rank[:max_counterparties])
    hidden_members = len(member_set) - len(drawn_members)
    hidden_counter = len(others) - len(drawn_counter)

    def drawn(account: str) -> str:
        if account in member_set:
            return account if account in drawn_members else MEMBER_GROUP
        return account if account in drawn_counter else COUNTERPARTY_GROUP

    nodes: dict[str, dict[str, Any]] = {}
    for m in sorted(drawn_members):
        nodes[m] = {"kind": "member", "label": m, "detail": "", "amount": activity.get(m, 0.0)}
    for c in sorted(drawn_counter):
        nodes[c] = {"kind": "counterparty", "label": c, "detail": "", "amount": activity.get(c)}
    if hidden_members:
        nodes[MEMBER_GROUP] = {
            "kind": "member_group",
            "label": f"{hidden_members} more members",
            "detail": "aggregated: the least active members",
            "amount": float(sum(activity.get(m, 0.0) for m in member_rank[max_members:])),
        }
        notes.append(
            f"{len(drawn_members)} of {len(member_set)} members drawn one by one; the "
            f"{hidden_members} least active are one aggregate node."
        )
    if hidden_counter:
        nodes[COUNTERPARTY_GROUP] = {
            "kind": "counterparty_group",
            "label": f"{hidden_counter} more counterparties",
            "detail": "aggregated: the smallest outside counterparties",
            "amount": float(sum(activity.get(c, 0.0) for c in counter_rank[max_counterparties:])),
        }
        notes.append(
            f"{len(drawn_counter)} of {len(others)} counterparties drawn; the other "
            f"{hidden_counter} are one aggregate node."
        )

    edges = pd.DataFrame(columns=["source", "target", "kind", "amount", "transfers"])
    if not flow.empty:
        mapped = flow.assign(source=flow["source"].map(drawn), target=flow["target"].map(drawn))
        loops = mapped["source"] == mapped["target"]
        if loops.any():
            notes.append(
                f"{int(mapped.loc[loops, 'transfers'].sum())} transfers inside aggregate nodes "
                "are not drawn."
            )
        mapped = mapped[~loops]
        edges = mapped.groupby(["source", "target"], as_index=False)[["amount", "transfers"]].sum()
        internal = edges["source"].map(_is_member_node(nodes)) & edges["target"].map(
            _is_member_node(nodes)
        )
        edges["kind"] = np.where(internal, "pix_internal", "pix_external")

    id_edges = _identity(identity, drawn_members | drawn_counter, identity_mode, max_identity)
    for node_id, kind, value, name, detail in id_edges.nodes:
        nodes[node_id] = {
            "kind": kind,
            "label": _label(kind, value, name, personal_data),
            "detail": detail or "",
            "amount": None,
        }
    notes.extend(id_edges.notes)
    if id_edges.edges:
        extra = pd.DataFrame(id_edges.edges, columns=["source", "target"]).assign(
            kind="identity", amount=np.nan, transfers=0
        )
        edges = pd.concat([edges, extra], ignore_index=True) if len(edges) else extra

    node_frame = pd.DataFrame(
        [{"id": k, **v} for k, v in nodes.items()],
        columns=["id", "kind", "label", "detail", "amount"],
    )
    x, y = layout(node_frame["id"].tolist(), edges, seed=seed)
    node_frame["x"], node_frame["y"] = x, y
    pos = dict(zip(node_frame["id"], zip(x, y, strict=True), strict=True))
    if len(edges):
        edges["x"] = [pos[s][0] for s in edges["source"]]
        edges["y"] = [pos[s][1] for s in edges["source"]]
        edges["x2"] = [pos[t][0] for t in edges["target"]]
        edges["y2"] = [pos[t][1] for t in edges["target"]]
    return RingGraph(node_frame, edges.reset_index(drop=True), notes)


def _is_member_node(nodes: dict[str, dict[str, Any]]) -> dict[str, bool]:
    return {k: v["kind"] in ("member", "member_group") for k, v in nodes.items()}


@dataclass
class _Identity:
    nodes: list[tuple[str, str, str, str | None, Any]]  # id, kind, value, name, detail
    edges: list[tuple[str, str]]
    notes: list[str]


def _identity(
    rows: list[dict[str, Any]], accounts: set[str], mode: IdentityMode, cap: int
) -> _Identity:
    """Identity nodes (holders, keys, devices, IPs) linked to drawn accounts."""
    if mode == "none" or not rows:
        return _Identity([], [], [])
    frame = pd.DataFrame(rows)
    account_links = frame[(frame["source_kind"] == "account") & frame["source"].isin(accounts)]
    reach = account_links.groupby(["target_kind", "target"])["source"].nunique()
    keep = reach[reach >= 2] if mode == "shared" else reach
    # Shared identifiers first (the evidence), then holders, devices, IPs.
    order = {"device": 0, "ip": 1, "holder": 2}
    ranked = sorted(keep.items(), key=lambda kv: (-kv[1], order.get(kv[0][0], 9), kv[0][1]))
    chosen = ranked[:cap]
    notes: list[str] = []
    if len(ranked) > cap:
        notes.append(f"{cap} of {len(ranked)} identity nodes drawn (most shared first).")
    details = {(r.target_kind, r.target): (r.label, r.detail) for r in frame.itertuples()}
    # Drawn ids are opaque ("holder#3"): the natural ids (CPF, key) must not reach the browser
    # of a role that sees them masked.
    ids: dict[tuple[str, str], str] = {}
    nodes, edges = [], []
    for (kind, value), _count in chosen:
        ids[(kind, value)] = node_id = f"{kind}#{len(ids)}"
        label, detail = details.get((kind, value), (value, None))
        nodes.append((node_id, kind, value, label if kind == "holder" else None, detail))
    for r in account_links.itertuples():
        node_id = ids.get((r.target_kind, r.target))
        if node_id is not None:
            edges.append((r.source, node_id))
    if mode == "all":
        keys = frame[(frame["target_kind"] == "key") & (frame["source_kind"] == "holder")]
        budget = max(0, cap - len(nodes))
        kept = 0
        for r in keys.itertuples():
            holder_id = ids.get(("holder", r.source))
            if holder_id is None:
                continue
            if kept >= budget:
                notes.append("Some Pix keys are not drawn (identity node cap).")
                break
            node_id = ids.get(("key", r.target))
            if node_id is None:
                ids[("key", r.target)] = node_id = f"key#{len(ids)}"
                nodes.append((node_id, "key", r.target, None, r.detail))
                kept += 1
            edges.append((holder_id, node_id))
    return _Identity(nodes, edges, notes)


def layout(
    ids: list[str], edges: pd.DataFrame, *, iterations: int = 60, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Force-directed positions (Fruchterman-Reingold, vectorised; O(n^2) memory per step)."""
    n = len(ids)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if n == 1:
        return np.zeros(1), np.zeros(1)
    index = {node: i for i, node in enumerate(ids)}
    src = edges["source"].map(index).to_numpy(dtype=np.int64) if len(edges) else np.zeros(0, int)
    dst = edges["target"].map(index).to_numpy(dtype=np.int64) if len(edges) else np.zeros(0, int)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n).astype(np.float32)
    y = rng.uniform(-1, 1, n).astype(np.float32)
    k2 = np.float32(4.0 / n)
    k = np.sqrt(k2)
    temperature = 0.2
    step = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        rep = dx * dx
        rep += dy * dy
        rep += np.float32(1e-4)
        np.divide(k2, rep, out=rep)  # repulsion k^2/d, as a factor on (dx, dy)/d
        fx = (rep * dx).sum(axis=1)
        fy = (rep * dy).sum(axis=1)
        ex = x[src] - x[dst]
        ey = y[src] - y[dst]
        pull = np.sqrt(ex * ex + ey * ey) / k  # attraction d^2/k along the edge
        np.add.at(fx, src, -ex * pull)
        np.add.at(fx, dst, ex * pull)
        np.add.at(fy, src, -ey * pull)
        np.add.at(fy, dst, ey * pull)
        length = np.sqrt(fx * fx + fy * fy) + np.float32(1e-6)
        scale = np.minimum(length, temperature) / length
        x += fx * scale
        y += fy * scale
        temperature -= step
    return x.astype(float), y.astype(float)


def chart(
    graph: RingGraph,
    *,
    height: int = 560,
    labels: bool | None = None,
    names: dict[str, str] | None = None,
) -> alt.LayerChart:
    """An interactive Altair view: zoom and pan, tooltips, and a click selects a node.
    ``names`` renames legend entries by kind (e.g. the start of a money trail)."""
    legend_of = {k: (names or {}).get(k, v[0]) for k, v in (STYLE | EDGE_STYLE).items()}
    nodes = graph.nodes.copy()
    nodes["legend"] = nodes["kind"].map(legend_of)
    nodes["amount_text"] = nodes["amount"].map(lambda a: "" if pd.isna(a) else f"R$ {a:,.2f}")
    kinds = [k for k in STYLE if k in set(nodes["kind"])]
    colour = alt.Color(
        "legend:N",
        scale=alt.Scale(domain=[legend_of[k] for k in kinds], range=[STYLE[k][1] for k in kinds]),
        legend=alt.Legend(title=None, orient="bottom", columns=4),
    )
    shape = alt.Shape(
        "legend:N",
        scale=alt.Scale(domain=[legend_of[k] for k in kinds], range=[STYLE[k][2] for k in kinds]),
        legend=None,
    )
    xs = alt.X("x:Q", axis=None, scale=alt.Scale(domain=_padded(nodes["x"]), nice=False))
    ys = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=_padded(nodes["y"]), nice=False))
    zoom = alt.selection_interval(bind="scales", name="zoom")
    pick = alt.selection_point(fields=["id"], name="node", on="click", empty=False)

    edges = graph.edges.copy()
    layers: list[alt.Chart] = []
    if len(edges):
        edges["legend"] = edges["kind"].map(legend_of)
        edge_kinds = [k for k in EDGE_STYLE if k in set(edges["kind"])]
        edges["amount_text"] = edges["amount"].map(lambda a: "" if pd.isna(a) else f"R$ {a:,.2f}")
        edges["width"] = np.where(
            edges["kind"] == "identity", 0.6, 0.8 + 5.0 * _unit(np.log1p(edges["amount"]))
        ).round(2)
        # Tooltips show node labels, never raw ids: an identity node's id holds its CPF or key.
        label = dict(zip(nodes["id"], nodes["label"], strict=True))
        edges["from"] = edges["source"].map(label)
        edges["to"] = edges["target"].map(label)
        edge_scale = alt.Scale(
            domain=[legend_of[k] for k in edge_kinds],
            range=[EDGE_STYLE[k][1] for k in edge_kinds],
        )
        edge_colour = alt.Color(
            "legend:N", scale=edge_scale, legend=alt.Legend(title=None, orient="bottom")
        )
        layers.append(
            alt.Chart(
                _compact(
                    edges,
                    [
                        "x",
                        "y",
                        "x2",
                        "y2",
                        "legend",
                        "width",
                        "from",
                        "to",
                        "amount_text",
                        "transfers",
                    ],
                )
            )  # fmt: skip
            .mark_rule(opacity=0.55)
            .encode(
                x=xs,
                y=ys,
                x2="x2:Q",
                y2="y2:Q",
                color=edge_colour,
                strokeWidth=alt.StrokeWidth("width:Q", legend=None, scale=None),
                tooltip=[
                    alt.Tooltip("from:N", title="from"),
                    alt.Tooltip("to:N", title="to"),
                    alt.Tooltip("amount_text:N", title="amount"),
                    alt.Tooltip("transfers:Q", title="transfers"),
                ],
            )
        )
        pix = edges[edges["kind"] != "identity"].copy()
        if len(pix):
            # Arrow heads two-thirds along each transfer edge, pointing at the receiver.
            pix["ax"] = pix["x"] + 0.66 * (pix["x2"] - pix["x"])
            pix["ay"] = pix["y"] + 0.66 * (pix["y2"] - pix["y"])
            pix["angle"] = np.degrees(np.arctan2(pix["x2"] - pix["x"], pix["y2"] - pix["y"]))
            layers.append(
                alt.Chart(_compact(pix, ["ax", "ay", "angle", "legend"]))
                .mark_point(shape="triangle-up", filled=True, size=45, opacity=0.8)
                .encode(
                    x=alt.X("ax:Q", axis=None),
                    y=alt.Y("ay:Q", axis=None),
                    angle=alt.Angle(
                        "angle:Q", scale=alt.Scale(domain=[-360, 360], range=[-360, 360])
                    ),
                    color=alt.Color("legend:N", scale=edge_scale, legend=None),
                )
            )
    nodes["size"] = np.where(
        nodes["kind"].isin(["member", "counterparty", "member_group", "counterparty_group"]),
        60 + 440 * _unit(np.log1p(nodes["amount"].astype(float).fillna(0.0))),
        90,
    )
    node_layer = (
        alt.Chart(
            _compact(nodes, ["id", "x", "y", "legend", "size", "label", "detail", "amount_text"])
        )
        .mark_point(filled=True, opacity=0.95, stroke="#222", strokeWidth=0.5)
        .encode(
            x=xs,
            y=ys,
            color=colour,
            shape=shape,
            size=alt.Size("size:Q", legend=None, scale=None),
            tooltip=[
                alt.Tooltip("label:N", title="node"),
                alt.Tooltip("legend:N", title="kind"),
                alt.Tooltip("detail:N", title="detail"),
                alt.Tooltip("amount_text:N", title="money moved"),
            ],
            strokeWidth=alt.condition(pick, alt.value(3), alt.value(0.5)),
        )
        .add_params(pick, zoom)
    )
    layers.append(node_layer)
    show_labels = labels if labels is not None else len(nodes) <= 60
    if show_labels:
        layers.append(
            alt.Chart(_compact(nodes[nodes["kind"] != "key"], ["x", "y", "label"]))
            .mark_text(dy=-12, fontSize=10, color="#333")
            .encode(x=xs, y=ys, text="label:N")
        )
    return (
        alt.layer(*layers)
        .properties(height=height)
        .configure_view(strokeWidth=0)
        .resolve_scale(color="independent", shape="independent")
    )


def _compact(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Only the columns a layer draws, coordinates rounded: the spec is sent to the browser."""
    out = frame[columns].copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].round(4)
    return out


def _padded(values: pd.Series, margin: float = 0.08) -> list[float]:
    """The data range widened on both sides, so nodes at the edge are drawn whole."""
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    pad = (high - low) * margin or 1.0
    return [low - pad, high + pad]


def _unit(values: pd.Series | np.ndarray) -> np.ndarray:
    """Scale to [0, 1] (all zeros when constant)."""
    arr = np.asarray(values, dtype=float)
    arr = np.nan_to_num(arr, nan=0.0)
    span = arr.max() - arr.min() if len(arr) else 0.0
    return (arr - arr.min()) / span if span > 0 else np.zeros_like(arr)
