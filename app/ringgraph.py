"""The ring graph of the Ring detail page: which nodes and edges to draw, where, and how.

Large rings stay usable because what is drawn is capped and aggregated: the most active
members and counterparties are drawn one by one, the rest become one "N more ..." node each,
and the money-flow edges between drawn nodes are summed per pair. The layout is a vectorised
force-directed (Fruchterman-Reingold) pass in numpy, and the chart is Altair (Vega-Lite is
bundled with Streamlit), so nothing is fetched from the internet at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from app import security
from ringwatch.money import brl

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


@dataclass(frozen=True)
class DrawnAccounts:
    """Which accounts are drawn one by one; the others fold into the two aggregate nodes."""

    members: frozenset[str]  # every ring member
    shown_members: frozenset[str]
    shown_counterparties: frozenset[str]
    hidden_members: tuple[str, ...]  # most active first: folded into MEMBER_GROUP
    hidden_counterparties: tuple[str, ...]  # most active first: into COUNTERPARTY_GROUP

    @property
    def shown(self) -> set[str]:
        """The accounts drawn one by one."""
        return set(self.shown_members | self.shown_counterparties)

    def node_of(self, account: str) -> str:
        """The drawn node an account's money flows through: itself, or its aggregate node."""
        if account in self.members:
            return account if account in self.shown_members else MEMBER_GROUP
        return account if account in self.shown_counterparties else COUNTERPARTY_GROUP

    def notes(self) -> list[str]:
        """What the caps left out, in words for the page."""
        notes: list[str] = []
        if self.hidden_members:
            notes.append(
                f"{len(self.shown_members)} of {len(self.members)} members drawn one by one; "
                f"the {len(self.hidden_members)} least active are one aggregate node."
            )
        if self.hidden_counterparties:
            total = len(self.shown_counterparties) + len(self.hidden_counterparties)
            notes.append(
                f"{len(self.shown_counterparties)} of {total} counterparties drawn; the other "
                f"{len(self.hidden_counterparties)} are one aggregate node."
            )
        return notes


def flow_frame(flows: list[dict[str, Any]]) -> pd.DataFrame:
    """The ring's money flows (source, target, transfers, amount), missing numbers as 0."""
    flow = pd.DataFrame(flows, columns=["source", "target", "transfers", "amount"])
    flow["amount"] = pd.to_numeric(flow["amount"]).fillna(0.0)
    flow["transfers"] = pd.to_numeric(flow["transfers"]).fillna(0).astype(int)
    return flow


def account_activity(flow: pd.DataFrame) -> pd.Series:
    """Money moved per account, sent plus received: it decides who is drawn one by one."""
    sent = flow[["source", "amount"]].rename(columns={"source": "id"})
    received = flow[["target", "amount"]].rename(columns={"target": "id"})
    return pd.concat([sent, received]).groupby("id")["amount"].sum()


def _most_active(accounts: Iterable[str], activity: pd.Series) -> list[str]:
    return sorted(accounts, key=lambda a: (-activity.get(a, 0.0), a))


def choose_drawn(
    members: set[str], activity: pd.Series, max_members: int, max_counterparties: int
) -> DrawnAccounts:
    """The ``max_members`` most active members and the ``max_counterparties`` most active
    outside accounts are drawn one by one (ties by id)."""
    member_rank = _most_active(members, activity)
    counter_rank = _most_active([a for a in activity.index if a not in members], activity)
    return DrawnAccounts(
        members=frozenset(members),
        shown_members=frozenset(member_rank[:max_members]),
        shown_counterparties=frozenset(counter_rank[:max_counterparties]),
        hidden_members=tuple(member_rank[max_members:]),
        hidden_counterparties=tuple(counter_rank[max_counterparties:]),
    )


