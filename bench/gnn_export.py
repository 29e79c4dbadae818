"""Time the GNN's export of the loaded graph (``gnn.features.export_all``, what ``ringwatch
train`` and ``ringwatch score`` read before a model runs), one source tree against another.

Each tree runs in its own process (``PYTHONPATH`` set to the tree), in the order given, so
trees of different commits are compared on the same graph, minutes apart; give a tree twice
to see the spread. Each process exports the graph, builds the feature table from it (the
dataset's features, ``build_features``) and prints one JSON line: the export's seconds
(with each step's, when the tree reports steps), the features' seconds, rows per frame, a
digest of the features (9 significant digits, so trees that export the same graph give the
same digest; PageRank and Louvain's community sizes, which vary from run to run on several
threads, are left out of it and summarised instead), the load average before and after,
and the process's peak RSS (``ru_maxrss``).

    git worktree add /tmp/wt-old <commit>
    .venv/bin/python bench/gnn_export.py --trees /tmp/wt-old . . /tmp/wt-old
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from inspect import signature
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_tree() -> None:
    """The child: export, build features, print one JSON line (run with PYTHONPATH=tree).
    This script's own folder leaves the path first: its ``gnn.py`` would hide the package."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    import numpy as np

    from bench.peak_rss import self_maxrss_gib
    from gnn import features as F
    from graph.gateway import Gateway
    from ringwatch.settings import load_settings

    out: dict[str, object] = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    steps: list[str] = []
    with Gateway(load_settings()) as gateway:
        start = time.monotonic()
        extra = {"say": steps.append} if "say" in signature(F.export_all).parameters else {}
        raw = F.export_all(gateway, gateway.settings.gds_concurrency, **extra)
        out["export_s"] = round(time.monotonic() - start, 1)
    out["steps"] = steps
    start = time.monotonic()
    feats = F.build_features(raw, sorted(raw.accounts["id_usuario"]))
    out["features_s"] = round(time.monotonic() - start, 1)
    out["rows"] = {
        "accounts": len(raw.accounts),
        "transfers": len(raw.transfers),
        "links": len(raw.links),
    }
    # Louvain (community_size) is not deterministic on more than one thread, and PageRank's
    # sums may differ in the last bits: they are summarised, not digested.
    moving = ["pagerank", "community_size"]
    values = feats.drop(columns=moving).to_numpy(dtype=float)
    digest = hashlib.sha256(feats.index.to_numpy().astype(str).tobytes())
    digest.update(np.array([float(f"{v:.9g}") for v in values.ravel()]).tobytes())
    out["features_digest"] = digest.hexdigest()[:16]
    out["pagerank_sum"] = round(float(feats["pagerank"].sum()), 3)
    out["communities"] = int((1 / feats["community_size"]).sum().round())
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    out["peak_rss_gib"] = round(self_maxrss_gib(), 2)
    print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", nargs="+", default=["."], help="source trees, run in order")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        one_tree()
        return
    for tree in args.trees:
        path = Path(tree).resolve()
        env = {**os.environ, "PYTHONPATH": str(path)}
        script = path / "bench" / "gnn_export.py"
        if not script.exists():  # an older tree: run this script against its modules
            script = ROOT / "bench" / "gnn_export.py"
        print(f"== {path}", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, str(script), "--child"],
            env=env,
            cwd=path,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            sys.exit(f"{path}: the export failed:\n{done.stderr[-3000:]}")
        line = done.stdout.strip().splitlines()[-1]
        print(json.dumps({"tree": str(path), **json.loads(line)}), flush=True)


if __name__ == "__main__":
    main()
