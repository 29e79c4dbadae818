"""Ring detection benchmark: ringwatch against two baselines, in one markdown table.

For every profile x seed x devices (with / without) the benchmark generates a dataset with
`ringwatch generate --profile P --seed S --scale X [--no-devices]` into
DATA_DIR/P-sS-xX[-nodevices] (kept and reused while its options are the same), wipes the graph
and bulk-loads the dataset (ingest.bulk.load_directory, as `ringwatch load`), then runs and
times three methods and scores each against the dataset's ground truth (detectors.evaluate):

  ringwatch   one stored `ringwatch detect` run (detect_once, default DetectionConfig),
              timed end to end: export, detectors, GDS and the write; its rings of kind 'ring'
  louvain     detectors.baselines.louvain_rings: plain Louvain communities of the windowed
              transfers with min_ring_size..max_ring_size members
  dense_flow  detectors.baselines.dense_flow_rings: BLOCKS Fraudar-style dense blocks

The baselines run on the transfers ringwatch reads (detectors.export, the whole history its
windows cover, in one piece); their
time is the algorithm alone, the export (reported on stderr and in --json) is not included.

Columns: ring recall (true rings matched: half of the true ring inside one detected ring that
is itself at least half true members), ring precision (detected rings that match), ring
coverage (true rings with half their members in one detected ring), account precision and
recall (flagged = members of any detected ring), look-alikes flagged (share of innocent
look-alike accounts inside a detected ring), time (s). Seed 7 is the development seed: its
rows are marked "dev" and never enter the "mean" rows, which average the other seeds. A
second table gives ringwatch's recall per true typology and precision per typology guess.

The GDS memory-estimate table of the first detection benchmark is gone: it extrapolated the
projections of detectors that are being replaced, and the whole-graph Louvain projection it
sized is no longer used (the baselines run in Python).

``--clock noisy`` runs each dataset a second time from a copy (DATA_DIR/...-noisyclock) whose
transfers keep their day but get a random time of day: a day-level export with made-up clock
times, which ``detectors.clock`` must recognise; its rows say "noisy clock".

The graph at NEO4J_URI is wiped for every dataset, so run it on a private stack:

    export RINGWATCH_VAR_DIR=var/bench-stack NEO4J_URI=bolt://127.0.0.1:7697 \\
           KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9102
    .venv/bin/ringwatch stack up
    .venv/bin/python bench/detect.py --wipe --profiles pix-fast slow-layering --seeds 7 11
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.generator.config import DEFAULT_DAYS as DAYS  # noqa: E402
from detectors import baselines, evaluate, export  # noqa: E402
from detectors.config import DetectionConfig  # noqa: E402
from detectors.run import detect_once  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from ingest.bulk import load_directory  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402

DEV_SEED = 7
METHODS = ("ringwatch", "louvain", "dense_flow")
COLUMNS = (
    ("ring_recall", "ring recall"),
    ("ring_precision", "ring precision"),
    ("ring_coverage", "ring coverage"),
    ("account_precision", "account precision"),
    ("account_recall", "account recall"),
    ("hard_negatives_flagged", "look-alikes flagged"),
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dataset(
    data_dir: Path, profile: str, seed: int, scale: float, devices: bool, days: int = DAYS
) -> Path:
    """Generate one dataset unless a finished one with the same options is there."""
    options: dict[str, Any] = {"profile": profile, "seed": seed, "scale": scale, "devices": devices}
    longer = "" if days == DAYS else f"-d{days}"
    if longer:
        options["days"] = days
    out = data_dir / f"{profile}-s{seed}-x{scale:g}{longer}{'' if devices else '-nodevices'}"
    marker = out / "bench-options.json"
    if marker.exists() and json.loads(marker.read_text()) == options:
        say(f"{out.name}: reusing the generated dataset")
        return out
    marker.unlink(missing_ok=True)
    options_args = ["--profile", profile, "--seed", str(seed), "--scale", f"{scale:g}"]
    options_args += ["--days", str(days)]
    if not devices:
        options_args.append("--no-devices")
    cmd = [sys.executable, "-c", "from ringwatch.cli import main; main()", "generate"]
    cmd += ["--out", str(out), *options_args]
    say(f"{out.name}: generating")
    subprocess.run(cmd, cwd=ROOT, stdout=sys.stderr, stderr=subprocess.DEVNULL, check=True)
    marker.write_text(json.dumps(options))
    return out


def noisy_clock(data: Path, seed: int) -> Path:
    """A copy of ``data`` whose transfers keep their day but get a random time of day (seeded
    by ``seed``): a day-level export whose clock times were made up. Reused while the source
    dataset's options are the same."""
    import numpy as np
    import pandas as pd

    out = data.with_name(data.name + "-noisyclock")
    marker, source = out / "bench-options.json", (data / "bench-options.json").read_text()
    if marker.exists() and marker.read_text() == source:
        say(f"{out.name}: reusing the noisy-clock copy")
        return out
    say(f"{out.name}: copying with random times of day")
    shutil.copytree(data, out, dirs_exist_ok=True)
    marker.unlink(missing_ok=True)
    tx = pd.read_csv(data / "transacoes_pix.csv", dtype=str, keep_default_na=False)
    day = pd.to_datetime(tx["timestamp"]).dt.normalize()
    seconds = np.random.default_rng(seed).integers(0, 86_400, len(tx))
    tx["timestamp"] = (day + pd.to_timedelta(seconds, unit="s")).dt.strftime("%Y-%m-%dT%H:%M:%S")
    tx.to_csv(out / "transacoes_pix.csv", index=False)
    marker.write_text(source)
    return out


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.monotonic()
    result = fn()
    return result, time.monotonic() - start


