"""Benchmark the decision engine: Kafka timestamp of a transfer -> its record on the alert
topic (p50/p99) at fixed rates, with the stream loader running on the same topics, and the
engine's restart time. Prints markdown.

On a loaded graph (``ringwatch load DIR`` first), this process

1. starts ``ringwatch stream`` (unless ``--no-loader``) and ``ringwatch decide`` (as
   deployed: alerts only, unless ``--emit-allow``) as their own processes on fresh topics;
2. per rate in ``--rates``, sends new transfers between keys of the dataset (all keys whose
   holder is known, drawn at random) at that rate for ``--seconds`` s, event times on a
   weekday noon after the graph's last transfer; a share ``--ring-share`` of them (5%) go
   to keys of open rings' members (``ringwatch detect`` first), which the ring rule blocks:
   those alerts are the timed ones (with ``--emit-allow``, every transfer). A consumer
   thread reads the alert topic. Latency of a transfer = the time its record is received
   from the alert topic minus the transfer's Kafka timestamp (carried in the record); both
   clocks are this machine's. The engine's own share (the alert's Kafka timestamp minus the
   transfer's) is reported too, and so is the way into the broker: from the transfer's
   Kafka timestamp (this benchmark's producer stamps it when sending) to the moment the
   producer handled the broker's acknowledgement, in the window's first second and after
   it. It bounds from above the time before the engine could see the transfer (it also
   counts the acknowledgement's way back into this process);
3. stops the engine (SIGTERM) and starts it again: restart time = process start to "ready"
   (state rebuilt from Neo4j, consumer created) and to the first new transfer decided.

Per rate it also prints the CPU budget: each process's user+system CPU over the rate's
sending and draining (engine, loader, Neo4j, Kafka, this benchmark's producer and its alert
reader, the latter two by thread), per transfer sent and in CPU-seconds per second, their
sum against the machine's CPUs, what the whole machine spent (other sessions included),
and the demand at that rate when the loader and Neo4j are charged per transfer *loaded*
(a loader that fell behind spent less than its work needs).

``--pin`` (``--pin engine``) runs the engine on CPU 1 and everything else this benchmark
starts or uses (itself, the loader, this stack's Neo4j and Kafka, every thread of each) on
CPU 0, as a deployment that gives the engine a core of its own would; ``--pin loading``
puts only the loader and Neo4j on CPU 0 and the engine, Kafka and this benchmark on CPU 1,
as if the loader and Neo4j ran on other machines. Processes of other users of the machine
are not moved. Neo4j's and Kafka's affinity is restored at the end.

    .venv/bin/python bench/decide.py --data DIR [--rates 2000,5000] [--seconds 30]

``--starts-only N`` measures only step 3's start, N times in a row, on the graph as it is.

``--in-process N`` needs no server: the engine's own work on a batch (decode, validate,
decide, record, encode the alerts; Kafka and Neo4j replaced by fakes) on the first N
transfers of ``--data``, with the state built from the folder's accounts, keys, limits and
devices and 5% of the accounts made members of an open ring. It prints the CPU time per
transfer in batches of 20 (the first half) and of 500 (the second half) and a digest of
every decision (id, verdict, rules, ring, reasons; a second engine that also knows the
logins, over all N transfers in batches of 300, ``allow`` included): two trees that print
the same digest decide the same. With ``--profile PATH`` the timed loop runs under
cProfile.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from decide.runner import alerts_topic, dlq_topic  # noqa: E402
from graph.gateway import Gateway  # noqa: E402
from ingest.produce import open_producer  # noqa: E402
from ingest.topics import Topics, delete_topics, ensure_topics  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402

# --pin: which CPU each process gets ("bench": this process, its producer and alert reader).
PINNINGS: dict[str, dict[str, set[int]]] = {
    "engine": {"engine": {1}, "bench": {0}, "loader": {0}, "Neo4j": {0}, "Kafka": {0}},
    "loading": {"engine": {1}, "bench": {1}, "loader": {0}, "Neo4j": {0}, "Kafka": {1}},
}


class Engine:
    """A ``ringwatch decide`` process and the lines it printed."""

    def __init__(
        self,
        topics: Topics,
        models: Path,
        emit_allow: bool,
        profile: Path | None = None,
        client: str | None = None,
        cpus: set[int] | None = None,
    ) -> None:
        flags = ["--topic-prefix", topics.prefix, "--group", f"d-{topics.prefix}"]
        flags += ["--kafka-client", client] if client else []
        flags += ["--models-dir", str(models), *(["--emit-allow"] if emit_allow else [])]
        # cProfile sees the decision loop's thread only (not the alert writer or Kafka's).
        profiler = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, *profiler, "-m", "ringwatch.cli", "decide", *flags],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,  # noqa: PLW1509
        )
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))

    def wait_for(self, text: str, timeout: float = 900) -> float:
        """Seconds from process start to the first line containing ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in self.lines:
                if text in line:
                    return at - self.started
            if self.proc.poll() is not None:
                raise SystemExit("decide exited:\n" + "\n".join(line for _, line in self.lines))
            time.sleep(0.02)
        raise SystemExit(f"decide printed no {text!r} in {timeout:g} s")

    def line(self, text: str) -> str:
        return next((line for _, line in self.lines if text in line), "")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Alerts:
    """Reads the alert topic in a thread: per transfer id, when its record arrived (wall
    clock, ms) and its Kafka timestamp."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        from kafka import KafkaConsumer, TopicPartition

        # Every partition assigned by hand and read from its beginning: no consumer group.
        # With a group, a run saw no alert for 300 s although the engine had written the
        # probe's decision to this topic (bench output: "0 transfers not committed by the
        # engine's group, 1 records on the alert topic, 0 read by this benchmark").
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            enable_auto_commit=False,
            fetch_max_wait_ms=10,
            metadata_max_age_ms=2_000,
        )
        deadline = time.monotonic() + 60
        while not (partitions := self.consumer.partitions_for_topic(topic)):
            if time.monotonic() > deadline:
                raise SystemExit(f"the alert topic {topic} has no partitions after 60 s")
            time.sleep(0.2)  # partitions_for_topic asks the brokers again
        self.consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        self.consumer.seek_to_beginning()
        self.seen: dict[str, tuple[float, int, int]] = {}  # id -> (received, alert ts, tx ts)
        self.decisions: dict[str, int] = {}
        self.done = threading.Event()
        self.native_id = 0  # the reading thread's id, for the CPU budget
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        self.native_id = threading.get_native_id()
        while not self.done.is_set():
            for batch in self.consumer.poll(timeout_ms=50).values():
                received = time.time() * 1000
                for r in batch:
                    record = json.loads(r.value)
                    tid = record["transfer_id"]
                    if tid not in self.seen and record["transfer_kafka_timestamp_ms"]:
                        self.seen[tid] = (
                            received,
                            r.timestamp,
                            record["transfer_kafka_timestamp_ms"],
                        )
                        self.decisions[record["decision"]] = (
                            self.decisions.get(record["decision"], 0) + 1
                        )
        self.consumer.close()

    def wait(self, ids: list[str], timeout: float) -> float:
        started = time.monotonic()
        while any(i not in self.seen for i in ids):
            if time.monotonic() - started > timeout:
                return float("inf")
            time.sleep(0.02)
        return time.monotonic() - started


def cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU time of a process and its children that ended (0 once gone)."""
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def servers(settings: Any) -> dict[str, psutil.Process]:
    """This stack's Neo4j and Kafka processes, by name (those running)."""
    from stack.manager import Stack

    stack = Stack(settings)
    found: dict[str, psutil.Process] = {}
    for name, server in (("Neo4j", stack.neo4j), ("Kafka", stack.kafka)):
        pid = server.pid()
        if pid is not None:
            with contextlib.suppress(psutil.Error):
                found[name] = psutil.Process(pid)
    return found


