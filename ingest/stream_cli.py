"""`ringwatch produce` (dataset -> Kafka) and `ringwatch stream` (Kafka -> Neo4j)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from ingest.cli import MappingOption
from ingest.mapping import load_mapping
from ingest.topics import DEFAULT_PARTITIONS, DEFAULT_PREFIX, Topics, ensure_topics
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings
from ringwatch.signals import stop_on_signals

PrefixOption = Annotated[
    str,
    typer.Option(help="Topic names are PREFIX.usuarios, PREFIX.transacoes, ..., PREFIX.dlq."),
]
PartitionsOption = Annotated[
    int, typer.Option(help="Partitions of topics this command creates (existing ones are kept).")
]


def produce(
    directory: Annotated[
        Path,
        typer.Argument(help="Folder with the dataset files (as `ringwatch generate` writes)."),
    ],
    rate: Annotated[
        float, typer.Option(help="Messages per second; 0 sends as fast as possible.")
    ] = 0.0,
    topic_prefix: PrefixOption = DEFAULT_PREFIX,
    partitions: PartitionsOption = DEFAULT_PARTITIONS,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    mapping: MappingOption = None,
) -> None:
    """Replay the datasets in DIRECTORY into Kafka in event-time order, one JSON message per
    row keyed by its entity id. Creates the topics if they are missing. With --mapping, rows
    are sent in ringwatch's columns and values, so the topics carry ringwatch's format."""
    from ingest.produce import open_producer, produce_frames, read_directory

    settings = load_settings()
    topics = Topics(topic_prefix)
    frames = read_directory(directory, load_mapping(mapping))
    ensure_topics(settings.kafka_bootstrap_servers, topics.all, partitions)
    producer = open_producer(settings.kafka_bootstrap_servers)
    try:
        report = produce_frames(producer, frames, topics, rate=rate, progress=progress)
    finally:
        producer.close()
    for topic, count in report.sent.items():
        typer.echo(f"{topic}: {count:,} messages")
    speed = report.total / report.seconds if report.seconds else 0.0
    typer.echo(f"Sent {report.total:,} messages in {report.seconds:.1f} s: {speed:,.0f} msg/s.")


def stream(
    until_idle: Annotated[
        float | None,
        typer.Option(help="Exit after this many seconds without a message (tests, demos)."),
    ] = None,
    group: Annotated[str, typer.Option(help="Kafka consumer group id.")] = "ringwatch-stream",
    instance_id: Annotated[
        str | None,
        typer.Option(
            help="Static group member id: a loader restarted with the same id resumes its "
            "partitions at once (without it, a crashed member holds them until its session "
            "times out, 45 s). Give each running loader its own id."
        ),
    ] = None,
    topic_prefix: PrefixOption = DEFAULT_PREFIX,
    partitions: PartitionsOption = DEFAULT_PARTITIONS,
    batch_size: Annotated[int, typer.Option(help="Most messages per Neo4j batch.")] = 5_000,
    batch_wait_ms: Annotated[
        int, typer.Option(help="Longest wait (ms) between a message's arrival and its batch.")
    ] = 250,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Port of the Prometheus /metrics endpoint (default: RINGWATCH_METRICS_PORT, "
            "9108); 0 disables it."
        ),
    ] = None,
    mapping: MappingOption = None,
) -> None:
    """Load the Kafka topics into Neo4j: validate every message, send bad ones to the
    dead-letter topic, write in batches and commit offsets only after Neo4j has the batch.
    Stops cleanly on SIGTERM or Ctrl-C (the current batch is finished and committed).
    With --mapping, messages in a bank's own columns and values are read as `ringwatch load
    --mapping` reads files (its file names and CSV options do not apply to messages)."""
    from graph.gateway import Gateway, apply_schema
    from ingest.metrics import StreamMetrics
    from ingest.produce import open_producer
    from ingest.stream import BatchPolicy, KafkaReachabilityFilter, StreamLoader, open_consumer
    from ringwatch.monitoring import serve

    if batch_size < 1 or batch_wait_ms < 0:
        raise RingwatchError("--batch-size must be at least 1 and --batch-wait-ms at least 0.")
    mapped = load_mapping(mapping)
    settings = load_settings()
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # kafka-python logs every connection at INFO; keep its warnings, drop its chatter.
    logging.getLogger("kafka").setLevel(level if level == "DEBUG" else "WARNING")
    if level != "DEBUG":  # the loader logs a Kafka outage once; kafka-python, per retry
        for handler in logging.getLogger().handlers:
            handler.addFilter(KafkaReachabilityFilter())
    topics = Topics(topic_prefix)
    bootstrap = settings.kafka_bootstrap_servers
    port = settings.metrics_port if metrics_port is None else metrics_port
    metrics = StreamMetrics()
    with Gateway(settings) as gateway:
        gateway.verify()
        apply_schema(gateway)
        ensure_topics(bootstrap, topics.all, partitions)
        consumer = open_consumer(
            bootstrap, group, topics, max_poll_records=batch_size, group_instance_id=instance_id
        )
        producer = open_producer(bootstrap, client_id="ringwatch-dlq")
        if port:
            serve(metrics.registry, port, settings.metrics_addr)
            typer.echo(f"Metrics on http://{settings.metrics_addr}:{port}/metrics")
        loader = StreamLoader(
            gateway,
            consumer,
            producer,
            topics,
            BatchPolicy(max_messages=batch_size, max_wait_s=batch_wait_ms / 1000),
            metrics,
            mapping=mapped,
        )
        stop_on_signals(loader, "ringwatch.stream", "finishing the current batch")
        typer.echo(f"Streaming {', '.join(topics.data)} into Neo4j (group {group}).")
        try:
            report = loader.run(until_idle=until_idle)
        finally:
            producer.close()
    typer.echo(
        f"Consumed {report.consumed:,} messages: {report.written:,} written, "
        f"{report.rejected:,} sent to {topics.dlq}, {report.linked:,} transfers linked, "
        f"{report.batches:,} batches."
    )