def account_nodes(drawn: DrawnAccounts, activity: pd.Series) -> dict[str, dict[str, Any]]:
    """Nodes of the drawn members and counterparties (sorted by id), then the aggregate
    nodes, each with the money it moved."""
    nodes: dict[str, dict[str, Any]] = {}
    for m in sorted(drawn.shown_members):
        nodes[m] = {"kind": "member", "label": m, "detail": "", "amount": activity.get(m, 0.0)}
    for c in sorted(drawn.shown_counterparties):
        nodes[c] = {"kind": "counterparty", "label": c, "detail": "", "amount": activity.get(c)}
    if drawn.hidden_members:
        nodes[MEMBER_GROUP] = {
            "kind": "member_group",
            "label": f"{len(drawn.hidden_members)} more members",
            "detail": "aggregated: the least active members",
            "amount": float(sum(activity.get(m, 0.0) for m in drawn.hidden_members)),
        }
    if drawn.hidden_counterparties:
        nodes[COUNTERPARTY_GROUP] = {
            "kind": "counterparty_group",
            "label": f"{len(drawn.hidden_counterparties)} more counterparties",
            "detail": "aggregated: the smallest outside counterparties",
            "amount": float(sum(activity.get(c, 0.0) for c in drawn.hidden_counterparties)),
        }
    return nodes


def money_edges(flow: pd.DataFrame, drawn: DrawnAccounts) -> tuple[pd.DataFrame, list[str]]:
    """One edge per pair of drawn nodes with the amounts and transfers summed; an edge is
    ``pix_internal`` when both ends are members (or the member aggregate), else
    ``pix_external``. Transfers that fall inside an aggregate node are left out, with a note."""
    if flow.empty:
        return pd.DataFrame(columns=["source", "target", "kind", "amount", "transfers"]), []
    notes: list[str] = []
    mapped = flow.assign(
        source=flow["source"].map(drawn.node_of), target=flow["target"].map(drawn.node_of)
    )
    loops = mapped["source"] == mapped["target"]
    if loops.any():
        notes.append(
            f"{int(mapped.loc[loops, 'transfers'].sum())} transfers inside aggregate nodes "
            "are not drawn."
        )
    pairs = mapped[~loops].groupby(["source", "target"], as_index=False)
    edges = pairs[["amount", "transfers"]].sum()
    member_nodes = drawn.shown_members | {MEMBER_GROUP}
    internal = edges["source"].isin(member_nodes) & edges["target"].isin(member_nodes)
    edges["kind"] = np.where(internal, "pix_internal", "pix_external")
    return edges, notes


def identity_nodes(found: _Identity, personal_data: bool) -> dict[str, dict[str, Any]]:
    """Nodes of the identity links, labelled (masked unless ``personal_data``)."""
    return {
        node_id: {
            "kind": kind,
            "label": _label(kind, value, name, personal_data),
            "detail": detail or "",
            "amount": None,
        }
        for node_id, kind, value, name, detail in found.nodes
    }


def with_identity_edges(edges: pd.DataFrame, links: list[tuple[str, str]]) -> pd.DataFrame:
    """The money edges followed by one ``identity`` edge per link (no amount, no transfers)."""
    if not links:
        return edges
    extra = pd.DataFrame(links, columns=["source", "target"]).assign(
        kind="identity", amount=np.nan, transfers=0
    )
    return pd.concat([edges, extra], ignore_index=True) if len(edges) else extra


def laid_out(
    nodes: dict[str, dict[str, Any]], edges: pd.DataFrame, notes: list[str], seed: int
) -> RingGraph:
    """The ring graph with laid-out positions on its nodes and both ends of its edges."""
    node_frame = pd.DataFrame(
        [{"id": k, **v} for k, v in nodes.items()],
        columns=["id", "kind", "label", "detail", "amount"],
    )
    x, y = layout(node_frame["id"].tolist(), edges, seed=seed)
    node_frame["x"], node_frame["y"] = x, y
    pos = dict(zip(node_frame["id"], zip(x, y, strict=True), strict=True))
    edges = edges.reset_index(drop=True)  # a copy: the caller's frame is left as it is
    if len(edges):
        edges["x"] = [pos[s][0] for s in edges["source"]]
        edges["y"] = [pos[s][1] for s in edges["source"]]
        edges["x2"] = [pos[t][0] for t in edges["target"]]
        edges["y2"] = [pos[t][1] for t in edges["target"]]
    return RingGraph(node_frame, edges, notes)


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
    flow = flow_frame(flows)
    activity = account_activity(flow)
    drawn = choose_drawn(set(members), activity, max_members, max_counterparties)
    nodes = account_nodes(drawn, activity)
    edges, flow_notes = money_edges(flow, drawn)
    found = _identity(identity, drawn.shown, identity_mode, max_identity)
    nodes.update(identity_nodes(found, personal_data))
    edges = with_identity_edges(edges, found.edges)
    return laid_out(nodes, edges, [*drawn.notes(), *flow_notes, *found.notes], seed)


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
        target = ids.get((r.target_kind, r.target))
        if target is not None:
            edges.append((r.source, target))
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
            key_id = ids.get(("key", r.target))
            if key_id is None:
                ids[("key", r.target)] = key_id = f"key#{len(ids)}"
                nodes.append((key_id, "key", r.target, None, r.detail))
                kept += 1
            edges.append((holder_id, key_id))
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


