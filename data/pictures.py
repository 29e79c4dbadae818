"""Draw one small example ring per typology, using the generator's own typology functions.

    python -m data.pictures --out docs/img/

Writes ``typology_<name>.png``: ring members in red, victims in grey, the shops and exit
companies where money leaves in black; arrows are money flows (width ~ amount), dotted
green lines join members that used the same device or IP.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from data.generator.calendar import DAY, HOUR  # noqa: E402
from data.generator.rings.base import RingEvents, RingSpec  # noqa: E402
from data.generator.rings.plan import TYPOLOGY_FUNCTIONS  # noqa: E402
from data.schema import TYPOLOGIES  # noqa: E402

EXAMPLE_SIZE = {
    "fan_in": 6,
    "fan_out": 8,
    "layering_chain": 8,
    "cycle": 5,
    "scatter_gather": 8,
    "mule_farm": 12,
    "account_takeover": 6,
    "rented_account": 6,
}
CAPTION = {
    "fan_in": "many victims pay one collector; runners pass it to a boss",
    "fan_out": "a hub splits a large inflow to many spokes within minutes",
    "layering_chain": "entry -> 2..4 intermediaries -> exit, minutes apart",
    "cycle": "money leaves the origin and comes back to it",
    "scatter_gather": "one source, many middles, one sink",
    "mule_farm": "new accounts run from a few shared phones and IPs",
    "account_takeover": "failed logins, a new phone, the balance drained to mules",
    "rented_account": "old accounts handed to an operator pass money to a controller",
}
MEMBER, VICTIM_BASE, SHOP_BASE = 0, 1_000, 500


def example(typology: str, seed: int = 3) -> tuple[RingSpec, RingEvents]:
    """A small ring of the typology, with members numbered from 0."""
    size = EXAMPLE_SIZE[typology]
    t0 = 1_745_000_000 - 1_745_000_000 % DAY + 8 * HOUR
    spec = RingSpec(
        ring=0,
        typology=typology,
        members=np.arange(size),
        victims=np.arange(VICTIM_BASE, VICTIM_BASE + 200),
        victim_per_tx=np.full(200, 500_000),
        cashout=np.array([SHOP_BASE, SHOP_BASE + 1]),
        exits=np.array([SHOP_BASE + 100]),
        t0=t0,
        t1=t0 + 60 * DAY,
        daily_limit=np.full(size, 500_000),
        per_tx_limit=np.full(size, 500_000),
    )
    return spec, TYPOLOGY_FUNCTIONS[typology](np.random.default_rng(seed), spec)


def ring_graph(spec: RingSpec, ev: RingEvents) -> tuple[nx.DiGraph, list[tuple[int, int]]]:
    """Money-flow graph (edge weight = total cents) and member pairs sharing a device/IP."""
    g = nx.DiGraph()
    t = ev.txs
    for s, d, c in zip(t.src.tolist(), t.dst.tolist(), t.cents.tolist(), strict=True):
        w = g.get_edge_data(s, d, {"weight": 0})["weight"]
        g.add_edge(s, d, weight=w + c)
    members = set(spec.members.tolist())
    shared: set[tuple[int, int]] = set()
    holders = [(ev.devices.device, ev.devices.user), (t.ip, t.src)]
    for ids, users in holders:
        for value in np.unique(ids[ids >= 0]):
            us = sorted(set(users[ids == value].tolist()) & members)
            shared |= {(a, b) for i, a in enumerate(us) for b in us[i + 1 :]}
    g.add_nodes_from(members)
    return g, sorted(shared)


def _layout(g: nx.DiGraph, members: set[int], typology: str) -> dict[int, np.ndarray]:
    """Money flows left to right: sources (victims, hijacked accounts) first, then each
    member at its hop distance, shops and exits last; a cycle is drawn as a circle."""
    if typology == "cycle":
        inner = sorted(members)
        outer = sorted(n for n in g.nodes if n not in members)
        return nx.shell_layout(g, nlist=[inner, outer])
    start = "start"
    flow = g.copy()
    flow.add_edges_from((start, n) for n in g.nodes if g.in_degree(n) == 0)
    depth = nx.single_source_shortest_path_length(flow, start)
    last = max(depth.get(n, 1) for n in members) + 1
    for n in g.nodes:
        g.nodes[n]["layer"] = last if SHOP_BASE <= n < VICTIM_BASE else depth.get(n, 1)
    return nx.multipartite_layout(g, subset_key="layer")


def draw(typology: str, path: Path) -> None:
    """Render the example ring of a typology to a PNG file."""
    spec, ev = example(typology)
    g, shared = ring_graph(spec, ev)
    members = set(spec.members.tolist())
    layout = _layout(g, members, typology)
    colour = [
        "#d62728" if n in members else "#7f7f7f" if n >= VICTIM_BASE else "#222222" for n in g.nodes
    ]
    size = [260 if n in members else 60 for n in g.nodes]
    top = max(d["weight"] for _, _, d in g.edges(data=True))
    width = [0.6 + 3 * d["weight"] / top for _, _, d in g.edges(data=True)]
    widest = max(np.unique([round(x, 3) for x, _ in layout.values()], return_counts=True)[1])
    fig, ax = plt.subplots(figsize=(4.2, float(np.clip(0.22 * widest, 3.6, 6.5))), dpi=100)
    nx.draw_networkx_edges(
        g, layout, ax=ax, width=width, edge_color="#555555", arrowsize=9, node_size=size, alpha=0.8
    )
    nx.draw_networkx_edges(
        nx.DiGraph(shared),
        layout,
        ax=ax,
        style="dotted",
        width=1.2,
        edge_color="#2ca02c",
        arrows=True,
        arrowstyle="-",
        connectionstyle="arc3,rad=0.5",
    )
    nx.draw_networkx_nodes(g, layout, ax=ax, node_color=colour, node_size=size)
    ax.set_title(f"{typology}\n{CAPTION[typology]}", fontsize=9)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Draw an example ring of each typology.")
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for typology in TYPOLOGIES:
        draw(typology, args.out / f"typology_{typology}.png")
        print(args.out / f"typology_{typology}.png")


if __name__ == "__main__":
    main()