def run_dataset(gateway: Gateway, data: Path, cfg: DetectionConfig, blocks: int) -> list[dict]:
    """Wipe, load, detect, export, run the baselines; one result per method."""
    gateway.query("admin/reset_batch")
    _, secs = timed(lambda: load_directory(gateway, data, progress=False, say=lambda _: None))
    say(f"{data.name}: loaded in {secs:.0f} s")
    truth, look = evaluate.read_truth(data / "ground_truth_rings.csv")
    summary, secs = timed(lambda: detect_once(gateway, cfg, say=say))
    rings = gateway.query("detectors/stored_rings", {"kind": "ring"}, mode="read").rows
    found = [set(r["members"]) for r in rings]
    guesses = [r["typology_guess"] for r in rings]
    results = [
        {
            "method": "ringwatch",
            "seconds": secs,
            "summary": summary,
            "metrics": evaluate.metrics(found, truth, look, guesses),
        }
    ]
    windows = export.windows(gateway, cfg)  # the whole history ringwatch covers
    window = (windows[0][0], windows[-1][1]) if windows else None
    transfers, export_s = timed(lambda: export.transfers(gateway, *window) if window else None)
    say(
        f"{data.name}: exported {0 if transfers is None else len(transfers):,} transfers "
        f"in {export_s:.1f} s"
    )
    size = {"min_size": cfg.min_ring_size, "max_size": cfg.max_ring_size}
    runs: dict[str, Callable[[], list[set[str]]]] = {
        "louvain": lambda: baselines.louvain_rings(transfers, seed=cfg.random_seed, **size),
        "dense_flow": lambda: baselines.dense_flow_rings(transfers, k=blocks, **size),
    }
    for method, fn in runs.items():
        found, secs = timed(fn) if transfers is not None else ([], 0.0)
        say(f"{data.name}: {method}: {len(found)} rings in {secs:.1f} s")
        results.append(
            {
                "method": method,
                "seconds": secs,
                "export_seconds": export_s,
                "metrics": evaluate.metrics(found, truth, look),
            }
        )
    return results


def md(values: list[str]) -> str:
    return "| " + " | ".join(values) + " |"


def seed_label(seed: int) -> str:
    return f"{seed} (dev)" if seed == DEV_SEED else str(seed)


def cells(m: dict, seconds: float) -> list[str]:
    def num(x: float) -> str:
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"

    figures = [f"{m.get(key, 0.0):.{4 if key.startswith('hard') else 3}f}" for key, _ in COLUMNS]
    return [f"{num(m['rings_truth'])} / {num(m['rings_detected'])}", *figures, f"{seconds:.1f}"]


def main_table(records: list[dict]) -> list[str]:
    """A row per record; after each profile, per devices x method, the mean over its non-dev
    seeds when there are two or more."""
    head = ["profile", "seed", "devices", "method", "rings true / found"]
    lines = [md(head + [name for _, name in COLUMNS] + ["time (s)"])]
    lines.append("|" + "---|" * 4 + "---:|" * (len(COLUMNS) + 2))
    keys = ["rings_truth", "rings_detected"] + [k for k, _ in COLUMNS]
    for profile in dict.fromkeys(r["profile"] for r in records):
        mine = [r for r in records if r["profile"] == profile]
        groups: dict[tuple[str, str], list[dict]] = {}
        for r in mine:
            row = [profile, seed_label(r["seed"]), r["devices"], r["method"]]
            lines.append(md(row + cells(r["metrics"], r["seconds"])))
            if r["seed"] != DEV_SEED:
                groups.setdefault((r["devices"], r["method"]), []).append(r)
        for (devices, method), rs in groups.items():
            if len(rs) >= 2:
                mean = {k: statistics.fmean(r["metrics"].get(k, 0.0) for r in rs) for k in keys}
                seeds = "mean of " + ", ".join(str(r["seed"]) for r in rs)
                seconds = statistics.fmean(r["seconds"] for r in rs)
                lines.append(md([profile, seeds, devices, method, *cells(mean, seconds)]))
    return lines