ACCOUNT_KINDS = ("member", "counterparty", "member_group", "counterparty_group")
EDGE_COLUMNS = ["x", "y", "x2", "y2", "legend", "width", "from", "to", "amount_text", "transfers"]
NODE_COLUMNS = ["id", "x", "y", "legend", "size", "label", "detail", "amount_text"]


def legend_names(names: dict[str, str] | None = None) -> dict[str, str]:
    """The legend entry of every node and edge kind, ``names`` overriding the defaults."""
    return {k: (names or {}).get(k, v[0]) for k, v in (STYLE | EDGE_STYLE).items()}


def _money_text(amounts: pd.Series) -> pd.Series:
    return amounts.map(lambda a: "" if pd.isna(a) else brl(float(a)))


def node_table(nodes: pd.DataFrame, legend_of: dict[str, str]) -> pd.DataFrame:
    """The nodes with their legend entry, money as text, and a marker size: accounts and
    aggregates grow with the log of the money they moved, identity nodes have one size."""
    table = nodes.copy()
    table["legend"] = table["kind"].map(legend_of)
    table["amount_text"] = _money_text(table["amount"])
    table["size"] = np.where(
        table["kind"].isin(ACCOUNT_KINDS),
        60 + 440 * _unit(np.log1p(table["amount"].astype(float).fillna(0.0))),
        90,
    )
    return table


def edge_table(
    edges: pd.DataFrame, labels: dict[str, str], legend_of: dict[str, str]
) -> pd.DataFrame:
    """The edges with their legend entry, money as text, a stroke width (money edges grow with
    the log of the amount) and the ``labels`` of both ends, for tooltips."""
    table = edges.copy()
    table["legend"] = table["kind"].map(legend_of)
    table["amount_text"] = _money_text(table["amount"])
    table["width"] = np.where(
        table["kind"] == "identity", 0.6, 0.8 + 5.0 * _unit(np.log1p(table["amount"]))
    ).round(2)
    # Tooltips show node labels, never raw ids: an identity node's id holds its CPF or key.
    table["from"] = table["source"].map(labels)
    table["to"] = table["target"].map(labels)
    return table


def arrow_table(edges: pd.DataFrame) -> pd.DataFrame:
    """One arrow head per money edge, two-thirds along it, its angle pointing at the
    receiver (degrees clockwise from up)."""
    pix = edges[edges["kind"] != "identity"].copy()
    dx, dy = pix["x2"] - pix["x"], pix["y2"] - pix["y"]
    pix["ax"] = pix["x"] + 0.66 * dx
    pix["ay"] = pix["y"] + 0.66 * dy
    pix["angle"] = np.degrees(np.arctan2(dx, dy))
    return pix


def _kind_scale(
    style: Mapping[str, tuple[str, ...]], present: pd.Series, legend_of: dict[str, str], item: int
) -> alt.Scale:
    """A scale from the legend entries of the kinds ``present`` to ``style[kind][item]``."""
    kinds = [k for k in style if k in set(present)]
    return alt.Scale(domain=[legend_of[k] for k in kinds], range=[style[k][item] for k in kinds])


