"""Benchmark ingest: bulk and streaming throughput next to two baselines, and the
event-to-graph latency of the stream loader, printed as markdown.

Phases, each on an empty graph and all in one run so the numbers share the same machine state:

- ``raw``: the write ceiling, every row as a ``:BenchRaw`` node through ``UNWIND $rows CREATE``
  in 10,000-row transactions (no MERGE, no relationships, no validation, no type conversion);
- ``graph``: the graph ceiling (``bench/graph_ceiling.py``): the very nodes and relationships
  the loaders build, written with plain UNWIND + CREATE (entities de-duplicated in pandas
  first, relationships between nodes found by unique-index MATCH, PIX accounts resolved in
  pandas, no validation, text properties); its node and relationship counts are checked
  against the bulk load's;
- ``naive``: one Neo4j transaction per row with the same ingest Cypher, on a sample
  (``--naive-sample`` rows drawn from every file in proportion to its size);
- ``bulk``: ``ingest.bulk.load_directory`` (read, validate, UNWIND+MERGE batches, link);
- ``stream``: the dataset is replayed into fresh topics first (producer rate reported
  separately), then ``StreamLoader`` consumes it; throughput is messages from the first one
  received to the last offset commit;
- ``loaders`` (only when named): the dataset is replayed once into fresh topics
  (``--partitions`` each), then for each N in ``--loaders`` (default ``1,2``) N ``ringwatch
  stream`` processes (``--instance-id loader-1..N``) share a new consumer group on an empty
  graph. Time = from starting them to the moment the group's committed offsets reach the
  end of every partition (read every 0.5 s). Also printed: each run's CPU (loaders, Neo4j),
  the transactions the Neo4j driver retried and the lock behind each deadlock (from the
  loaders' logs), the repeated key-to-account paths the loaders dropped (they would have been
  duplicate PIX edges; see ``cypher/ingest/transacoes_pix.cypher``), and whether its graph
  counts equal the first run's (and the bulk load's when that phase ran);
- ``latency``: ``ringwatch stream`` runs as its own process on the loaded graph while this
  process sends new transactions (between known keys) at each of ``--rates`` events/s for
  ``--seconds`` s, stamping the send time of one in ``--every``, and polls Neo4j every
  ``--poll-ms`` for the stamped ids not yet seen. Latency = first poll that sees the
  Transaction node (and, separately, its PIX edge) minus its send time: an upper bound, late
  by at most one poll cycle.

    .venv/bin/python bench/ingest.py --data var/h2/data20
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import graph_ceiling as ceiling  # noqa: E402
from graph.gateway import Gateway, apply_schema  # noqa: E402
from ingest.bulk import load_directory  # noqa: E402
from ingest.produce import Pacer, open_producer, produce_frames, read_directory  # noqa: E402
from ingest.stream import StreamLoader, open_consumer  # noqa: E402
from ingest.topics import Topics, delete_topics, ensure_topics  # noqa: E402
from ingest.validate import validate  # noqa: E402
from ingest.writer import LOAD_ORDER, batches, link_transfers, records, write_rows  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402
from stack.manager import Stack  # noqa: E402

PHASES = ("raw", "graph", "naive", "bulk", "stream", "latency")
OPTIONAL_PHASES = ("loaders",)  # run only when named in --phases


@dataclass
class Result:
    name: str
    records: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@dataclass
class Bench:
    gateway: Gateway
    bootstrap: str
    frames: dict[str, pd.DataFrame]
    results: list[Result] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # phase -> graph counts
    fresh_store: Stack | None = None  # set: reset by recreating the local store

    @property
    def total(self) -> int:
        return sum(len(f) for f in self.frames.values())

    def say(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def wipe(self) -> None:
        started = time.monotonic()
        if self.fresh_store is None:
            self.gateway.query("bench/wipe")
        else:
            self.recreate_store(self.fresh_store)
        self.say(f"graph wiped in {time.monotonic() - started:.0f} s")

    def recreate_store(self, stack: Stack) -> None:
        """Stop the local Neo4j, delete its ``neo4j`` database files (the system database,
        with the password, stays), start it again and apply the schema: every phase then
        starts from the same empty store, and no phase waits for millions of deletes."""
        self.gateway.close()
        stack.neo4j.stop()
        for sub in ("databases", "transactions"):
            shutil.rmtree(stack.neo4j.data_dir / sub / "neo4j", ignore_errors=True)
        stack.neo4j.start()
        stack.neo4j.wait_ready(timeout_s=180)
        apply_schema(self.gateway)


def raw_ceiling(b: Bench) -> None:
    b.wipe()
    started = time.monotonic()
    for dataset in LOAD_ORDER:
        frame = b.frames.get(dataset)
        for chunk in batches(frame if frame is not None else pd.DataFrame(), 10_000):
            b.gateway.query("bench/raw_create", {"rows": records(chunk)})
    seconds = time.monotonic() - started
    b.results.append(Result("raw UNWIND CREATE ceiling", b.total, seconds, "no MERGE/validation"))
    b.gateway.query("bench/delete_raw")


def graph_ceiling(b: Bench) -> None:
    b.wipe()
    plan = ceiling.plan(b.frames)
    started = time.monotonic()
    ceiling.write(b.gateway, plan)
    seconds = time.monotonic() - started
    b.counts["graph"] = graph_counts(b)
    b.results.append(
        Result(
            "graph UNWIND CREATE ceiling",
            b.total,
            seconds,
            "the loaders' nodes and relationships, CREATE only, no validation",
        )
    )


def graph_counts(b: Bench) -> dict[str, int]:
    return {r["item"]: r["value"] for r in b.gateway.query("bench/graph_counts", mode="read").rows}


def naive(b: Bench, sample: int) -> None:
    b.wipe()
    share = sample / b.total
    picked = {
        d: f.sample(n=max(1, round(len(f) * share)), random_state=7) for d, f in b.frames.items()
    }
    rows = sum(len(f) for f in picked.values())
    started = time.monotonic()
    for dataset in LOAD_ORDER:
        if dataset in picked:
            for row in records(validate(dataset, picked[dataset]).valid):
                write_rows(b.gateway, dataset, [row])  # one transaction per row
    link_transfers(b.gateway)
    seconds = time.monotonic() - started
    b.results.append(
        Result("naive, one transaction per row", rows, seconds, f"{rows:,}-row sample")
    )


def bulk(b: Bench, directory: Path) -> None:
    b.wipe()
    report = load_directory(b.gateway, directory, progress=False, say=b.say)
    b.counts["bulk"] = graph_counts(b)
    b.results.append(
        Result(
            "bulk `ringwatch load`",
            report.written + report.rejected,
            report.seconds,
            "read + validate + write + link",
        )
    )


def streaming(b: Bench, batch_size: int) -> None:
    b.wipe()
    topics = Topics(f"bench{uuid.uuid4().hex[:6]}")
    ensure_topics(b.bootstrap, topics.all)
    producer = open_producer(b.bootstrap)
    try:
        b.say(f"producing {b.total:,} messages to {topics.prefix}.*")
        sent = produce_frames(producer, b.frames, topics)
        b.results.append(
            Result("(producer replay, kafka-python)", sent.total, sent.seconds, "not a load")
        )
        b.say("streaming into Neo4j")
        consumer = open_consumer(
            b.bootstrap, f"g-{topics.prefix}", topics, max_poll_records=batch_size
        )
        from ingest.stream import BatchPolicy

        report = StreamLoader(
            b.gateway, consumer, producer, topics, BatchPolicy(max_messages=batch_size)
        ).run(until_idle=10)
    finally:
        producer.close()
        delete_topics(b.bootstrap, topics.all)
    b.results.append(
        Result(
            "streaming `ringwatch stream`",
            report.consumed,
            report.active_seconds,
            f"{report.batches:,} batches of <= {batch_size:,}; {report.rejected:,} to DLQ",
        )
    )


def parallel(b: Bench, loaders: list[int], batch_size: int, partitions: int) -> None:
    """N ``ringwatch stream`` processes in one consumer group, for each N in ``loaders``, on
    one replay of the dataset (see the module's docstring)."""
    import psutil
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    from bench.decide import cpu_seconds, servers

    topics = Topics(f"par{uuid.uuid4().hex[:6]}")
    ensure_topics(b.bootstrap, topics.all, partitions=partitions)
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap.split(","))
    try:
        producer = open_producer(b.bootstrap)
        try:
            b.say(f"producing {b.total:,} messages to {topics.prefix}.* ({partitions} partitions)")
            produce_frames(producer, b.frames, topics)
        finally:
            producer.close()
        reader = KafkaConsumer(bootstrap_servers=b.bootstrap.split(","))
        parts = [TopicPartition(t, i) for t in topics.all for i in range(partitions)]
        ends = {tp: end for tp, end in reader.end_offsets(parts).items() if end}
        reader.close()
        first_counts: dict[str, int] | None = None
        for run, n in enumerate(loaders, start=1):  # a count may repeat: --loaders 2,2,2
            b.wipe()
            neo4j = servers(load_settings()).get("Neo4j")  # None for a server not ours
            neo4j_cpu = cpu_seconds(neo4j) if neo4j else 0.0
            group = f"g-{topics.prefix}-{run}-{n}"
            b.say(f"{n} loader(s) in group {group}")
            flags = ["--topic-prefix", topics.prefix, "--group", group, "--metrics-port", "0"]
            flags += ["--batch-size", str(batch_size)]
            # files, not pipes: a pipe nobody reads could fill and block a loader
            logs = [tempfile.TemporaryFile() for _ in range(n)]  # noqa: SIM115 - closed below
            started = time.monotonic()
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "ringwatch.cli", "stream", *flags]
                    + ["--instance-id", f"loader-{i + 1}"],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=logs[i],
                )
                for i in range(n)
            ]
            handles = [psutil.Process(proc.pid) for proc in procs]
            loader_cpu = [0.0] * n
            seconds = float("inf")
            try:
                while time.monotonic() - started < 7_200:
                    for i, h in enumerate(handles):
                        loader_cpu[i] = max(loader_cpu[i], cpu_seconds(h))
                    try:
                        answer = admin.list_group_offsets(group)
                    except KafkaError as exc:  # e.g. the group's coordinator not elected yet
                        if not exc.retriable:
                            raise
                        answer = {}
                    committed = answer.get(group, answer)  # kafka-python 3: per group id
                    if all(
                        tp in committed and committed[tp].offset >= end for tp, end in ends.items()
                    ):
                        seconds = time.monotonic() - started
                        break
                    if any(proc.poll() is not None for proc in procs):
                        break
                    time.sleep(0.5)
            finally:
                neo4j_used = cpu_seconds(neo4j) - neo4j_cpu if neo4j else 0.0
                for proc in procs:
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGTERM)
                errors, retried, repeated = [], collections.Counter[str](), 0
                for i, proc in enumerate(procs):
                    proc.wait(timeout=120)
                    logs[i].seek(0)
                    text = logs[i].read().decode(errors="replace")
                    logs[i].close()
                    for line in text.splitlines():
                        if "will be retried" in line:  # the driver's retry of a transaction
                            found = re.search(r"DeadlockDetected.*? on ([A-Z_]+)\(", line)
                            retried[found.group(1) if found else "other"] += 1
                        found = re.search(r"returned (\d+) repeated key-to-account paths", line)
                        repeated += int(found.group(1)) if found else 0
                    if proc.returncode:
                        tail = text.strip().splitlines()[-3:]
                        errors.append(f"loader-{i + 1} exit {proc.returncode}: {' / '.join(tail)}")
            if errors or seconds == float("inf"):
                raise SystemExit(
                    f"{n} loader(s) did not finish: " + ("; ".join(errors) or "2 h passed")
                )
            counts = graph_counts(b)
            first_counts = first_counts or counts
            same = ["the first run's"] if counts == first_counts else []
            if "bulk" in b.counts:
                same += ["the bulk load's"] if counts == b.counts["bulk"] else []
            cpu = " + ".join(f"{c:,.0f}" for c in loader_cpu)
            b.results.append(
                Result(
                    f"{n} × `ringwatch stream`, one group",
                    b.total,
                    seconds,
                    f"{partitions} partitions; CPU s: loaders {cpu}, Neo4j {neo4j_used:,.0f}; "
                    f"{_retries(retried)}; {repeated} repeated transfer paths dropped; "
                    f"graph counts equal to {' and '.join(same) or 'NEITHER (see below)'}",
                )
            )
            if counts != first_counts:
                b.lines.append(f"\n{n} loaders' graph counts: {counts}\nfirst: {first_counts}")
    finally:
        admin.close()
        delete_topics(b.bootstrap, topics.all)


