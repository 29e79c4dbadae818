"""One detection run: export, detect, assemble, score — without writing anything.

``find_rings`` is the pure core (DataFrames in, rings out); the graph-dependent steps (account
details, GDS Leiden, GDS WCC, GDS neighbourhood features) come in as functions, with pure
defaults for tests and small runs. ``run`` wires it to Neo4j and GDS.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from detectors import (
    any_speed,
    assemble,
    chains,
    clusters,
    cycles,
    explain,
    fan,
    frames,
    linked,
    oneoff,
    passthrough,
    proximity,
    scatter,
    scoring,
    takeover,
)
from detectors import clock as clocks
from detectors.background import Background
from detectors.config import DetectionConfig
from detectors.frames import RING_COLUMNS, Inputs

log = logging.getLogger("ringwatch.detect")


@dataclass
class DetectionResult:
    """Rings and linked-account clusters found by one run, ranked by score."""

    rings: pd.DataFrame  # RING_COLUMNS
    counts: dict[str, int] = field(default_factory=dict)
    window: tuple[str, str] | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _no_rings() -> pd.DataFrame:
    return pd.DataFrame(columns=RING_COLUMNS)


class _Clock:
    """Seconds spent in each named step of a run."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self._t, 2)
        self._t = now


@dataclass
class _FastPatterns:
    """What the hour-scale detectors found (empty on day-level data)."""

    passthrough: passthrough.PassThrough
    fans: fan.Fans
    chains: pd.DataFrame
    cycles: pd.DataFrame
    scatter: pd.DataFrame
    drains: pd.DataFrame
    edges: pd.DataFrame  # the suspicious transfers that rings are assembled from


def find_rings(
    inputs: Inputs,
    cfg: DetectionConfig,
    split: assemble.Splitter | None = None,
    details: Callable[[list[str]], pd.DataFrame] | None = None,
    neighbourhood: Callable[[list[str], list[str]], pd.DataFrame] | None = None,
) -> DetectionResult:
    """Run every detector on ``inputs`` and return scored rings and linked clusters."""
    with _OneOffStructures(inputs, cfg) as one_offs:
        return _find_rings(inputs, cfg, one_offs, split, details, neighbourhood)


def _find_rings(
    inputs: Inputs,
    cfg: DetectionConfig,
    one_offs: _OneOffStructures,
    split: assemble.Splitter | None,
    details: Callable[[list[str]], pd.DataFrame] | None,
    neighbourhood: Callable[[list[str], list[str]], pd.DataFrame] | None,
) -> DetectionResult:
    clock = _Clock()
    transfers = inputs.transfers
    one_offs.start(transfers)  # on the second core, while the hour-scale detectors run
    # Hour-scale detectors read delays between transfers; on day-level timestamps every
    # same-day relay would look instantaneous, so they only see data with clock times, and
    # only when those times carry information (``detectors.clock``).
    clock_times = frames.has_clock_times(transfers)
    fast = _fast_patterns(transfers if clock_times else transfers.iloc[:0], inputs, cfg)
    checked, seeds = None, inputs.seeds
    if clock_times:
        checked = clocks.check(transfers, cfg, real=fast.passthrough.all_episodes)
        if not checked.informative:
            log.info("%s Reading the data as day-level.", checked.sentence())
            transfers, clock_times = clocks.day_level(transfers), False
            seeds = clocks.day_level(seeds) if len(seeds) else seeds  # the cases' times too
            one_offs.start(transfers)  # the one-off graph of the day-level transfers
            fast = _fast_patterns(transfers.iloc[:0], inputs, cfg)
    clock.lap("patterns")
    split = split or assemble.louvain_splitter(cfg.random_seed)
    candidates = assemble.assemble(fast.edges, inputs.identifiers, cfg, split)
    clock.lap("assembly")
    cluster_rows = linked.components(inputs.identifiers, cfg)
    cluster_rows = split_clusters(cluster_rows, inputs.identifiers, cfg, split)
    ids = sorted(set(candidates.members["account"]) | set(cluster_rows["account"]), key=str)
    accounts = details(ids) if details else inputs.accounts
    fraud = pd.Index(inputs.fraud_accounts["account"].unique())
    distance = proximity.fraud_distance(transfers, fraud, cfg.fraud_hops, cfg.fraud_hub_degree)
    evidence = scoring.Evidence(
        transfers if clock_times else transfers.iloc[:0],
        fast.passthrough,
        fast.fans,
        fast.chains,
        fast.cycles,
        fast.scatter,
        fast.drains,
        inputs.identifiers,
        accounts,
        distance,
    )
    rings = _fast_rings(candidates, evidence, fraud, neighbourhood, cfg, clock)
    clock.lap("scoring")
    found = [set(m) for m in rings["members"]]
    slow, slow_counts = any_speed.rings_from(
        *one_offs.result(),
        transfers,
        seeds,
        found,
        fraud,
        details or _account_rows(inputs.accounts),
        cfg,
        inputs.outside_pairs,
        fast.passthrough.relays.index,
    )
    if len(slow):
        rings = pd.concat([rings, slow], ignore_index=True) if len(rings) else slow
    clock.lap("any_speed")
    ring_members = pd.Index(rings["members"].explode().dropna()) if len(rings) else pd.Index([])
    linked_rows = clusters.summarise(
        cluster_rows,
        inputs.identifiers,
        fast.passthrough.relays,
        ring_members,
        accounts,
        distance,
        transfers,
        cfg,
    )
    if len(linked_rows):
        rings = pd.concat([rings, _linked_rings(linked_rows)], ignore_index=True)
    clock.lap("linked")
    rings = rings.sort_values(["kind", "score"], ascending=[False, False]).reset_index(drop=True)
    counts = {
        "transfers": len(transfers),
        "clock_times": int(clock_times),
        **(
            {"clock_real_episodes": checked.real, "clock_chance_episodes": checked.chance}
            if checked
            else {}
        ),
        **_fast_counts(fast),
        "candidates": int(candidates.members["candidate"].nunique())
        if len(candidates.members)
        else 0,
        **slow_counts,
        "rings": int((rings["kind"] == "ring").sum()),
        "linked_clusters": int((rings["kind"] == "linked_accounts").sum()),
    }
    return DetectionResult(rings=rings, counts=counts, timings=clock.laps)