def pin(pid: int, cpus: set[int]) -> dict[int, set[int]]:
    """Put every thread of process ``pid`` on ``cpus`` (threads it starts later inherit
    their creator's); the affinity each had before, by thread id."""
    before: dict[int, set[int]] = {}
    for name in os.listdir(f"/proc/{pid}/task"):
        tid = int(name)
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            before[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, cpus)
    return before


def unpin(pid: int, before: dict[int, set[int]]) -> None:
    """Give every thread of ``pid`` the affinity its process had before ``pin``."""
    cpus = before.get(pid) or set(range(os.cpu_count() or 1))
    with contextlib.suppress(OSError):
        for name in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(name), cpus)


def busy_seconds() -> list[float]:
    """CPU-seconds each CPU of the machine spent busy since boot (psutil's definition:
    everything but idle and iowait; guest time is inside user time)."""
    out = []
    for t in psutil.cpu_times(percpu=True):
        total = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
        out.append(total - t.idle - getattr(t, "iowait", 0.0))
    return out


def bench_threads(alerts: Alerts) -> dict[str, float]:
    """This benchmark's CPU seconds split by role: the alert reader (its polling thread
    and the consumer's heartbeat thread) and the producer (the rest: the sending loop and
    kafka-python's sender thread)."""
    reader_ids = {alerts.native_id} | {
        t.native_id
        for t in threading.enumerate()
        if type(t).__name__ == "HeartbeatThread" and t.native_id is not None
    }
    split = {"bench producer": 0.0, "bench reader": 0.0}
    for thread in psutil.Process().threads():
        role = "bench reader" if thread.id in reader_ids else "bench producer"
        split[role] += thread.user_time + thread.system_time
    return split