def _retries(retried: collections.Counter[str]) -> str:
    """'N transactions retried' with the lock resources of the deadlocks behind them."""
    total = sum(retried.values())
    if not total:
        return "no transaction retried"
    kinds = ", ".join(f"{kind} {count}" for kind, count in retried.most_common())
    return f"{total} transactions retried (deadlocks on: {kinds})"


def latency(
    b: Bench,
    rates: list[float],
    seconds: float,
    poll_ms: int,
    every: int,
    wait_ms: int,
    poll_cap: int = 500,
) -> None:
    keys = b.frames["chaves_pix"]
    holders = set(b.frames["usuarios"]["cpf_cnpj"])
    usable = keys.loc[keys["cpf_cnpj"].isin(holders), "chave_pix"]
    pool = usable.sample(min(2_000, len(usable)), random_state=7).tolist()
    topics = Topics(f"lat{uuid.uuid4().hex[:6]}")
    ensure_topics(b.bootstrap, topics.all)
    port = _free_port()
    flags = ["--topic-prefix", topics.prefix, "--group", f"g-{topics.prefix}"]
    flags += ["--metrics-port", str(port), "--batch-wait-ms", str(wait_ms)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ringwatch.cli", "stream", *flags],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    producer = open_producer(b.bootstrap)
    topic = topics.of("transacoes_pix")
    run = uuid.uuid4().hex[:6].upper()
    rng = random.Random(7)
    sent: dict[str, float] = {}  # tracked (sampled) transactions and their send times
    node_seen: dict[str, float] = {}
    link_seen: dict[str, float] = {}
    lock, done = threading.Lock(), threading.Event()
    cycles: list[float] = []

    def message(tx_id: str) -> bytes:
        src, dst = rng.sample(pool, 2)
        row = {
            "id_transacao": tx_id,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "valor": f"{rng.uniform(5, 900):.2f}",
            "chave_pix_origem": src,
            "chave_pix_destino": dst,
            "tipo_transacao": "transferencia",
            "status": "concluida",
        }
        return json.dumps(row).encode()

    def poll() -> None:
        while not done.is_set():
            started = time.monotonic()
            with lock:  # the oldest unlinked ones (batches commit in about send order)
                ids = [i for i in sent if i not in link_seen][:poll_cap]
            if ids:
                rows = b.gateway.query("bench/seen_transactions", {"ids": ids}, mode="read").rows
                now = time.monotonic()
                for r in rows:
                    node_seen.setdefault(r["id"], now)
                    if r["linked"]:
                        link_seen.setdefault(r["id"], now)
                cycles.append(now - started)
            done.wait(max(0.0, poll_ms / 1000 - (time.monotonic() - started)))

    def drained(timeout: float) -> float:
        """Seconds until every tracked transaction is linked (inf after ``timeout``)."""
        started = time.monotonic()
        while len(link_seen) < len(sent):
            if time.monotonic() - started > timeout:
                return float("inf")
            time.sleep(0.05)
        return time.monotonic() - started

    poller = threading.Thread(target=poll, daemon=True)
    rows: list[str] = []
    try:
        warm = f"TW{run}"  # wait until the loader is up and consuming
        with lock:
            sent[warm] = time.monotonic()
        poller.start()
        producer.send(topic, value=message(warm), key=warm.encode())
        producer.flush()
        if drained(120) == float("inf"):
            raise SystemExit("the stream loader did not start within 120 s")
        for rate in rates:
            b.say(f"sending {rate:g} tx/s for {seconds:g} s, timing 1 in {every}")
            with lock:
                sent.clear()
            node_seen.clear()
            link_seen.clear()
            cycles.clear()
            count = int(rate * seconds)
            before = _scrape(port)
            pacer = Pacer(rate)
            started = time.monotonic()
            for n in range(count):
                pacer.wait(n)
                tx_id = f"TL{run}{rate:g}-{n:07d}"
                if n % every == 0:
                    with lock:
                        sent[tx_id] = time.monotonic()
                producer.send(topic, value=message(tx_id), key=tx_id.encode())
            producer.flush()
            achieved = count / (time.monotonic() - started)
            backlog = drained(120)
            after = _scrape(port)
            batches = after["batches"] - before["batches"]
            per_batch = (after["seconds"] - before["seconds"]) / batches if batches else 0.0
            size = (after["messages"] - before["messages"]) / batches if batches else 0.0
            node = np.array([node_seen[i] - sent[i] for i in sent if i in node_seen]) * 1000
            link = np.array([link_seen[i] - sent[i] for i in sent if i in link_seen]) * 1000
            note = (
                f"{len(sent):,} timed; backlog drained {backlog:.1f} s after the last send; "
                f"poll cycle {np.mean(cycles) * 1000:.0f} ms mean; loader: {batches:,.0f} "
                f"batches of {size:,.0f} messages on average, {per_batch * 1000:,.0f} ms from "
                f"batch close to commit"
            )
            rows.append(_latency_row(achieved, "Transaction node", node, note))
            rows.append(_latency_row(achieved, "PIX edge (linked)", link, ""))
    finally:
        done.set()
        producer.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        delete_topics(b.bootstrap, topics.all)
    b.lines += [
        "",
        f"Event-to-graph latency, {seconds:g} s of new transactions per rate, loader "
        f"`ringwatch stream --batch-wait-ms {wait_ms}` in its own process:",
        "",
        "| events/s sent | visible in Neo4j | p50 | p99 | max | note |",
        "|---:|---|---:|---:|---:|---|",
        *rows,
    ]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scrape(port: int) -> dict[str, float]:
    """Batch count, total batch seconds and messages from the loader's /metrics."""
    from urllib.request import urlopen

    text = urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    values = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        values[name] = float(value) if value and not line.startswith("#") else 0.0
    return {
        "batches": values.get("ringwatch_stream_batch_seconds_count", 0.0),
        "seconds": values.get("ringwatch_stream_batch_seconds_sum", 0.0),
        "messages": values.get("ringwatch_stream_batch_messages_sum", 0.0),
    }


def _latency_row(rate: float, name: str, ms: np.ndarray, note: str) -> str:
    if not len(ms):
        return f"| {rate:,.0f} | {name} | - | - | - | {note} |"
    p50, p99 = np.percentile(ms, [50, 99])
    return f"| {rate:,.0f} | {name} | {p50:,.0f} ms | {p99:,.0f} ms | {ms.max():,.0f} ms | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="dataset directory")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated subset of {','.join(PHASES + OPTIONAL_PHASES)} (default: all "
        f"but {','.join(OPTIONAL_PHASES)})",
    )
    parser.add_argument(
        "--loaders", default="1,2", help="loaders: comma-separated numbers of loaders"
    )
    parser.add_argument("--partitions", type=int, default=4, help="loaders: per topic")
    parser.add_argument("--naive-sample", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=5_000, help="stream batch size")
    parser.add_argument(
        "--rates", default="2000", help="latency: comma-separated events/s, one run each"
    )
    parser.add_argument("--every", type=int, default=20, help="latency: time 1 in N events")
    parser.add_argument(
        "--batch-wait-ms", type=int, default=250, help="latency: loader's --batch-wait-ms"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="latency: duration")
    parser.add_argument("--poll-ms", type=int, default=50, help="latency: graph poll period")
    parser.add_argument(
        "--fresh-store",
        action="store_true",
        help="reset between phases by recreating the local stack's database files (fast at "
        "scale 20; only for the stack `ringwatch stack up` runs) instead of deleting in batches",
    )
    args = parser.parse_args()
    phases = args.phases.split(",")
    settings = load_settings()
    with Gateway(settings) as gateway:
        gateway.verify()
        apply_schema(gateway, check=False)  # the phases wipe the graph first
        b = Bench(gateway, settings.kafka_bootstrap_servers, read_directory(args.data))
        if args.fresh_store:
            if settings.external_neo4j:
                parser.error("--fresh-store needs the local stack, not an external Neo4j")
            b.fresh_store = Stack(settings)
        load_before = os.getloadavg()
        started = time.monotonic()
        if "raw" in phases:
            raw_ceiling(b)
        if "graph" in phases:
            graph_ceiling(b)
        if "naive" in phases:
            naive(b, args.naive_sample)
        if "bulk" in phases:
            bulk(b, args.data)
        if "stream" in phases:
            streaming(b, args.batch_size)
        if "loaders" in phases:
            counts = [int(n) for n in args.loaders.split(",")]
            parallel(b, counts, args.batch_size, args.partitions)
        if "latency" in phases:
            rates = [float(r) for r in args.rates.split(",")]
            latency(b, rates, args.seconds, args.poll_ms, args.every, args.batch_wait_ms)
        load_after = os.getloadavg()
    raw = next((r.rate for r in b.results if r.name.startswith("raw")), 0.0)
    graph = next((r.rate for r in b.results if r.name.startswith("graph")), 0.0)
    print(
        f"Dataset {args.data} ({b.total:,} records in {len(b.frames)} files); "
        f"{os.cpu_count()} CPUs, {platform.python_version()}; Neo4j heap "
        f"{settings.neo4j_heap}, page cache {settings.neo4j_pagecache}; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        f"bench wall time {time.monotonic() - started:,.0f} s."
    )
    print()
    print("| loader | records | seconds | records/s | vs raw ceiling | vs graph ceiling | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in b.results:
        of_raw = f"{r.rate / raw:.0%}" if raw else "-"
        of_graph = f"{r.rate / graph:.0%}" if graph else "-"
        print(
            f"| {r.name} | {r.records:,} | {r.seconds:,.1f} | {r.rate:,.0f} | {of_raw} | "
            f"{of_graph} | {r.note} |"
        )
    if "graph" in b.counts and "bulk" in b.counts:
        same = b.counts["graph"] == b.counts["bulk"]
        print(
            f"\nGraph ceiling vs bulk load, node and relationship counts: "
            f"{'identical' if same else 'DIFFERENT'} "
            f"({sum(b.counts['bulk'].values()):,} graph elements)."
        )
        if not same:
            print(f"graph ceiling: {b.counts['graph']}\nbulk: {b.counts['bulk']}")
    print("\n".join(b.lines))


if __name__ == "__main__":
    main()
