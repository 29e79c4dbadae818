"""The one declared Kafka client configuration of ringwatch's producers and stream loader.

Every key a ringwatch Kafka client is built with is declared here with its value and the
reason for it; an override with an undeclared key is an error (a typo such as
``enable_autocommit`` must not silently fall back to kafka-python's default).
"""

from __future__ import annotations

from typing import Any

from ringwatch.errors import RingwatchError

# The broker accepts records up to 2 MB (message.max.bytes in stack/kafka_server.py); our
# clients may send and receive that much, no more.
MAX_RECORD_BYTES = 2_097_152

CONSUMER: dict[str, Any] = {
    "auto_offset_reset": "earliest",  # a new group reads the topic from its beginning
    "enable_auto_commit": False,  # offsets are committed only after the Neo4j write commits
    "allow_auto_create_topics": False,  # topics are created explicitly (ingest.topics)
    "max_poll_records": 5_000,
    "fetch_max_bytes": 52_428_800,
    "max_partition_fetch_bytes": 4_194_304,
    "fetch_max_wait_ms": 100,
    "max_poll_interval_ms": 300_000,
    "session_timeout_ms": 45_000,
    # How often the client asks the brokers about its topics when nothing forces it to (both
    # kafka-python and librdkafka default to 5 min). A topic or partition the client has not
    # seen yet (created a moment before, or with its leader still being elected) is picked
    # up at the next ask: 30 s, not 5 min, for one small request per client per 30 s.
    "metadata_max_age_ms": 30_000,
    "metrics_enabled": False,  # kafka-python's own sensors cost CPU; ours are ingest.metrics
    # Checking record CRCs is cheap with the `crc32c` C extension installed (kafka-python's
    # pure-Python fallback costs about 5x consumer throughput).
    "check_crcs": True,
    "client_id": "ringwatch-stream",
    # Static membership: a loader restarted with the same id takes its partitions back at
    # once instead of waiting for the dead member's session to time out.
    "group_instance_id": None,
}

PRODUCER: dict[str, Any] = {
    "acks": "all",  # a record counts as sent once the broker has it durably
    "enable_idempotence": True,  # broker-side retries never duplicate a record
    "linger_ms": 20,
    "batch_size": 262_144,
    "max_request_size": MAX_RECORD_BYTES,
    "allow_auto_create_topics": False,
    "metrics_enabled": False,
    "client_id": "ringwatch-producer",
}


def _merge(kind: str, declared: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise RingwatchError(
            f"Unknown Kafka {kind} option(s) {', '.join(unknown)}; declared options: "
            f"{', '.join(sorted(declared))} (see ingest/kafka_config.py)."
        )
    return {**declared, **overrides}


def consumer_config(bootstrap: str, group_id: str, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``KafkaConsumer``: the declared values plus checked overrides."""
    return {
        "bootstrap_servers": bootstrap.split(","),
        "group_id": group_id,
        **_merge("consumer", CONSUMER, overrides),
    }


def producer_config(bootstrap: str, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``KafkaProducer``: the declared values plus checked overrides."""
    return {"bootstrap_servers": bootstrap.split(","), **_merge("producer", PRODUCER, overrides)}