def budget(
    used: dict[str, float],
    elapsed: float,
    sent: int,
    rate: float,
    machine: list[float],
    loaded: int | None,
) -> list[str]:
    """The CPU budget of one rate as markdown: per process, µs of CPU per transfer sent and
    CPU-seconds per second (cores) over ``elapsed``; their sum; the machine's busy CPU per
    CPU (everything on it); and the demand at ``rate`` with the loader and Neo4j charged per
    transfer ``loaded`` when known (``used``: CPU seconds per process in the window)."""
    cpus = len(machine)
    lines = [
        "| process | µs of CPU per transfer sent | CPU-s per s (cores) |",
        "|---|---:|---:|",
    ]
    for name, seconds in used.items():
        lines.append(f"| {name} | {seconds / sent * 1e6:,.0f} | {seconds / elapsed:.2f} |")
    ours = sum(used.values())
    lines.append(
        f"| **sum of these** | **{ours / sent * 1e6:,.0f}** | **{ours / elapsed:.2f} of {cpus}** |"
    )
    whole = sum(machine)
    per_cpu = ", ".join(f"CPU {i} {b / elapsed:.2f}" for i, b in enumerate(machine))
    lines.append(f"| machine busy, all processes ({per_cpu}) | | {whole / elapsed:.2f} of {cpus} |")
    lines.append(
        f"| of which not these processes (other sessions) | | {(whole - ours) / elapsed:.2f} |"
    )
    if loaded:
        loading = {"loader", "Neo4j"}
        per_sent = sum(v for k, v in used.items() if k not in loading) / sent
        per_loaded = sum(v for k, v in used.items() if k in loading) / loaded
        demand = rate * (per_sent + per_loaded)
        lines.append(
            f"| demand at {rate:,.0f}/s: the others per transfer sent + loader and Neo4j "
            f"{per_loaded * 1e6:,.0f} µs per transfer loaded ({loaded:,} loaded) "
            f"| {(per_sent + per_loaded) * 1e6:,.0f} | {demand:.2f} of {cpus} |"
        )
    return lines


def group_lag(bootstrap: str, group: str, topic: str) -> int | None:
    """Records of ``topic`` that consumer group ``group`` has not committed yet: a partition
    it committed nothing on counts from its first record (None when Kafka does not
    answer)."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
        try:
            answer = admin.list_group_offsets(group)
            offsets = answer.get(group, answer)  # kafka-python 3 answers per group id
            committed = {tp: meta.offset for tp, meta in offsets.items() if tp.topic == topic}
        finally:
            admin.close()
        probe = KafkaConsumer(bootstrap_servers=bootstrap.split(","))
        try:
            partitions = [TopicPartition(topic, p) for p in probe.partitions_for_topic(topic)]
            ends = probe.end_offsets(partitions)
            starts = probe.beginning_offsets(partitions)
        finally:
            probe.close()
        return int(sum(ends[tp] - max(committed.get(tp, -1), starts[tp]) for tp in partitions))
    except Exception:
        return None


def usable_keys(data: Path) -> list[str]:
    keys = pd.read_csv(data / "chaves_pix.csv", dtype=str, usecols=["chave_pix", "cpf_cnpj"])
    holders = set(pd.read_csv(data / "usuarios.csv", dtype=str, usecols=["cpf_cnpj"])["cpf_cnpj"])
    return [str(k) for k in keys.loc[keys["cpf_cnpj"].isin(holders), "chave_pix"]]


def graph_now(gateway: Gateway) -> datetime:
    rows = gateway.query("decide/now", mode="read").rows
    now = rows[0]["now"].to_native() if rows else datetime(2025, 1, 1)
    noon = (now + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    while noon.weekday() >= 5:
        noon += timedelta(days=1)
    return noon


def _record_ack(acked: dict[str, float], tid: str, metadata: Any) -> None:
    """A producer callback (in its I/O thread): ``tid``'s Kafka timestamp to now, in ms."""
    acked[tid] = time.time() * 1000 - metadata.timestamp