class _OneOffStructures:
    """The one-off graph of a run's transfers and its structures (``any_speed.structures``),
    computed on the second core (``detectors.background``) from ``start`` until ``result``
    is asked for."""

    def __init__(self, inputs: Inputs, cfg: DetectionConfig) -> None:
        self._inputs, self._cfg = inputs, cfg
        self.graph: oneoff.OneOff | None = None
        self._job: Background[dict[str, any_speed.Found]] | None = None

    def start(self, transfers: pd.DataFrame) -> None:
        """(Re)start on ``transfers``: a job started on other transfers is stopped."""
        self.close()
        i = self._inputs
        self.graph = oneoff.one_off(transfers, i.outside_pairs, i.outside_pace, i.companies)
        forked = len(self.graph) >= self._cfg.background_min_one_offs
        self._job = Background(any_speed.structures, self.graph, self._cfg, forked=forked)

    def result(self) -> tuple[oneoff.OneOff, dict[str, any_speed.Found]]:
        """The one-off graph and its structures (waits for them)."""
        if self._job is None or self.graph is None:
            raise RuntimeError("start() the one-off structures before asking for them")
        return self.graph, self._job.result()

    def close(self) -> None:
        if self._job is not None:
            self._job.close()
            self._job = None

    def __enter__(self) -> _OneOffStructures:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fast_patterns(tr: pd.DataFrame, inputs: Inputs, cfg: DetectionConfig) -> _FastPatterns:
    """The hour-scale detectors on ``tr``: pass-through relays, fans, chains, cycles,
    scatter-gather and drains, with the transfers each marks as suspicious."""
    pt = passthrough.detect(tr, cfg, inputs.companies)
    relaying = pt.relays.index
    fans = fan.detect(tr, relaying, cfg)
    chain_rows, chain_edges = chains.detect(pt.relay_edges, cfg)
    cycle_rows, cycle_edges = cycles.detect(tr, pt.relay_edges, relaying, cfg)
    scatter_rows, scatter_edges = scatter.detect(pt.relay_edges, cfg)
    hubs = pd.Index(fans.fan_out["account"]).union(pd.Index(scatter_rows["source"]))
    drains, drain_edges = takeover.detect(tr, relaying, inputs.takeovers, cfg, hubs)
    found = [passthrough.flow_edges(pt), fans.edges, chain_edges, cycle_edges, scatter_edges]
    edges = pd.concat([*found, drain_edges], ignore_index=True)
    return _FastPatterns(pt, fans, chain_rows, cycle_rows, scatter_rows, drains, edges)


def _fast_counts(fast: _FastPatterns) -> dict[str, int]:
    return {
        "relays": len(fast.passthrough.relays),
        "sinks": len(fast.passthrough.sinks),
        "fan_in": len(fast.fans.fan_in),
        "fan_out": len(fast.fans.fan_out),
        "chains": len(fast.chains),
        "cycles": len(fast.cycles),
        "scatter_gather": len(fast.scatter),
        "drained": len(fast.drains),
    }