def typology_table(records: list[dict]) -> list[str]:
    """ringwatch per typology: recall of the true rings of that typology / precision of the
    detected rings guessed as it, with (true rings / rings guessed); '-' where there are none."""
    rows = [r for r in records if r["method"] == "ringwatch"]
    names = sorted(
        {t for r in rows for t in r["metrics"]["by_tipologia"]}
        | {g for r in rows for g in r["metrics"].get("by_guess", {})}
    )
    lines = [
        "| profile | seed | devices | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for r in rows:
        true, guess = r["metrics"]["by_tipologia"], r["metrics"].get("by_guess", {})
        out = []
        for name in names:
            t, g = true.get(name), guess.get(name)
            if not (t or g):
                out.append("")
                continue
            recall = f"{t['recall']:.2f}" if t else "-"
            precision = f"{g['precision']:.2f}" if g else "-"
            out.append(
                f"{recall} / {precision} ({t['rings'] if t else 0} / {g['rings'] if g else 0})"
            )
        lines.append(md([r["profile"], seed_label(r["seed"]), r["devices"], *out]))
    return lines


def provenance() -> str:
    """Date, commit, and whether the code the benchmark runs differs from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = git("status", "--porcelain", "--", "detectors", "data", "ingest", "graph", "cypher")
    note = " plus uncommitted changes in detectors/data/ingest/graph/cypher" if dirty else ""
    return f"{date.today().isoformat()}, commit {commit}{note}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--wipe",
        action="store_true",
        required=True,
        help="confirm that the graph at NEO4J_URI may be deleted (required)",
    )
    parser.add_argument(
        "--profiles",
        nargs="+",
        default=["pix-fast", "slow-layering"],
        metavar="P",
        help="generator profiles (default: pix-fast slow-layering)",
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[11, 21, 31],
        metavar="S",
        help=f"generator seeds (default: 11 21 31); seed {DEV_SEED}, the "
        "development seed, is marked dev and kept out of the means",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="generator scale; 1 is 20,000 accounts, 50,000 transfers (default 1)",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=DAYS,
        help=f"days of history of each generated dataset (default {DAYS}); a longer history "
        "is detected in overlapping windows",
    )
    parser.add_argument(
        "--devices",
        choices=["both", "with", "without"],
        default="both",
        help="datasets with device and login files, without them (--no-devices), or both (default)",
    )
    parser.add_argument(
        "--clock",
        choices=["as-generated", "noisy", "both"],
        default="as-generated",
        help="transfers' clock times as generated, or made up (each transfer keeps its day "
        "and gets a random time of day, as in a day-level export with invented times), or "
        "both (default: as-generated)",
    )
    parser.add_argument(
        "--blocks",
        type=int,
        default=None,
        metavar="K",
        help="dense blocks dense_flow extracts (default: 20 per unit of scale)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / "var" / "bench",
        help="where datasets are generated and reused (default: var/bench)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write every figure (all metrics, run summaries) as JSON",
    )
    args = parser.parse_args()
    devices = {"both": [True, False], "with": [True], "without": [False]}[args.devices]
    clocks = {"both": [False, True], "as-generated": [False], "noisy": [True]}[args.clock]
    blocks = args.blocks or max(1, round(20 * args.scale))
    cfg = DetectionConfig()
    records: list[dict] = []
    settings = load_settings()
    say(f"benchmarking on {settings.neo4j_uri}; the graph is wiped for every dataset")
    with Gateway(settings) as gateway:
        gateway.verify()
        for profile in args.profiles:
            for seed in args.seeds:
                for with_devices, noisy in itertools.product(devices, clocks):
                    data = dataset(
                        args.data_dir, profile, seed, args.scale, with_devices, args.days
                    )
                    data = noisy_clock(data, seed) if noisy else data
                    label = ("with" if with_devices else "without") + (
                        ", noisy clock" if noisy else ""
                    )
                    label += "" if args.days == DAYS else f", {args.days} days"
                    for result in run_dataset(gateway, data, cfg, blocks):
                        records.append(
                            {
                                "profile": profile,
                                "seed": seed,
                                "scale": args.scale,
                                "devices": label,
                                **result,
                            }
                        )
    print(f"Measured {provenance()}; scale {args.scale:g}, dense_flow k = {blocks}.")
    print()
    print("\n".join(main_table(records)))
    print()
    print("ringwatch per typology: recall / precision (true rings / rings guessed as it)")
    print()
    print("\n".join(typology_table(records)))
    if args.json:
        args.json.write_text(json.dumps(records, indent=2, default=str))


if __name__ == "__main__":
    main()