def send_at_rate(
    producer: Any,
    topic: str,
    keys: list[str],
    rate: float,
    seconds: float,
    run: str,
    start: datetime,
    ring_keys: list[str],
    ring_share: float,
    time_all: bool = False,
    acked: dict[str, float] | None = None,
) -> tuple[list[str], float]:
    """Send ``rate`` transfers/s for ``seconds`` s; the ids of the timed ones (those to ring
    members, or all with ``time_all``) and the rate achieved. The records are drawn and
    encoded before the first is sent, so the sending loop costs the machine only the
    producer's own work. With ``acked``, each timed transfer's id is mapped to the
    milliseconds from its Kafka timestamp to the producer's handling of the broker's
    acknowledgement: an upper bound of the time before the engine could see it."""
    rng = random.Random(7)
    count = int(rate * seconds)
    ids: list[str] = []
    encoded: list[tuple[bytes, bytes, bool]] = []
    for n in range(count):
        tid = f"TB{run}-{n:07d}"
        src, dst = rng.sample(keys, 2)
        to_ring = rng.random() < ring_share
        if to_ring:
            dst = rng.choice(ring_keys)
        row = {
            "id_transacao": tid,
            "timestamp": (start + timedelta(seconds=n / rate)).isoformat(timespec="seconds"),
            "valor": f"{rng.uniform(5, 900):.2f}",
            "chave_pix_origem": src,
            "chave_pix_destino": dst,
            "tipo_transacao": "transferencia",
            "status": "concluida",
        }
        timed = to_ring or time_all
        encoded.append((json.dumps(row).encode(), tid.encode(), timed))
        if timed:
            ids.append(tid)

    began = time.monotonic()
    for n, (value, key, timed) in enumerate(encoded):
        lag = began + n / rate - time.monotonic()
        if lag > 0:
            time.sleep(lag)
        future = producer.send(topic, value=value, key=key)
        if timed and acked is not None:
            future.add_callback(partial(_record_ack, acked, key.decode()))
    producer.flush()
    return ids, count / (time.monotonic() - began)


def starts(
    args: argparse.Namespace,
    topics: Topics,
    keys: list[str],
    start: datetime,
    ring_keys: list[str],
    load_before: tuple[float, float, float],
) -> list[str]:
    """``--starts-only``: start the engine N times in a row on the graph as it is (the
    restart's method without the rates before it); one line per start."""
    settings = load_settings()
    alerts = Alerts(settings.kafka_bootstrap_servers, alerts_topic(topics))
    producer = open_producer(settings.kafka_bootstrap_servers, linger_ms=5)
    out: list[str] = []
    try:
        for n in range(args.starts_only):
            engine = Engine(topics, args.models_dir, args.emit_allow, client=args.client)
            try:
                ready = engine.wait_for("ready")
                probe, _ = send_at_rate(
                    producer,
                    topics.of("transacoes_pix"),
                    keys,
                    10,
                    0.1,
                    f"S{n}",
                    start + timedelta(hours=n),
                    ring_keys,
                    1.0,
                )
                alerts.wait(probe, 120)
                first = time.monotonic() - engine.started
            finally:
                engine.stop()
            out.append(
                f"- start {n + 1}: ready in {ready:.1f} s, first decision {first:.1f} s after "
                f"process start, load average {os.getloadavg()[0]:.1f}; "
                f"{engine.line('State rebuilt')}"
            )
            print(out[-1], flush=True)
    finally:
        alerts.done.set()
        producer.close()
    out.append(
        f"- load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
        f"{os.cpu_count()} CPUs"
    )
    return out


class _Acknowledged:
    """A producer's future, already acknowledged."""

    is_done = True
    exception = None

    def failed(self) -> bool:
        return False

    def add_both(self, callback: Any) -> None:
        callback(self)


class _Fake:
    """Kafka consumer, producer and Neo4j gateway in one, answering at once; keeps the
    decisions it was sent when ``keep`` is a list."""

    def __init__(self, keep: list[tuple[Any, ...]] | None = None) -> None:
        self.keep = keep

    def send(self, topic: str, value: bytes = b"", key: bytes | None = None) -> _Acknowledged:
        if self.keep is not None:
            record = json.loads(value)
            if "decision" in record:
                self.keep.append(
                    (
                        record["transfer_id"],
                        record["decision"],
                        tuple(record["rules"]),
                        record["ring_id"],
                        tuple(record["reasons"]),
                    )
                )
        return _Acknowledged()

    def flush(self) -> None:
        pass

    def serve(self) -> None:
        pass

    def query(self, name: str, params: Any = None, **_: Any) -> Any:
        from graph.gateway import Result

        return Result.of_rows([{"alerts": 0}])


