"""Time each export query of one detection run on the loaded graph (no detector runs).

`bench/detect_loaded.py` times the export as one step; this script times its parts, one
after the other, as ``detectors.pipeline.run`` calls them for the newest window
(``detectors.export``): the time range, the shared identifiers, the confirmed-fraud
accounts, the takeover logins, the window's transfers and its trace seeds, and the account
details of up to ``--accounts`` accounts. Prints one JSON line with seconds, row counts,
the load average before and after and this process's peak RSS.

    .venv/bin/python bench/detect_export.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peak_rss import self_maxrss_gib  # noqa: E402
from detectors import export  # noqa: E402
from detectors.config import DetectionConfig  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=50_000, help="account details to fetch")
    args = parser.parse_args()
    cfg = DetectionConfig()
    out: dict[str, object] = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    seconds: dict[str, float] = {}
    rows: dict[str, int] = {}

    def timed(name: str, call):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        value = call()
        seconds[name] = round(time.monotonic() - start, 2)
        if hasattr(value, "__len__"):
            rows[name] = len(value)
        print(f"{name}: {seconds[name]} s", file=sys.stderr, flush=True)
        return value

    with Gateway(load_settings()) as gateway:
        gateway.verify()
        windows = timed("time_range", lambda: export.windows(gateway, cfg))
        window = windows[-1]
        timed("identifiers", lambda: export.identifiers(gateway, cfg))
        timed("fraud_accounts", lambda: export.fraud_accounts(gateway))
        timed("takeovers", lambda: export.takeovers(gateway, cfg))
        transfers = timed("transfers", lambda: export.transfers(gateway, *window))
        timed("seeds", lambda: export.seeds(gateway, *window))
        ids = sorted(set(transfers["src"].head(args.accounts)), key=str)
        timed("accounts", lambda: export.accounts(gateway, ids))
    out.update(
        {
            "windows": len(windows),
            "seconds": seconds,
            "rows": rows,
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "python_maxrss_gib": round(self_maxrss_gib(), 2),
        }
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