def _edge_layer(table: pd.DataFrame, xs: alt.X, ys: alt.Y, scale: alt.Scale) -> alt.Chart:
    colour = alt.Color("legend:N", scale=scale, legend=alt.Legend(title=None, orient="bottom"))
    layer: alt.Chart = (
        alt.Chart(_compact(table, EDGE_COLUMNS))
        .mark_rule(opacity=0.55)
        .encode(
            x=xs,
            y=ys,
            x2="x2:Q",
            y2="y2:Q",
            color=colour,
            strokeWidth=alt.StrokeWidth("width:Q", legend=None, scale=None),
            tooltip=[
                alt.Tooltip("from:N", title="from"),
                alt.Tooltip("to:N", title="to"),
                alt.Tooltip("amount_text:N", title="amount"),
                alt.Tooltip("transfers:Q", title="transfers"),
            ],
        )
    )
    return layer


def _arrow_layer(arrows: pd.DataFrame, scale: alt.Scale) -> alt.Chart:
    layer: alt.Chart = (
        alt.Chart(_compact(arrows, ["ax", "ay", "angle", "legend"]))
        .mark_point(shape="triangle-up", filled=True, size=45, opacity=0.8)
        .encode(
            x=alt.X("ax:Q", axis=None),
            y=alt.Y("ay:Q", axis=None),
            angle=alt.Angle("angle:Q", scale=alt.Scale(domain=[-360, 360], range=[-360, 360])),
            color=alt.Color("legend:N", scale=scale, legend=None),
        )
    )
    return layer


def _node_layer(table: pd.DataFrame, legend_of: dict[str, str], xs: alt.X, ys: alt.Y) -> alt.Chart:
    """The nodes, with tooltips, zoom and pan, and a click selection named ``node``."""
    colour = alt.Color(
        "legend:N",
        scale=_kind_scale(STYLE, table["kind"], legend_of, 1),
        legend=alt.Legend(title=None, orient="bottom", columns=4),
    )
    shape = alt.Shape(
        "legend:N", scale=_kind_scale(STYLE, table["kind"], legend_of, 2), legend=None
    )
    zoom = alt.selection_interval(bind="scales", name="zoom")
    pick = alt.selection_point(fields=["id"], name="node", on="click", empty=False)
    layer: alt.Chart = (
        alt.Chart(_compact(table, NODE_COLUMNS))
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
    return layer


def _label_layer(table: pd.DataFrame, xs: alt.X, ys: alt.Y) -> alt.Chart:
    """Node labels above the nodes (Pix keys are left unlabelled: their holder says it)."""
    layer: alt.Chart = (
        alt.Chart(_compact(table[table["kind"] != "key"], ["x", "y", "label"]))
        .mark_text(dy=-12, fontSize=10, color="#333")
        .encode(x=xs, y=ys, text="label:N")
    )
    return layer


def chart(
    graph: RingGraph,
    *,
    height: int = 560,
    labels: bool | None = None,
    names: dict[str, str] | None = None,
) -> alt.LayerChart:
    """An interactive Altair view: zoom and pan, tooltips, and a click selects a node.
    ``names`` renames legend entries by kind (e.g. the start of a money trail). Layers:
    edges and arrow heads (when there are any), nodes, and labels (by default only up to
    60 nodes)."""
    legend_of = legend_names(names)
    nodes = node_table(graph.nodes, legend_of)
    xs = alt.X("x:Q", axis=None, scale=alt.Scale(domain=_padded(nodes["x"]), nice=False))
    ys = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=_padded(nodes["y"]), nice=False))
    layers: list[alt.Chart] = []
    if len(graph.edges):
        node_labels = dict(zip(nodes["id"], nodes["label"], strict=True))
        edges = edge_table(graph.edges, node_labels, legend_of)
        edge_scale = _kind_scale(EDGE_STYLE, edges["kind"], legend_of, 1)
        layers.append(_edge_layer(edges, xs, ys, edge_scale))
        arrows = arrow_table(edges)
        if len(arrows):
            layers.append(_arrow_layer(arrows, edge_scale))
    layers.append(_node_layer(nodes, legend_of, xs, ys))
    if labels if labels is not None else len(nodes) <= 60:
        layers.append(_label_layer(nodes, xs, ys))
    spec: alt.LayerChart = (
        alt.layer(*layers)
        .properties(height=height)
        .configure_view(strokeWidth=0)
        .resolve_scale(color="independent", shape="independent")
    )
    return spec


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