def _p99(values: Any) -> float:
    """The 99th percentile of the known ``values`` (NaN ones left out), NaN without any."""
    known = np.asarray(values, dtype=float)
    known = known[~np.isnan(known)]
    return float(np.percentile(known, 99)) if known.size else float("nan")


def in_process(args: argparse.Namespace) -> list[str]:
    """``--in-process N``: CPU per transfer of the engine's batch handling, and the digest of
    its decisions (see the module docstring)."""
    import cProfile
    import hashlib
    import pstats

    from decide.rules import DEFAULT_RULES, load_rules
    from decide.runner import DecisionEngine
    from decide.state import Membership, State
    from ingest.stream import Message
    from ingest.validate import validate
    from ingest.writer import records

    def state_of(datasets: tuple[str, ...]) -> State:
        state = State()
        for dataset in datasets:
            frame = pd.read_csv(args.data / f"{dataset}.csv", dtype=str)
            for row in records(validate(dataset, frame).valid):
                state.apply(dataset, row)
        return state

    static = ("usuarios", "chaves_pix", "limites_transacoes", "dispositivos")
    state = state_of(static)
    rng = random.Random(7)
    members = rng.sample(sorted(state.accounts), len(state.accounts) // 20)
    for user in members:  # 5% of the accounts in an open ring
        state.caches.rings[user] = Membership("R1", "open", "ring")
    topics = Topics("pix")
    rows = (
        pd.read_csv(args.data / "transacoes_pix.csv", dtype=str)
        .head(args.in_process)
        .to_dict("records")
    )
    topic = topics.of("transacoes_pix")
    messages = [
        Message(topic, 0, i, str(r["id_transacao"]).encode(), json.dumps(r).encode(), 1)
        for i, r in enumerate(rows)
    ]
    rules = load_rules(DEFAULT_RULES)
    fake: Any = _Fake()  # consumer, producer and gateway
    engine = DecisionEngine(fake, fake, fake, topics, rules, state)
    out = [f"- in-process, {len(messages):,} transfers of {args.data}:"]
    half = len(messages) // 2
    profiler = cProfile.Profile() if args.profile is not None else None
    for size, part in ((20, messages[:half]), (500, messages[half:])):
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        for start in range(0, len(part), size):
            engine._handle(part[start : start + size])
        if profiler is not None:
            profiler.disable()
        spent = (time.process_time() - cpu) / max(1, len(part)) * 1e6
        out.append(
            f"  - batches of {size}: {spent:.1f} µs of CPU per transfer, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        print(out[-1], flush=True)
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        out.append(f"  - profile of the timed loop: {args.profile}")
    # The decisions themselves, in order: a fresh engine that also knows the logins.
    full = state_of((*static, "log_autenticacao"))
    full.caches = state.caches
    kept: list[tuple[Any, ...]] = []
    recorder: Any = _Fake(kept)
    engine = DecisionEngine(recorder, recorder, recorder, topics, rules, full, emit_allow=True)
    for start in range(0, len(messages), 300):
        engine._handle(messages[start : start + 300])
    verdicts = {v: sum(1 for k in kept if k[1] == v) for v in ("allow", "review", "block")}
    digest = hashlib.sha256(repr(kept).encode()).hexdigest()[:16]
    out.append(f"  - decisions: {len(kept):,}, digest {digest}, {verdicts}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the loaded dataset's folder")
    parser.add_argument("--rates", default="2000,5000", help="transfers/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--latencies",
        type=Path,
        metavar="CSV",
        help="also write every timed alert (rate window, seconds into the window, "
        "end-to-end and engine-share milliseconds) to this CSV file, to see when in a "
        "window the slow ones came",
    )
    parser.add_argument("--no-loader", action="store_true", help="do not run ringwatch stream")
    parser.add_argument(
        "--loader-nice",
        type=int,
        default=0,
        metavar="N",
        help="run the loader N steps nicer (lower CPU priority) than the engine, as a "
        "deployment that puts decisions before loading would",
    )
    parser.add_argument(
        "--loader-batch-wait-ms",
        type=int,
        metavar="MS",
        help="the loader's `--batch-wait-ms` (default: the loader's own default); a longer "
        "window gives fewer, larger Neo4j transactions at a low rate",
    )
    parser.add_argument(
        "--wait-loader",
        type=float,
        default=0.0,
        metavar="S",
        help="after the rates, wait up to S seconds for the loader to catch up and report "
        "the loader's and Neo4j's CPU per transfer loaded",
    )
    parser.add_argument("--models-dir", type=Path, default=ROOT / "models")
    parser.add_argument(
        "--client",
        choices=("confluent", "kafka-python"),
        help="the engine's Kafka client (`ringwatch decide --kafka-client`; default: the "
        "engine's default). The benchmark's own producer and alert reader stay kafka-python.",
    )
    parser.add_argument(
        "--pin",
        nargs="?",
        const="engine",
        choices=tuple(PINNINGS),
        help="engine: the engine alone on CPU 1, this benchmark, the loader, Neo4j and Kafka "
        "on CPU 0 (`--pin` alone); loading: the loader and Neo4j alone on CPU 0, the engine, "
        "Kafka and this benchmark on CPU 1 (the loader and Neo4j as if on other machines). "
        "Other processes on the machine are not moved.",
    )
    parser.add_argument("--ring-share", type=float, default=0.05)
    parser.add_argument("--emit-allow", action="store_true", help="time every transfer")
    parser.add_argument(
        "--forget-previous",
        action="store_true",
        help="first remove the transfers, PIX edges and alerts earlier runs left in the "
        "graph (ids starting with TB), so that runs compared start from the same graph",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the first engine under cProfile and write its profile here (the "
        "restart is not measured then)",
    )
    parser.add_argument(
        "--starts-only",
        type=int,
        default=0,
        metavar="N",
        help="measure only the start: N engines one after the other (each stopped before "
        "the next), no loader and no rates; each start's ready time and first decision",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="no servers: CPU per transfer of the engine's batch handling on the first N "
        "transfers of --data, with fakes for Kafka and Neo4j, and a digest of the decisions",
    )
    args = parser.parse_args()
    if args.in_process:
        print("\n".join(in_process(args)))
        return

    cpus_of = PINNINGS.get(args.pin or "", {})
    if cpus_of:
        if (os.cpu_count() or 1) < 2:
            raise SystemExit("--pin needs two CPUs")
        pin(os.getpid(), cpus_of["bench"])  # this process's threads, and all it starts now on
    settings = load_settings()
    bootstrap = settings.kafka_bootstrap_servers
    topics = Topics(f"bd{uuid.uuid4().hex[:6]}")
    extra = [alerts_topic(topics), dlq_topic(topics)]
    ensure_topics(bootstrap, [*topics.all, *extra])
    keys = usable_keys(args.data)
    load_before = os.getloadavg()
    gateway = Gateway(settings)
    if args.forget_previous:
        began = time.monotonic()
        gateway.query("bench/forget_decide_transfers", {"prefix": "TB"})
        print(f"forgot earlier runs' transfers in {time.monotonic() - began:.1f} s", flush=True)
    start = graph_now(gateway)
    ring_keys = [r["chave"] for r in gateway.query("bench/ring_member_keys", {"limit": 2000}).rows]
    if not ring_keys:
        raise SystemExit("no open ring in the graph: run `ringwatch detect` first")
    if args.starts_only:
        try:
            print("\n".join(starts(args, topics, keys, start, ring_keys, load_before)))
        finally:
            delete_topics(bootstrap, [*topics.all, *extra])
            gateway.close()
        return
    loader = None
    if not args.no_loader:
        flags = ["--topic-prefix", topics.prefix, "--group", f"s-{topics.prefix}"]
        if args.loader_batch_wait_ms is not None:
            flags += ["--batch-wait-ms", str(args.loader_batch_wait_ms)]
        niceness = args.loader_nice

        def loader_start() -> None:  # runs in the child
            if niceness:
                os.nice(niceness)
            if cpus_of:
                os.sched_setaffinity(0, cpus_of["loader"])

        loader = subprocess.Popen(
            [sys.executable, "-m", "ringwatch.cli", "stream", *flags, "--metrics-port", "0"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=loader_start if niceness or cpus_of else None,  # noqa: PLW1509
        )
    alerts = Alerts(bootstrap, alerts_topic(topics))
    producer = open_producer(bootstrap, linger_ms=5)
    topic = topics.of("transacoes_pix")
    out: list[str] = []
    engines: list[Engine] = []
    engine_cpus = cpus_of.get("engine")
    pinned: dict[int, dict[int, set[int]]] = {}  # server pid -> its threads' affinity before
    try:
        engine = Engine(
            topics, args.models_dir, args.emit_allow, args.profile, args.client, engine_cpus
        )
        engines.append(engine)
        ready = engine.wait_for("ready")
        probe, _ = send_at_rate(producer, topic, keys, 10, 0.1, "W0", start, ring_keys, 1.0)
        if alerts.wait(probe, 300) == float("inf"):
            # Where the probe stopped: not consumed (the engine's group has no partition
            # or did not poll), or decided but its alert not read (the reader's side).
            behind = group_lag(bootstrap, f"d-{topics.prefix}", topic)
            written = group_lag(bootstrap, f"none-{uuid.uuid4().hex[:6]}", alerts_topic(topics))
            raise SystemExit(
                "no decision on the alert topic within 300 s of the engine start; "
                f"{behind} transfers not committed by the engine's group, {written} records "
                f"on the alert topic, {len(alerts.seen)} read by this benchmark; it said:\n"
                + "\n".join(line for _, line in engine.lines)
            )
        first = time.monotonic() - engine.started
        out.append(f"- engine: {engine.line('ready')}")
        out.append(
            f"- first start: ready in {ready:.1f} s, first decision {first:.1f} s after "
            f"process start; {engine.line('State rebuilt')}"
        )
        process = psutil.Process(engine.proc.pid)
        loader_process = psutil.Process(loader.pid) if loader is not None else None
        others = servers(settings)  # Neo4j and Kafka, when this stack's pid files say
        if cpus_of:
            for name, server in others.items():
                pinned[server.pid] = pin(server.pid, cpus_of[name])
        watched = {
            "engine": process,
            **({"loader": loader_process} if loader_process else {}),
            **others,
        }
        shares: list[str] = []
        out.append("")
        out.append(
            "| transfers/s asked | achieved | timed alerts | p50 | p99 | max | p99 from 1 s on "
            "| engine share p99 | into the broker p99, first 1 s / after "
            "| drained after last send | engine CPU | loader CPU | machine CPU busy "
            "| load average |"
        )
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        loading = [
            *([loader_process] if loader_process else []),
            *(p for name, p in others.items() if name == "Neo4j"),
        ]
        loading_before, loading_t0 = sum(cpu_seconds(p) for p in loading), time.monotonic()
        total_sent = 0
        timed: list[pd.DataFrame] = []
        lag_group = f"s-{topics.prefix}"
        for i, rate in enumerate(float(r) for r in args.rates.split(",")):
            behind_before = group_lag(bootstrap, lag_group, topic) if loader else None
            before = {name: cpu_seconds(p) for name, p in watched.items()}
            before |= bench_threads(alerts)
            machine_before = busy_seconds()
            t0, window_ms = time.monotonic(), time.time() * 1000
            acked: dict[str, float] = {}
            ids, achieved = send_at_rate(
                producer,
                topic,
                keys,
                rate,
                args.seconds,
                f"R{i}",
                start + timedelta(hours=i + 1),
                ring_keys,
                args.ring_share,
                args.emit_allow,
                acked,
            )
            drained = alerts.wait(ids, 300)
            elapsed = time.monotonic() - t0
            after = {name: cpu_seconds(p) for name, p in watched.items()}
            after |= bench_threads(alerts)
            machine = [b - a for a, b in zip(machine_before, busy_seconds(), strict=True)]
            used = {name: after[name] - before[name] for name in after}
            sent = int(rate * args.seconds)
            total_sent += sent
            cpu, loader_cpu = used["engine"] / elapsed, used.get("loader", 0.0) / elapsed
            behind = group_lag(bootstrap, lag_group, topic) if loader else None
            loaded = (
                sent + behind_before - behind
                if behind is not None and behind_before is not None
                else None
            )
            shares.append(
                f"- CPU budget at {rate:,.0f}/s (send and drain, {elapsed:.1f} s; loader "
                f"behind by {'?' if behind_before is None else f'{behind_before:,}'} "
                f"transfers before and {'?' if behind is None else f'{behind:,}'} when the "
                f"alerts were in; load average {os.getloadavg()[0]:.1f}):"
            )
            shares.extend(["", *budget(used, elapsed, sent, rate, machine, loaded), ""])
            busy = sum(machine) / (elapsed * len(machine))
            answered = [t for t in ids if t in alerts.seen]
            got = [alerts.seen[t] for t in answered]
            end_to_end = np.array([received - tx for received, _, tx in got])
            engine_share = np.array([alert_ts - tx for _, alert_ts, tx in got])
            # The transfer's way into the broker (this benchmark's producer, then the broker),
            # before the engine can see it.
            to_broker = np.array([acked.get(t, np.nan) for t in answered])
            p50, p99, worst = np.percentile(end_to_end, [50, 99, 100])
            # The first second of a window is when freshly started processes (the engine,
            # the loader, this benchmark's producer and reader) first see traffic.
            first_second = np.array([tx < window_ms + 1000 for _, _, tx in got], dtype=bool)
            p99_settled = _p99(end_to_end[~first_second])
            if args.latencies:
                timed.append(
                    pd.DataFrame(
                        {
                            "window": i + 1,
                            "rate": rate,
                            "seconds_in": [(tx - window_ms) / 1000 for _, _, tx in got],
                            "end_to_end_ms": end_to_end,
                            "engine_share_ms": engine_share,
                            "to_broker_ms": to_broker,
                        }
                    )
                )
            out.append(
                f"| {rate:,.0f} | {achieved:,.0f} | {len(got):,} of {len(ids):,} | {p50:,.0f} ms "
                f"| {p99:,.0f} ms | {worst:,.0f} ms | {p99_settled:,.0f} ms "
                f"| {np.percentile(engine_share, 99):,.0f} ms "
                f"| {_p99(to_broker[first_second]):,.0f} "
                f"/ {_p99(to_broker[~first_second]):,.0f} ms "
                f"| {drained:.1f} s | {cpu:.0%} of a core | {loader_cpu:.0%} of a core "
                f"| {busy:.0%} of {os.cpu_count()} CPUs | {os.getloadavg()[0]:.1f} |"
            )
            print(out[-1], flush=True)
        if args.latencies and timed:
            pd.concat(timed, ignore_index=True).to_csv(args.latencies, index=False)
            out.append(f"\nEvery timed alert: {args.latencies}")
        out.append("")
        out.extend(shares)
        if args.wait_loader and loader is not None:
            deadline = time.monotonic() + args.wait_loader
            behind = group_lag(bootstrap, f"s-{topics.prefix}", topic)
            while (behind is None or behind > 0) and time.monotonic() < deadline:
                time.sleep(1)
                behind = group_lag(bootstrap, f"s-{topics.prefix}", topic)
            spent = sum(cpu_seconds(p) for p in loading) - loading_before
            loaded = total_sent - (behind or 0)
            out.append(
                f"- loader and Neo4j from the first send until the loader was "
                f"{'caught up' if behind == 0 else f'still {behind:,} behind'} "
                f"({time.monotonic() - loading_t0:.0f} s): {spent:.1f} s of CPU for "
                f"{loaded:,} transfers loaded, {spent / max(1, loaded) * 1e6:,.0f} µs per "
                f"transfer; load average {os.getloadavg()[0]:.1f}"
            )
            print(out[-1], flush=True)
        engine.stop()
        if args.profile is not None:
            out.append(f"- profile of the engine's decision loop: {args.profile}")
        else:
            restarted = Engine(
                topics, args.models_dir, args.emit_allow, client=args.client, cpus=engine_cpus
            )
            engines.append(restarted)
            ready = restarted.wait_for("ready")
            probe, _ = send_at_rate(
                producer, topic, keys, 10, 0.1, "W1", start + timedelta(hours=9), ring_keys, 1.0
            )
            alerts.wait(probe, 120)
            first = time.monotonic() - restarted.started
            out.append("")
            out.append(
                f"- restart: ready in {ready:.1f} s, first new decision {first:.1f} s after "
                f"process start; {restarted.line('State rebuilt')}"
            )
            out.append(f"- decisions seen: {alerts.decisions}")
            restarted.stop()
    finally:
        for pid, affinity in pinned.items():
            unpin(pid, affinity)
        for started in engines:  # one that failed must not keep its port or its group
            if started.proc.poll() is None:
                started.stop()
        alerts.done.set()
        producer.close()
        if loader is not None:
            loader.send_signal(signal.SIGTERM)
            loader.wait(timeout=120)
        delete_topics(bootstrap, [*topics.all, *extra])
        gateway.close()
    out.append(
        f"- load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
        f"{os.cpu_count()} CPUs"
        + (
            f"; pinned ({args.pin}): "
            + ", ".join(f"{name} on CPU {min(cpus)}" for name, cpus in cpus_of.items())
            + " (other processes on the machine not moved)"
            if cpus_of
            else ""
        )
    )
    print("\n".join(out))


if __name__ == "__main__":
    main()