def _fast_rings(
    candidates: assemble.Candidates,
    evidence: scoring.Evidence,
    fraud: pd.Index,
    neighbourhood: Callable[[list[str], list[str]], pd.DataFrame] | None,
    cfg: DetectionConfig,
    clock: _Clock,
) -> pd.DataFrame:
    """Candidate rings scored and explained; those below ``min_score`` dropped."""
    if not len(candidates.members):
        clock.lap("features")
        return _no_rings()
    f = scoring.features(candidates.members, candidates.edges, evidence, cfg)
    f = f[~scoring.routine(f, cfg)]  # payroll and supplier runs pass money on too
    clock.lap("features")
    if neighbourhood is not None:
        members = sorted(candidates.members["account"], key=str)
        nb = neighbourhood(members, sorted(fraud, key=str))
        f = _add_neighbourhood(f, candidates.members, nb)
    s = scoring.factors(f, cfg)
    if "fraud_similarity" in f:
        s["fraud"] = np.maximum(s["fraud"], np.clip(2 * f["fraud_similarity"], 0, 1))
    f["score"] = scoring.score(s)
    f = f[f["score"] >= cfg.min_score]
    return pd.DataFrame(
        {
            "kind": "ring",
            "members": f["members"],
            "size": f["size"].astype(int),
            "score": f["score"],
            "reasons": [_ring_reasons(f.loc[c], s.loc[c]) for c in f.index],
            "typology_guess": [explain.typology(f.loc[c]) for c in f.index],
            "first_seen": f["first_seen"],
            "last_seen": f["last_seen"],
            "total_amount": f["total_amount"].round(2),
        },
        columns=RING_COLUMNS,
    )


def _linked_rings(rows: pd.DataFrame) -> pd.DataFrame:
    """Linked-account clusters in the ring table's shape."""
    return pd.DataFrame(
        {
            "kind": "linked_accounts",
            "members": rows["members"],
            "size": rows["size"].astype(int),
            "score": rows["score"],
            "reasons": rows["reasons"],
            "typology_guess": "linked_accounts",
            "first_seen": rows["first_seen"],
            "last_seen": rows["last_seen"],
            "total_amount": rows["total_amount"].astype(float).round(2),
        }
    )


def _account_rows(accounts: pd.DataFrame) -> Callable[[list[str]], pd.DataFrame]:
    """Account details from the inputs' table (runs without a graph)."""
    return lambda ids: accounts[accounts["account"].isin(ids)]


def split_clusters(
    rows: pd.DataFrame, identifiers: pd.DataFrame, cfg: DetectionConfig, split: assemble.Splitter
) -> pd.DataFrame:
    """Split linked-account clusters larger than ``max_ring_size`` into communities of their
    identifier links (chains of small shared IPs and phones can still percolate through
    thousands of people even with hub caps)."""
    if rows.empty:
        return rows
    sizes = rows.groupby("cluster")["account"].transform("size")
    big = rows[sizes > cfg.max_ring_size]
    if big.empty:
        return rows
    owner = big.set_index("account")["cluster"]
    pairs = linked.link_edges(identifiers, pd.Index(big["account"]), cfg)
    pairs = pairs[pairs["src"].map(owner) == pairs["dst"].map(owner)]
    community = split(pairs.assign(weight=1.0)[["src", "dst", "weight"]])
    parts = big["cluster"].astype(str) + ":" + big["account"].map(community).astype(str)
    small = rows[sizes <= cfg.max_ring_size]
    frame = pd.concat(
        [
            pd.DataFrame({"account": small["account"], "component": small["cluster"].astype(str)}),
            pd.DataFrame({"account": big["account"], "component": parts}),
        ],
        ignore_index=True,
    )
    return linked.label_clusters(frame)


def _add_neighbourhood(f: pd.DataFrame, members: pd.DataFrame, nb: pd.DataFrame) -> pd.DataFrame:
    """Per ring: top PageRank member, largest degree, best similarity to confirmed fraud."""
    if nb.empty:
        return f
    m = members.join(nb, on="account")
    f = f.copy()
    f["fraud_similarity"] = m.groupby("candidate")["fraud_similarity"].max().fillna(0.0)
    f["max_degree"] = m.groupby("candidate")["degree"].max()
    top = m.dropna(subset=["pagerank"]).sort_values("pagerank", ascending=False)
    f["top_member"] = top.drop_duplicates("candidate").set_index("candidate")["account"]
    return f


def _ring_reasons(f: pd.Series, s: pd.Series) -> list[str]:
    out = explain.reasons(f, s)
    sim = f.get("fraud_similarity", 0.0)
    if pd.notna(sim) and sim >= 0.2:
        text = f"Members pay the same accounts as a confirmed-fraud account (similarity {sim:.2f})."
        out.insert(-1, text)
    top = f.get("top_member")
    if isinstance(top, str):
        out.insert(-1, f"{top} is where the ring's money concentrates (highest PageRank).")
    return out


