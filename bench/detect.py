"""Detection quality and speed benchmark (issue 5): prints markdown tables.

For each dataset directory given (made by `ringwatch generate`), optionally (re)loads it,
runs `ringwatch detect` (timed, stored), scores the stored rings against the dataset's
ground truth with `detectors.evaluate`, runs a plain-Louvain baseline (communities of all
transfers taken as rings), and prints GDS memory estimates for a scale-200 graph
extrapolated from the projections the run made.

    RINGWATCH_VAR_DIR=... NEO4J_URI=... .venv/bin/python bench/detect.py \
        --data var/bench/s1 --label "scale 1" --load
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors import evaluate, gds_algos  # noqa: E402
from detectors.cli import detect_once  # noqa: E402
from detectors.config import DetectionConfig  # noqa: E402
from detectors.export import time_window  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from ingest.bulk import load_directory  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402

WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
ALGOS = {
    "project_identifiers": ["wcc"],
    "project_neighbourhood": ["degree", "page_rank", "node_similarity"],
    "project_flows": ["leiden"],
    "project_all_flows": ["louvain", "leiden"],
}


def row(label: str, m: dict, seconds: float | None) -> str:
    secs = f"{seconds:.1f}" if seconds is not None else "-"
    return (
        f"| {label} | {m['rings_truth']} | {m['rings_detected']} | {m['ring_recall']:.3f} | "
        f"{m['ring_precision']:.3f} | {m['ring_coverage']:.3f} | {m['account_precision']:.3f} | "
        f"{m['account_recall']:.3f} | {m.get('hard_negatives_flagged', 0):.4f} | {secs} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--label", action="append")
    parser.add_argument("--load", action="store_true", help="wipe the graph and load each dir")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--estimate-scale", type=float, default=200.0)
    parser.add_argument("--scale", type=float, action="append", help="scale of each dataset")
    parser.add_argument("--json", type=Path, help="also write all figures to this file")
    args = parser.parse_args()
    labels = args.label or [str(d) for d in args.data]
    scales = args.scale or [1.0] * len(args.data)
    cfg = DetectionConfig()
    table = [
        "| dataset | true rings | detected | ring recall | ring precision | coverage | "
        "account precision | account recall | hard negatives flagged | detect s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    per_typology: list[str] = []
    estimates: list[str] = []
    figures: dict = {}
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        gds = gateway.gds()
        gds.set_show_progress(False)
        for data, label, scale in zip(args.data, labels, scales, strict=True):
            if args.load:
                gateway.run_autocommit(WIPE)
                t = time.monotonic()
                load_directory(gateway, data, progress=False, say=lambda _: None)
                print(f"loaded {data} in {time.monotonic() - t:.0f} s", file=sys.stderr)
            gateway.run_text("MATCH (n) WHERE n:Ring OR n:DetectionRun OR n:DetectionLock "
                             "DETACH DELETE n")  # fmt: skip
            gds_algos.SIZES.clear()
            t = time.monotonic()
            summary = detect_once(gateway, cfg, say=lambda _: None)
            seconds = time.monotonic() - t
            truth, look = evaluate.read_truth(data / "ground_truth_rings.csv")
            rings = gateway.run("detectors/stored_rings", kind="ring")
            m = evaluate.metrics([set(r["members"]) for r in rings], truth, look)
            table.append(row(label, m, seconds))
            figures[label] = {"metrics": m, "seconds": seconds, "summary": summary,
                              "sizes": dict(gds_algos.SIZES)}  # fmt: skip
            per_typology.append(
                f"| {label} | "
                + " | ".join(
                    f"{v['recall']:.2f} / {v['coverage']:.2f} ({v['rings']})"
                    for _, v in sorted(m["by_tipologia"].items())
                )
                + " |"
            )
            if args.baseline:
                window = time_window(gateway, cfg)
                t = time.monotonic()
                communities = gds_algos.baseline_louvain(gateway, gds, window)
                base_s = time.monotonic() - t
                groups = communities.groupby("community")["account"].agg(set)
                groups = [g for g in groups if len(g) >= cfg.min_ring_size]
                b = evaluate.metrics(groups, truth, look)
                table.append(row(f"{label}, plain Louvain baseline", b, base_s))
                figures[label]["baseline"] = b
                figures[label]["sizes"].update(gds_algos.SIZES)
            factor = args.estimate_scale / scale
            for projection, algos in ALGOS.items():
                if projection not in gds_algos.SIZES:
                    continue
                nodes, rels = gds_algos.SIZES[projection]
                conf = {"nodeCount": int(nodes * factor), "relationshipCount": int(rels * factor),
                        "nodeProjection": "*", "relationshipProjection": "*"}  # fmt: skip
                for algo in algos:
                    est = getattr(gds, algo).estimate(conf)
                    estimates.append(
                        f"| {label} | {projection} | {nodes:,} / {rels:,} | "
                        f"{conf['nodeCount']:,} / {conf['relationshipCount']:,} | {algo} | "
                        f"{est.required_memory} |"
                    )
    typ_names = sorted(next(iter(figures.values()))["metrics"]["by_tipologia"])
    print("\n".join(table))
    print()
    print("| dataset | " + " | ".join(typ_names) + " |")
    print("|---|" + "---|" * len(typ_names))
    print("\n".join(per_typology))
    print()
    print(f"| measured on | projection | nodes / rels measured | nodes / rels at scale "
          f"{args.estimate_scale:g} | algorithm | GDS memory estimate |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    print("\n".join(estimates))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
