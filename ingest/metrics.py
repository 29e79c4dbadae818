"""Prometheus metrics of the stream loader, in a registry of their own.

Each ``StreamMetrics`` owns a ``CollectorRegistry`` (tests and benchmarks can run several
loaders in one process); ``serve`` exposes it over HTTP for Prometheus to scrape.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Batch latency buckets (seconds): a batch of a few thousand rows takes tens of milliseconds
# to seconds; anything above 10 s means Neo4j was unavailable and the batch was retried.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class StreamMetrics:
    """Counters, histogram and gauges the stream loader updates."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.consumed = Counter(
            "ringwatch_stream_messages_consumed",
            "Messages read from Kafka, per topic.",
            ["topic"],
            registry=self.registry,
        )
        self.written = Counter(
            "ringwatch_stream_messages_written",
            "Valid messages written to Neo4j (transaction committed), per topic.",
            ["topic"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "ringwatch_stream_messages_rejected",
            "Messages sent to the dead-letter topic, per source topic and cause "
            "(oversize, invalid_json, not_object, invalid).",
            ["topic", "cause"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "ringwatch_stream_batch_seconds",
            "Time to process one batch: decode, validate, dead-letter, write, link, commit.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_messages = Histogram(
            "ringwatch_stream_batch_messages",
            "Messages per batch.",
            buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000),
            registry=self.registry,
        )
        self.linked = Counter(
            "ringwatch_stream_transfers_linked",
            "PIX edges created by the linking step after batches.",
            registry=self.registry,
        )
        self.retries = Counter(
            "ringwatch_stream_neo4j_retries",
            "Batch writes retried because Neo4j was unavailable.",
            registry=self.registry,
        )
        self.kafka_up = Gauge(
            "ringwatch_stream_kafka_up",
            "1 while Kafka answers the loader, 0 during an outage (polls, commits and "
            "dead-letter sends are retried with backoff meanwhile).",
            registry=self.registry,
        )
        self.kafka_outages = Counter(
            "ringwatch_stream_kafka_outages",
            "Times Kafka stopped answering the loader.",
            registry=self.registry,
        )
        self.kafka_retries = Counter(
            "ringwatch_stream_kafka_retries",
            "Kafka calls that failed because the broker was unreachable and were retried, "
            "per operation (poll, commit, dead-letter, end offsets).",
            ["operation"],
            registry=self.registry,
        )
        self.lag = Gauge(
            "ringwatch_stream_consumer_lag",
            "Messages in the partition not yet consumed (high watermark minus position).",
            ["topic", "partition"],
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample (0 when absent); for tests and reports."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def serve(self, port: int, addr: str = "127.0.0.1") -> Any:
        """Expose the metrics on ``http://addr:port/metrics`` (loopback only by default, like
        the local stack); returns the HTTP server."""
        from prometheus_client import start_http_server

        server, _thread = start_http_server(port, addr=addr, registry=self.registry)
        return server
