"""Time and memory of what ``ringwatch score`` does after the export, one source tree against
another: read the cached dataset, build the model's input, score with GraphSAGE, score with
the hybrid, take the ensemble, and compute the drift report. No Neo4j: the dataset is the
cache folder ``ringwatch score`` wrote (``--cache-dir``/<data hash>).

Each tree runs in its own process (``PYTHONPATH`` set to the tree), in the order given; give
a tree twice to see the spread. Per step the child prints the seconds and the step's own
peak resident memory: the kernel's high-water mark (VmHWM), reset before each step by
writing 5 to ``/proc/self/clear_refs``, so each peak includes what earlier steps still hold.
It also prints a digest of the final scores, so trees that score alike show the same digest.

    git worktree add /tmp/wt-old <commit>
    .venv/bin/python bench/score_steps.py --cache var/gnn200/score-cache/0ac6aa570ee7f5e8 \\
        --models var/gnn200/s200/models --trees /tmp/wt-old . . /tmp/wt-old
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GB = 1e9


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Steps:
    """Records each step's seconds and peak resident memory (GB) into ``out``."""

    def __init__(self, out: dict[str, dict[str, float]]) -> None:
        self.out = out
        self._reset()

    def _reset(self) -> None:
        Path("/proc/self/clear_refs").write_text("5")
        self.began = time.monotonic()

    def done(self, name: str) -> None:
        self.out[name] = {
            "s": round(time.monotonic() - self.began, 1),
            "peak_gb": round(_status_kib("VmHWM") * 1024 / GB, 2),
            "after_gb": round(_status_kib("VmRSS") * 1024 / GB, 2),
        }
        self._reset()


def one_tree(cache: Path, models: Path) -> None:
    """The child (run with PYTHONPATH=tree). This script's own folder leaves the path first:
    bench's ``gnn.py`` would hide the package."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import numpy as np
    import pandas as pd
    import torch

    from gnn import dataset as D
    from gnn import drift, registry, train
    from gnn import features as F

    out: dict[str, object] = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    steps: dict[str, dict[str, float]] = {}
    step = Steps(steps)
    ds = D.read_cache(cache)
    step.done("read_cache")
    model = registry.load(models)
    torch.set_num_threads(model.meta.config.get("threads", 1))
    data = D.to_data(ds, model.meta.normaliser)
    step.done("model_and_input")
    sage = train.predict(model.sage, data)
    step.done("graphsage")
    if model.hybrid is not None and model.references is not None:
        hybrid = train.predict_hybrid(model.hybrid, data)
        step.done("hybrid")
        refs = [model.references["hybrid"], model.references["graphsage"]]
        scores = train.reference_rank_mean([hybrid, sage], refs)
        step.done("ensemble")
    else:
        scores = sage
    values = pd.DataFrame(F.transform(ds.features), columns=list(F.FEATURES))
    ref = drift.load_reference(models / model.meta.version)
    drift.report(ref, values, model.meta.version, scores)
    step.done("drift")
    out["accounts"] = len(ds.ids)
    out["steps"] = steps
    out["scores_digest"] = hashlib.sha256(np.asarray(scores, dtype=np.float64)).hexdigest()[:16]
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--cache", type=Path, required=True, help="a dataset cache folder")
    parser.add_argument("--models", type=Path, required=True, help="models dir (its current)")
    parser.add_argument("--trees", nargs="+", default=["."], help="source trees, run in order")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        one_tree(args.cache, args.models)
        return
    if not (args.cache / "meta.json").exists():
        sys.exit(f"{args.cache}: no dataset cache here (run ringwatch score --cache-dir first)")
    for tree in args.trees:
        path = Path(tree).resolve()
        env = {**os.environ, "PYTHONPATH": str(path)}
        print(f"== {path}", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "score_steps.py"), "--child",
             "--cache", str(args.cache.resolve()), "--models", str(args.models.resolve())],
            env=env,
            cwd=path,
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if done.returncode:
            sys.exit(f"{path}: scoring failed:\n{done.stderr[-3000:]}")
        line = done.stdout.strip().splitlines()[-1]
        print(json.dumps({"tree": str(path), **json.loads(line)}), flush=True)


if __name__ == "__main__":
    main()
