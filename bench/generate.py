"""Benchmark `ringwatch generate`: wall time and peak memory per scale, as a markdown table.

Each scale runs the real command in a fresh subprocess; peak RSS is that process's own
maximum resident set size (``os.wait4``), so runs do not contaminate each other.

    .venv/bin/python bench/generate.py --scales 20 200
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(scale: float, seed: int, fmt: str, workdir: Path) -> dict[str, float | int]:
    """Generate one world in a subprocess; returns seconds, peak RSS (MiB) and row counts."""
    out = workdir / f"scale-{scale:g}"
    cmd = [
        sys.executable,
        "-m",
        "ringwatch.cli",
        "generate",
        "--out",
        str(out),
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--format",
        fmt,
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    summary = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"generate failed at scale {scale}: {summary}")
    rows = _rows(out, fmt)
    size = sum(p.stat().st_size for p in out.iterdir())
    shutil.rmtree(out)
    return {
        "scale": scale,
        "seconds": seconds,
        "peak_mib": usage.ru_maxrss / 1024,
        "transactions": rows,
        "disk_mib": size / 2**20,
    }


def _rows(out: Path, fmt: str) -> int:
    path = out / f"transacoes_pix.{fmt}"
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[20.0, 200.0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--workdir", type=Path, default=None, help="where files are written")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ringwatch-bench-", dir=args.workdir))
    try:
        results = [run_once(s, args.seed, args.format, workdir) for s in args.scales]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, format {args.format}"
    )
    print()
    print("| scale | transactions | wall time (s) | peak RSS (MiB) | output (MiB) |")
    print("|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['scale']:g} | {r['transactions']:,} | {r['seconds']:.1f} "
            f"| {r['peak_mib']:,.0f} | {r['disk_mib']:,.0f} |"
        )


if __name__ == "__main__":
    main()
