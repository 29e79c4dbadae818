"""One stored detection run on a large world, timed per step and scored against its truth.

`bench/detect.py` runs every profile x seed x devices with two baselines, which is too slow at
scale 20 (the dense-flow baseline alone runs for more than half an hour there). This script
times only ringwatch, on one dataset:

    ringwatch generate --profile pix-fast --seed 11 --scale 20 --out var/bench/pix-fast-s11-x20
    .venv/bin/python bench/detect_loaded.py var/bench/pix-fast-s11-x20 --load --wipe

`--load --wipe` empties the graph at NEO4J_URI and bulk-loads DIR first (as `ringwatch
load`); without them the graph must already hold DIR's data. Then one `ringwatch detect` run
(detect_once, default DetectionConfig) is timed end to end and per step, and its stored rings
of kind 'ring' are scored against DIR/ground_truth_rings.csv (detectors.evaluate). Prints one
JSON line. Run it on a private stack (see bench/detect.py).

The line also holds the load average before and after the run, and its peak memory in GiB
(``bench.peak_rss``: this Python process, sampled every 0.5 s, its kernel high-water mark
``python_maxrss``, and the local Neo4j server's RSS when the stack is ringwatch's own).
``--profile FILE`` writes a cProfile of the detection run to FILE (slower; for finding where
the time goes, not for timing).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peak_rss import PeakRss, self_maxrss_gib  # noqa: E402
from detectors import evaluate  # noqa: E402
from detectors.config import DetectionConfig  # noqa: E402
from detectors.run import detect_once  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from ingest.bulk import load_directory  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402
from stack.manager import Stack  # noqa: E402

KEYS = (
    "rings_truth",
    "rings_detected",
    "ring_recall",
    "ring_precision",
    "ring_coverage",
    "account_precision",
    "account_recall",
    "hard_negatives_flagged",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="dataset directory (with its ground truth)")
    parser.add_argument("--load", action="store_true", help="bulk-load DIR first")
    parser.add_argument("--wipe", action="store_true", help="confirm the graph may be deleted")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    parser.add_argument(
        "--rings", type=Path, help="write the stored rings (kind, score, members) here as JSON"
    )
    args = parser.parse_args()
    if args.load and not args.wipe:
        parser.error("--load empties the graph at NEO4J_URI first: add --wipe to confirm")
    out: dict[str, object] = {"data": args.data.name}
    settings = load_settings()
    server = None if settings.external_neo4j else Stack(settings).neo4j
    with Gateway(settings) as gateway:
        gateway.verify()
        if args.load:
            gateway.query("admin/reset_batch")
            start = time.monotonic()
            load_directory(gateway, args.data, progress=False, say=lambda _: None)
            out["load_seconds"] = round(time.monotonic() - start, 1)
        out["load_before"] = [round(x, 2) for x in os.getloadavg()]
        profiler = cProfile.Profile() if args.profile else None
        start = time.monotonic()
        with PeakRss(server.pid if server else None) as peak:
            if profiler:
                profiler.enable()
            summary = detect_once(
                gateway, DetectionConfig(), say=lambda line: print(line, file=sys.stderr)
            )
            if profiler:
                profiler.disable()
        out["seconds"] = round(time.monotonic() - start, 1)
        out["load_after"] = [round(x, 2) for x in os.getloadavg()]
        out["timings"] = summary.get("timings")
        out["peak_gib"] = {
            "python": peak.gib["python"],
            "python_maxrss": round(self_maxrss_gib(), 2),
            "neo4j": peak.gib["neo4j"],
        }
        if profiler and args.profile:
            profiler.dump_stats(args.profile)
        rings = gateway.query("detectors/stored_rings", {"kind": "ring"}, mode="read").rows
        if args.rings:
            every = [
                {"kind": kind, "score": r.get("score"), "members": sorted(r["members"])}
                for kind in ("ring", "linked_accounts")
                for r in gateway.query("detectors/stored_rings", {"kind": kind}, mode="read").rows
            ]
            every.sort(key=lambda r: (r["kind"], r["members"]))
            args.rings.write_text(json.dumps(every, indent=0))
    truth, look = evaluate.read_truth(args.data / "ground_truth_rings.csv")
    found = [set(r["members"]) for r in rings]
    metrics = evaluate.metrics(found, truth, look, [r["typology_guess"] for r in rings])
    out.update({key: metrics[key] for key in KEYS})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
