"""Sizing figures for docs/scaling.md: graph sizes, the store on disk, GDS memory estimates,
and the tier arithmetic for loaders and partitions.

Five steps, each printing Markdown (``measure`` also writes JSON for ``estimate``):

  measure   on a loaded graph: node and relationship counts, the size of the GNN features'
            projection (cypher/bench/pix_pairs), the local store on disk (the database's
            directory, without transaction logs), and with --detect the node and relationship
            counts of every detection projection in one dry-run detection (read from
            graph.projections' debug records), with that run's wall time and peak RSS.
  estimate  GDS's own `.estimate` procedures (cypher/bench/estimate_*.cypher) on fictive
            graphs (nodeCount / relationshipCount) for every projection and algorithm
            ringwatch runs, at each --scales: the counts of the nearest measured scale at or
            below it, multiplied by the ratio of scales (linear: an extrapolation above the
            largest measured scale).
  density   the same estimate for the GNN features' projection at other numbers of distinct
            counterparties per account than the generator's (fictive counts).
  peak      how far the busiest hour and day of a dataset's transfers stand above its mean.
  plan      transfers per day -> records/s at the peak -> loaders and partitions, from a
            measured records/s per loader.

    export RINGWATCH_VAR_DIR=var/sizing NEO4J_URI=bolt://127.0.0.1:7737 \\
           KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9142
    ringwatch load var/sizing/data1 --offline --replace
    .venv/bin/python bench/sizing.py measure --scale 1 --detect --json var/sizing/x1.json
    ringwatch load var/sizing/data20 --offline --replace
    .venv/bin/python bench/sizing.py measure --scale 20 --detect --json var/sizing/x20.json
    .venv/bin/python bench/sizing.py estimate var/sizing/x1.json var/sizing/x20.json \\
        --scales 1 20 200 2000
    .venv/bin/python bench/sizing.py density --accounts 1000000 --pairs-per-account 1.3 5 20
    .venv/bin/python bench/sizing.py peak var/sizing/data20
    .venv/bin/python bench/sizing.py plan --loader-records-per-s 6560 \\
        --records-per-transfer 4.94 --peak-factor 3

``estimate`` needs only a running Neo4j with GDS (the graph may be empty): the graphs are
fictive. The store size is read only for the local stack (RINGWATCH_VAR_DIR).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import resource
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from graph.gateway import Gateway  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402

SECONDS_PER_DAY = 86_400
MIB = 1024**2


# ------------------------------------------------------------------ what ringwatch projects


@dataclass(frozen=True)
class Algorithm:
    """One algorithm run on a projection: the stored estimate query and its settings."""

    name: str
    query: str  # cypher/bench/estimate_*.cypher
    orientation: str  # of the relationships it reads
    weighted: bool = False
    concurrency: int | None = None  # None: RINGWATCH_GDS_CONCURRENCY


@dataclass(frozen=True)
class Job:
    """A projection ringwatch builds and the algorithms it runs on it (in code order).

    ``nodes``/``relationships`` name the measured counts that size it. ``rel_types`` lists
    the orientation of each relationship type projected (all held in memory at once).
    ``counted_both_ways``: the measured relationship count is GDS's own for an undirected
    projection, which counts each relationship in both directions; a fictive graph's
    ``relationshipCount`` is counted once (GDS doubles it for UNDIRECTED)."""

    name: str
    where: str
    nodes: str
    relationships: str
    rel_types: tuple[str, ...]
    weighted: bool
    counted_both_ways: bool
    algorithms: tuple[Algorithm, ...]


# The projections of gnn/features.py gds_features (every account; PIX one way for PageRank,
# both ways for degree and Louvain) and detectors/gds_algos.py (Cypher projections around
# the candidates), with the algorithms each runs.
GNN_RELATIONSHIPS = {
    "PIX": {"type": "PIX", "orientation": "NATURAL", "aggregation": "SINGLE"},
    "PIX_U": {"type": "PIX", "orientation": "UNDIRECTED", "aggregation": "SINGLE"},
}
JOBS = (
    Job(
        "GNN features, every account",
        "gnn/features.py",
        "accounts",
        "pix_pairs",
        ("NATURAL", "UNDIRECTED"),
        weighted=False,
        counted_both_ways=False,
        algorithms=(
            Algorithm("PageRank", "bench/estimate_pagerank", "NATURAL"),
            Algorithm("degree", "bench/estimate_degree", "UNDIRECTED"),
            Algorithm("Louvain", "bench/estimate_louvain", "UNDIRECTED"),
        ),
    ),
    Job(
        "candidates' neighbourhood",
        "detectors/project_neighbourhood",
        "detectors/project_neighbourhood:nodes",
        "detectors/project_neighbourhood:relationships",
        ("NATURAL",),
        weighted=True,
        counted_both_ways=False,
        algorithms=(
            Algorithm("degree", "bench/estimate_degree", "NATURAL"),
            Algorithm("PageRank", "bench/estimate_pagerank", "NATURAL", weighted=True),
            Algorithm("similarity", "bench/estimate_node_similarity", "NATURAL"),
        ),
    ),
    Job(
        "largest oversized ring's split",
        "detectors/project_flows",
        "detectors/project_flows:nodes",
        "detectors/project_flows:relationships",
        ("UNDIRECTED",),
        weighted=True,
        counted_both_ways=True,
        algorithms=(
            Algorithm(
                "Leiden", "bench/estimate_leiden", "UNDIRECTED", weighted=True, concurrency=1
            ),
        ),
    ),
)


# ------------------------------------------------------------------ pure arithmetic


def fictive_relationships(measured: int, orientation: str, counted_both_ways: bool) -> int:
    """The ``relationshipCount`` of a fictive graph for a projection whose measured count
    is ``measured``: GDS doubles an UNDIRECTED fictive count itself, so a count that already
    holds both directions is halved (rounded up)."""
    if orientation == "UNDIRECTED" and counted_both_ways:
        return -(-measured // 2)
    return measured


def scaled_counts(measured: Mapping[float, Mapping[str, float]], scale: float) -> dict[str, int]:
    """The counts at ``scale``: those of the largest measured scale at or below it (the
    smallest one when none is), times ``scale / measured scale``, rounded up."""
    if not measured:
        raise ValueError("no measured scale")
    below = [s for s in measured if s <= scale]
    base = max(below) if below else min(measured)
    ratio = scale / base
    return {key: math.ceil(value * ratio) for key, value in measured[base].items()}


@dataclass(frozen=True)
class TierPlan:
    """What a bank of ``transfers_per_day`` asks of the stream loaders."""

    transfers_per_day: float
    average_transfers_per_s: float
    peak_transfers_per_s: float
    peak_records_per_s: float
    loaders: int
    partitions: int


def plan_tier(
    transfers_per_day: float,
    *,
    peak_factor: float,
    records_per_transfer: float,
    loader_records_per_s: float,
    min_partitions: int = 4,
) -> TierPlan:
    """Loaders = peak records/s over one loader's records/s, rounded up; partitions per topic
    = the next power of two at or above twice the loaders (a consumer group cannot use more
    loaders than partitions, and adding partitions later moves keys to other partitions),
    at least ``min_partitions`` (ringwatch's default)."""
    if min(peak_factor, records_per_transfer, loader_records_per_s) <= 0:
        raise ValueError("peak factor, records per transfer and loader rate must be > 0")
    average = transfers_per_day / SECONDS_PER_DAY
    peak = average * peak_factor
    records = peak * records_per_transfer
    loaders = max(1, math.ceil(records / loader_records_per_s))
    partitions = max(min_partitions, 1 << math.ceil(math.log2(2 * loaders)))
    return TierPlan(transfers_per_day, average, peak, records, loaders, partitions)


_UNITS = {"Bytes": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}


def peak_factors(timestamps: pd.Series) -> dict[str, float]:
    """How far the busiest hour and the busiest day stand above the average of the whole
    period (from the first to the last timestamp), and the busiest hour of the day in the
    daily profile (share of all transfers in that clock hour, times 24)."""
    t = pd.to_datetime(timestamps)
    hours = max((t.max() - t.min()) / pd.Timedelta(hours=1), 1.0)
    mean_hour = len(t) / hours
    by_hour = t.dt.floor("h").value_counts()
    by_day = t.dt.floor("D").value_counts()
    profile = t.dt.hour.value_counts(normalize=True)
    return {
        "days": round(hours / 24, 2),
        "busiest_hour_vs_mean": float(by_hour.max() / mean_hour),
        "busiest_day_vs_mean": float(by_day.max() / (mean_hour * 24)),
        "busiest_clock_hour_vs_mean": float(profile.max() * 24),
    }


def memory_bytes(text: str) -> int:
    """The upper bound of a GDS memory figure as it prints them: '9424 KiB' or
    '[21 MiB ... 23 MiB]'."""
    last = text.strip().strip("[]").split("...")[-1].split()
    if len(last) != 2 or last[1] not in _UNITS:
        raise ValueError(f"not a GDS memory figure: {text!r}")
    return int(float(last[0]) * _UNITS[last[1]])


def graph_part(map_view: Mapping[str, Any]) -> int:
    """The graph's share of an algorithm's estimate on a fictive graph (the component GDS
    names 'graph' in its mapView); 0 when there is none."""
    for part in map_view.get("components", []):
        if part.get("name") == "graph":
            return memory_bytes(str(part["memoryUsage"]))
    return 0


def peak_job_bytes(
    projections: Iterable[int], graphs: Iterable[int], algorithms: Iterable[int]
) -> int:
    """Peak GDS heap of one projection with its algorithms run one after the other: the
    larger of loading it (the projection estimates, one per relationship type) and holding
    it (the graph parts, one per relationship type) plus the largest algorithm's own part."""
    return max(sum(projections), sum(graphs) + max(algorithms, default=0))


def mib(n: float) -> str:
    return f"{n / MIB:,.1f}" if n < 10 * MIB else f"{n / MIB:,.0f}"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (5 min {five:.1f})"


# ------------------------------------------------------------------ measure


class _ProjectionSizes(logging.Handler):
    """Collects graph.projections' debug records: (query, nodes, relationships)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sizes: list[tuple[str, int, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if isinstance(args, tuple) and len(args) == 3 and str(record.msg).startswith("projection"):
            query, nodes, rels = args
            self.sizes.append((str(query), int(str(nodes or 0)), int(str(rels or 0))))


def _store_bytes(var_dir: Path, database: str) -> int | None:
    path = var_dir / "stack" / "neo4j" / "data" / "databases" / database
    if not path.is_dir():
        return None
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(gateway: Gateway, scale: float, detect: bool) -> dict[str, Any]:
    settings = gateway.settings
    counts: dict[str, float] = {}
    pairs = gateway.query("bench/pix_pairs", mode="read").rows[0]
    counts.update({key: int(value) for key, value in pairs.items()})
    for row in gateway.query("bench/graph_counts", mode="read").rows:
        kind = "nodes" if row["item"].startswith("nodes:") else "relationships"
        counts[f"graph_{kind}"] = counts.get(f"graph_{kind}", 0) + int(row["value"])
    out: dict[str, Any] = {"scale": scale, "counts": counts, "load_before": load_average()}
    store = (
        None if settings.external_neo4j else _store_bytes(settings.var_dir, settings.neo4j_database)
    )
    out["store_bytes"] = store
    if detect:
        from detectors.config import DetectionConfig
        from detectors.run import detect_once

        handler = _ProjectionSizes()
        logger = logging.getLogger("graph.projections")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        start = time.monotonic()
        detect_once(gateway, DetectionConfig(), dry_run=True, say=lambda _: None)
        out["detect_seconds"] = round(time.monotonic() - start, 1)
        out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        logger.removeHandler(handler)
        for query, nodes, rels in handler.sizes:
            # several projections of one kind (one per oversized ring): keep the largest
            if nodes >= counts.get(f"{query}:nodes", 0):
                counts[f"{query}:nodes"] = nodes
                counts[f"{query}:relationships"] = rels
            counts[f"{query}:calls"] = counts.get(f"{query}:calls", 0) + 1
    out["gnn_projection_bytes"] = _gnn_projection_bytes(gateway)
    out["load_after"] = load_average()
    return out


def _gnn_projection_bytes(gateway: Gateway) -> int:
    """The size GDS reports for the GNN features' projection of this graph, built as
    gnn.features.gds_features builds it (to check the estimate against)."""
    from graph.projections import native_projection

    gds = gateway.gds()
    gds.set_show_progress(False)
    with native_projection(gds, "sizing", "Account", GNN_RELATIONSHIPS) as graph:
        return int(graph.size_in_bytes())


def print_measure(result: Mapping[str, Any]) -> None:
    counts = result["counts"]
    print(
        f"scale {result['scale']:g}; load average before {result['load_before']}, "
        f"after {result['load_after']}\n"
    )
    print("| measure | value |\n|---|---:|")
    for key, value in counts.items():
        print(f"| {key} | {value:,} |")
    store = result.get("store_bytes")
    if store is not None:
        per_million = store / counts["pix_edges"] * 1e6 if counts.get("pix_edges") else 0.0
        per_element = store / (counts["graph_nodes"] + counts["graph_relationships"])
        print(f"| store on disk (MiB) | {mib(store)} |")
        print(f"| store per million transfers (MiB) | {mib(per_million)} |")
        print(f"| store per node or relationship (bytes) | {per_element:,.0f} |")
    print(
        f"| GNN features projection, as GDS reports it (MiB) "
        f"| {mib(result['gnn_projection_bytes'])} |"
    )
    if "detect_seconds" in result:
        print(f"| dry-run detection (s) | {result['detect_seconds']} |")
        print(f"| peak RSS of this process (MiB) | {mib(result['peak_rss_bytes'])} |")


# ------------------------------------------------------------------ estimate


def _estimate(gateway: Gateway, query: str, **params: Any) -> dict[str, Any]:
    return gateway.query(query, {"concurrency": 1, **params}, mode="read").rows[0]


def _size(job: Job, nodes: int, rels: int, orientation: str, weighted: bool) -> dict[str, Any]:
    """The parameters of a fictive graph sized like ``job``'s projection."""
    return {
        "nodes": nodes,
        "relationships": fictive_relationships(rels, orientation, job.counted_both_ways),
        "orientation": orientation,
        "weighted": weighted,
    }


def estimate(
    gateway: Gateway, measured: Mapping[float, Mapping[str, float]], scales: Sequence[float]
) -> list[dict[str, Any]]:
    """One row per scale and projection: its size, GDS's estimates, the job's peak."""
    concurrency = gateway.settings.gds_concurrency
    rows: list[dict[str, Any]] = []
    for scale in scales:
        counts = scaled_counts(measured, scale)
        for job in JOBS:
            nodes, rels = counts.get(job.nodes, 0), counts.get(job.relationships, 0)
            if not nodes:
                continue

            projections = [
                int(
                    _estimate(
                        gateway,
                        "bench/estimate_projection",
                        **_size(job, nodes, rels, o, job.weighted),
                    )["bytesMax"]
                )
                for o in job.rel_types
            ]
            algos: dict[str, int] = {}
            graphs: dict[str, int] = {}
            own: list[int] = []
            for algo in job.algorithms:
                threads = algo.concurrency or concurrency
                row = _estimate(
                    gateway,
                    algo.query,
                    concurrency=threads,
                    **_size(job, nodes, rels, algo.orientation, algo.weighted),
                )
                graph = graph_part(row["mapView"])
                algos[algo.name] = int(row["bytesMax"])
                graphs[algo.orientation] = max(graphs.get(algo.orientation, 0), graph)
                own.append(int(row["bytesMax"]) - graph)
            rows.append(
                {
                    "scale": scale,
                    "job": job.name,
                    "where": job.where,
                    "nodes": nodes,
                    "relationships": rels,
                    "projection_bytes": sum(projections),
                    "algorithms": algos,
                    "peak_bytes": peak_job_bytes(
                        projections, [graphs.get(o, 0) for o in job.rel_types], own
                    ),
                }
            )
    return rows


def print_density(gateway: Gateway, accounts: int, pairs_per_account: Sequence[float]) -> None:
    """The GNN features' projection (the largest) of ``accounts`` accounts at several
    densities of distinct counterparties per account, on fictive graphs."""
    print(f"GNN features projection, {accounts:,} accounts; load average {load_average()}\n")
    print(
        "| distinct pairs per account | relationships | projection (MiB) "
        "| algorithms, each with its graph (MiB) | peak (MiB) | peak bytes per account |"
    )
    print("|---:|---:|---:|---|---:|---:|")
    for k in pairs_per_account:
        counts = {"accounts": accounts, "pix_pairs": math.ceil(accounts * k)}
        (r,) = estimate(gateway, {1.0: counts}, [1.0])
        algos = ", ".join(f"{name} {mib(b)}" for name, b in r["algorithms"].items())
        print(
            f"| {k:g} | {r['relationships']:,} | {mib(r['projection_bytes'])} | {algos} "
            f"| {mib(r['peak_bytes'])} | {r['peak_bytes'] / accounts:,.0f} |"
        )


def print_estimate(rows: Sequence[Mapping[str, Any]], measured_scales: Iterable[float]) -> None:
    known = sorted(measured_scales)
    print(f"measured scales: {', '.join(f'{s:g}' for s in known)}; load average {load_average()}\n")
    print(
        "| scale | projection (code) | nodes | relationships | projection (MiB) "
        "| algorithms, each with its graph (MiB) | peak (MiB) |"
    )
    print("|---:|---|---:|---:|---:|---|---:|")
    for r in rows:
        mark = "" if r["scale"] in known else " (extrapolated)"
        algos = ", ".join(f"{name} {mib(b)}" for name, b in r["algorithms"].items())
        print(
            f"| {r['scale']:g}{mark} | {r['job']} (`{r['where']}`) | {r['nodes']:,} "
            f"| {r['relationships']:,} | {mib(r['projection_bytes'])} | {algos} "
            f"| {mib(r['peak_bytes'])} |"
        )


# ------------------------------------------------------------------ plan

# Illustrative tiers (transfers per day); the last is Brazil's daily record (issue 17).
TIERS = (
    ("small bank or fintech", 100_000),
    ("mid-size bank", 1_000_000),
    ("large bank", 10_000_000),
    ("largest banks", 50_000_000),
    ("all of Pix, record day", 313_000_000),
)


def print_plan(
    loader_records_per_s: float, records_per_transfer: float, peak_factor: float
) -> None:
    print(
        f"one loader: {loader_records_per_s:,.0f} records/s; {records_per_transfer:g} "
        f"records per transfer; peak = {peak_factor:g} x the daily average\n"
    )
    print(
        "| tier | transfers/day | average transfers/s | peak transfers/s | peak records/s "
        "| loaders at the measured rate | partitions per topic |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, per_day in TIERS:
        p = plan_tier(
            per_day,
            peak_factor=peak_factor,
            records_per_transfer=records_per_transfer,
            loader_records_per_s=loader_records_per_s,
        )
        print(
            f"| {name} | {per_day:,} | {p.average_transfers_per_s:,.0f} "
            f"| {p.peak_transfers_per_s:,.0f} | {p.peak_records_per_s:,.0f} | {p.loaders} "
            f"| {p.partitions} |"
        )


# ------------------------------------------------------------------ command line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    m = sub.add_parser("measure", help="counts, store size, detection projections")
    m.add_argument("--scale", type=float, required=True, help="the loaded world's scale")
    m.add_argument("--detect", action="store_true", help="also one dry-run detection")
    m.add_argument("--json", type=Path, help="write the measurement here (for estimate)")
    e = sub.add_parser("estimate", help="GDS memory estimates on fictive graphs")
    e.add_argument("measurements", type=Path, nargs="+", help="JSON files from measure")
    e.add_argument("--scales", type=float, nargs="+", default=[1, 20, 200, 2000])
    e.add_argument("--json", type=Path, help="write the rows here")
    d = sub.add_parser("density", help="the GNN projection's estimate at other densities")
    d.add_argument("--accounts", type=int, default=1_000_000)
    d.add_argument("--pairs-per-account", type=float, nargs="+", default=[1.3, 5, 20])
    k = sub.add_parser("peak", help="peak factors of a dataset's transfers")
    k.add_argument("data", type=Path, help="a dataset directory (transacoes_pix.csv)")
    p = sub.add_parser("plan", help="loaders and partitions per tier")
    p.add_argument("--loader-records-per-s", type=float, required=True)
    p.add_argument("--records-per-transfer", type=float, required=True)
    p.add_argument("--peak-factor", type=float, default=3.0)
    args = parser.parse_args()

    if args.step == "peak":
        times = pd.read_csv(args.data / "transacoes_pix.csv", usecols=["timestamp"])["timestamp"]
        factors = peak_factors(times)
        print(f"{args.data}: {len(times):,} transfers over {factors.pop('days')} days\n")
        print("| peak | x the mean rate |\n|---|---:|")
        for name, value in factors.items():
            print(f"| {name.replace('_', ' ')} | {value:.2f} |")
        return
    if args.step == "plan":
        print_plan(args.loader_records_per_s, args.records_per_transfer, args.peak_factor)
        return
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        if args.step == "measure":
            result = measure(gateway, args.scale, args.detect)
            print_measure(result)
            if args.json:
                args.json.write_text(json.dumps(result, indent=1))
            return
        if args.step == "density":
            print_density(gateway, args.accounts, args.pairs_per_account)
            return
        measured = {}
        for path in args.measurements:
            data = json.loads(path.read_text())
            measured[float(data["scale"])] = data["counts"]
        rows = estimate(gateway, measured, args.scales)
    print_estimate(rows, measured)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
