"""Benchmark ``POST /v1/decisions``: latency at a fixed request rate, open loop. Prints
markdown.

On a loaded graph (``ringwatch load DIR`` and ``ringwatch detect`` first), this process

1. starts ``ringwatch api`` on a free port with a token of its own (unless ``--url`` and
   ``--token`` name a running server) and waits until its state is loaded;
2. draws transfers between Pix keys of the graph (all keys with a holder), a share
   ``--ring-share`` (5%) to keys of open rings' members, which the ring rule blocks; event
   times a weekday noon after the graph's last transfer, one second apart;
3. sends them at ``--rate`` requests/s for ``--seconds`` s after ``--warmup`` s, open loop:
   request i is due at start + i / rate whatever the earlier ones did, and its latency is
   counted from that due time to its response (so a stalled server is charged for the
   requests queued behind it, no coordinated omission). 32 keep-alive HTTP/1.1
   connections with pre-encoded requests on asyncio streams (httpx cost more CPU per
   request than the server), in this process, on the same machine as the server;
4. reports p50/p90/p99/max, errors, the verdicts, the achieved rate, the server's CPU per
   request and the load average before and after (the machine is shared).

    .venv/bin/python bench/api.py [--rate 200] [--seconds 60] [--label TEXT]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 32  # keep-alive connections; a request waits for a free one (open loop)
sys.path.insert(0, str(ROOT))

from api.tokens import add_token  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(models: Path) -> tuple[subprocess.Popen[bytes], str, str, float]:
    """``ringwatch api`` with a fresh token; (process, url, token, seconds until ready)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    token, _ = add_token(folder / "tokens.toml", "bench", "analyst", days=1)
    port = free_port()
    command = [sys.executable, "-m", "ringwatch.cli", "api", "--port", str(port)]
    command += ["--tokens-file", str(folder / "tokens.toml"), "--models-dir", str(models)]
    started = time.monotonic()
    log = (folder / "api.log").open("wb")
    proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise SystemExit((folder / "api.log").read_text())
        try:
            if httpx.get(f"{url}/healthz", timeout=2).json().get("ready"):
                return proc, url, token, time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.5)


def transfers(count: int, ring_share: float, seed: int) -> list[dict[str, Any]]:
    """``count`` transfer bodies between keys of the graph, ``ring_share`` to ring members."""
    with Gateway(load_settings()) as graph:
        keys = graph.query("decide/keys", mode="read").columns()["chave"]
        ring_keys = graph.query("bench/ring_member_keys", {"limit": 5000}, mode="read").columns()
        now_rows = graph.query("decide/now", mode="read").rows
    targets = ring_keys.get("chave", [])
    if not keys:
        raise SystemExit("The graph has no Pix keys: load a dataset first (ringwatch load DIR).")
    last = now_rows[0]["now"].to_native() if now_rows else datetime(2025, 1, 1)
    day = last.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    noon = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
    rng = random.Random(seed)
    out = []
    for i in range(count):
        src = rng.choice(keys)
        dst = rng.choice(targets) if targets and rng.random() < ring_share else rng.choice(keys)
        if dst == src:
            dst = rng.choice(keys)
        out.append(
            {
                "id_transacao": f"BAPI{seed:04d}{i:08d}",
                "timestamp": (noon + timedelta(seconds=i)).isoformat(),
                "valor": round(rng.uniform(5, 900), 2),
                "chave_pix_origem": src,
                "chave_pix_destino": dst,
            }
        )
    return out


class Connection:
    """One keep-alive HTTP/1.1 connection with pre-encoded requests: a load generator far
    cheaper than an HTTP library (httpx spent more CPU per request than the server did on
    this shared machine, so the client, not the server, set the pace)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)


def encode_requests(url: str, token: str, bodies: list[dict[str, Any]]) -> list[bytes]:
    host = url.split("://", 1)[1]
    out = []
    for body in bodies:
        data = json.dumps(body).encode()
        out.append(
            (
                f"POST /v1/decisions HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
        )
    return out


async def run_load(
    url: str, token: str, bodies: list[dict[str, Any]], rate: float, warmup: int
) -> tuple[list[float], Counter[str], int, float]:
    """Send ``bodies`` at ``rate``/s (open loop: request i is due at start + i / rate and
    queues for a free connection if none is); latencies (s) from due time to response of
    the requests after the first ``warmup``, verdicts, errors, the achieved send rate."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    requests = encode_requests(url, token, bodies)
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    verdicts: Counter[str] = Counter()
    errors = 0

    async def worker() -> None:
        nonlocal errors
        connection = Connection(host, int(port))
        while (item := await queue.get()) is not None:
            i, due = item
            try:
                status, payload = await connection.post(requests[i])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                connection = Connection(host, int(port))
                continue
            done = time.perf_counter()
            if status != 200:
                errors += 1
            elif i >= warmup:
                latencies.append(done - due)
                verdicts[json.loads(payload)["decision"]] += 1

    workers = [asyncio.create_task(worker()) for _ in range(CONNECTIONS)]
    start = time.perf_counter() + 0.1
    for i in range(len(requests)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    sent_in = time.perf_counter() - start
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, verdicts, errors, len(requests) / sent_in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5, help="seconds not timed at the start")
    parser.add_argument("--ring-share", type=float, default=0.05)
    parser.add_argument("--models-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--url", help="a running server (with --token) instead of starting one")
    parser.add_argument("--token")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    warmup = int(args.warmup * args.rate)
    count = warmup + int(args.seconds * args.rate)
    bodies = transfers(count, args.ring_share, args.seed)
    proc = None
    ready_s = None
    if args.url:
        url, token = args.url, args.token
    else:
        proc, url, token, ready_s = start_server(args.models_dir)
    try:
        server = psutil.Process(proc.pid) if proc else None
        cpu_before = sum(server.cpu_times()[:2]) if server else 0.0
        load_before = os.getloadavg()
        latencies, verdicts, errors, achieved = asyncio.run(
            run_load(url, token, bodies, args.rate, warmup)
        )
        load_after = os.getloadavg()
        cpu = (sum(server.cpu_times()[:2]) - cpu_before) if server else None
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)

    ms = np.array(latencies) * 1000
    p50, p90, p99 = (float(np.percentile(ms, q)) for q in (50, 90, 99))
    print(f"## POST /v1/decisions at {args.rate:g} requests/s {args.label}".rstrip())
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| requests timed (after {args.warmup} s warm-up) | {len(ms):,} |")
    print(f"| achieved send rate | {achieved:,.1f}/s |")
    print(f"| p50 / p90 / p99 / max | {p50:.1f} / {p90:.1f} / {p99:.1f} / {ms.max():.1f} ms |")
    print(f"| errors | {errors} |")
    print(f"| verdicts | {', '.join(f'{k} {v:,}' for k, v in sorted(verdicts.items()))} |")
    if cpu is not None:
        print(f"| server CPU per request | {cpu / count * 1000:.2f} ms |")
    if ready_s is not None:
        print(f"| server start to ready (state loaded) | {ready_s:.1f} s |")
    print(
        "| load average (1 min) before / after | "
        f"{load_before[0]:.2f} / {load_after[0]:.2f} ({os.cpu_count()} CPUs) |"
    )


if __name__ == "__main__":
    main()