def run(gateway: Any, cfg: DetectionConfig, use_gds: bool = True) -> DetectionResult:
    """Export the graph, run every detector (GDS where it helps), return results: one pass
    per time window (``export.tiles``), combined (``combine``).

    A window's own inputs (its transfers, seeds and pace outside it) are read on a second
    connection: the first window's while the shared inputs (identifiers, takeover logins,
    confirmed fraud) are read, each next window's while the one before it is detected. Neo4j
    runs each query on one core, so the export keeps both cores busy. The export time
    reported is the time the detectors waited for their inputs."""
    from detectors import export

    t0 = time.monotonic()
    windows = export.windows(gateway, cfg)
    if not windows:  # no transfers at all: an empty, complete result
        return find_rings(Inputs(transfers=frames.empty_transfers()), cfg)
    # a window that is not the whole history needs its pairs' transfers outside it
    alone = len(windows) == 1 and not cfg.history_days
    results = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ringwatch-export") as pool:
        upcoming = pool.submit(export.window_parts, gateway, windows[0], alone)
        shared = export.shared_inputs(gateway, cfg)
        for i, window in enumerate(windows, 1):
            if len(windows) > 1:
                log.info("Window %d of %d: %s .. %s", i, len(windows), *window)
            parts = upcoming.result()
            waited = time.monotonic() - t0
            if i < len(windows):  # the next window's inputs, read while this one is detected
                upcoming = pool.submit(export.window_parts, gateway, windows[i], alone)
            inputs = replace(shared, **parts)
            results.append(_run_window(gateway, cfg, window, inputs, use_gds, waited))
            t0 = time.monotonic()
    return combine(results, cfg)


def _run_window(
    gateway: Any,
    cfg: DetectionConfig,
    window: tuple[str, str],
    inputs: Inputs,
    use_gds: bool,
    exported: float,
) -> DetectionResult:
    """Detection on one window's ``inputs``, read in ``exported`` seconds."""
    from detectors import export, gds_algos

    kwargs: dict[str, Any] = {"details": lambda ids: export.accounts(gateway, ids)}
    if use_gds:
        gds = gateway.gds()
        gds.set_show_progress(False)
        kwargs["split"] = gds_algos.leiden_splitter(gateway, gds, window, inputs.identifiers, cfg)
        kwargs["neighbourhood"] = lambda m, f: gds_algos.neighbourhood_features(
            gateway, gds, m, f, window
        )
    result = find_rings(inputs, cfg, **kwargs)
    result.window = window
    result.timings = {"export": round(exported, 2), **result.timings}
    return result


def combine(results: list[DetectionResult], cfg: DetectionConfig) -> DetectionResult:
    """One result from the windows' results (oldest first): a ring or cluster found in several
    windows (member Jaccard similarity at least ``id_jaccard``, the rule that keeps a ring's
    id across runs) is reported once, as found in the window where it scored highest (the
    newer window on a tie). Counts and timings are summed; ``windows`` says how many."""
    if len(results) == 1:
        return results[0]
    frames_ = [r.rings.assign(_window=i) for i, r in enumerate(results) if len(r.rings)]
    rings = pd.concat(frames_, ignore_index=True) if frames_ else _no_rings()
    keep: list[int] = []
    kept: list[set[str]] = []
    holding: dict[tuple[str, str], list[int]] = {}  # (kind, account) -> kept rings holding it
    for i in rings.sort_values(["score", "_window"], ascending=False).index:
        members, kind = set(rings.at[i, "members"]), str(rings.at[i, "kind"])
        near = {j for a in members for j in holding.get((kind, a), ())}
        if any(_jaccard(members, kept[j]) >= cfg.id_jaccard for j in near):
            continue
        for a in members:
            holding.setdefault((kind, a), []).append(len(kept))
        kept.append(members)
        keep.append(int(i))
    rings = rings.loc[sorted(keep)].drop(columns="_window", errors="ignore")
    rings = rings.sort_values(["kind", "score"], ascending=[False, False]).reset_index(drop=True)
    counts: dict[str, int] = {}
    timings: dict[str, float] = {}
    for r in results:
        for k, v in r.counts.items():
            counts[k] = counts.get(k, 0) + int(v)
        for k, t in r.timings.items():
            timings[k] = round(timings.get(k, 0.0) + t, 2)
    counts["windows"] = len(results)
    counts["rings"] = int((rings["kind"] == "ring").sum())
    counts["linked_clusters"] = int((rings["kind"] == "linked_accounts").sum())
    first, last = results[0].window, results[-1].window
    window = (first[0], last[1]) if first and last else None
    return DetectionResult(rings=rings, counts=counts, window=window, timings=timings)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
