"""`stack up|down|status`: assemble, start, check and stop the local servers together."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ringwatch.errors import RingwatchError
from ringwatch.settings import Settings
from stack import versions
from stack.assemble import ensure_jars, jar_cache_bytes
from stack.kafka_server import KafkaServer
from stack.neo4j_server import Neo4jServer
from stack.process import dir_bytes, port_open, port_owner


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    version: str
    address: str
    pid: int | None
    data_bytes: int


def _java() -> tuple[str, str | None]:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java"), java_home
    java = shutil.which("java")
    if java is None:
        raise RingwatchError(
            "Java 17 or newer is needed and `java` was not found. Install "
            "openjdk-17-jdk-headless or set JAVA_HOME."
        )
    return java, None


class Stack:
    """The local Neo4j + GDS and Kafka under ``settings.stack_dir``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.java, java_home = _java()
        self.neo4j = Neo4jServer(
            settings.stack_dir,
            java_home,
            settings.bolt_port,
            settings.neo4j_heap,
            settings.neo4j_pagecache,
        )
        self.kafka = KafkaServer(
            settings.stack_dir,
            self.java,
            settings.kafka_port,
            settings.kafka_port + 1,
            settings.kafka_heap,
        )

    def _check_ports(self) -> None:
        checks = []
        if self.neo4j.pid() is None:
            checks.append((self.neo4j.bolt_port, "Neo4j Bolt"))
        if self.kafka.pid() is None:
            checks += [
                (self.kafka.port, "Kafka"),
                (self.kafka.controller_port, "Kafka controller"),
            ]
        for port, what in checks:
            if port_open(port):
                raise RingwatchError(
                    f"Port {port} (for {what}) is already taken by {port_owner(port)}. "
                    "Stop that process, or point ringwatch at your own servers with "
                    "NEO4J_URI/NEO4J_PASSWORD and KAFKA_BOOTSTRAP_SERVERS instead."
                )

    def up(self, say: Callable[[str], None] = print) -> dict[str, float]:
        """Assemble if needed, start what is not running, wait until both answer.

        Returns the seconds each service took to become ready.
        """
        ensure_jars(self.settings.stack_dir, self.java, say)
        self._check_ports()
        timings: dict[str, float] = {}
        t0 = time.monotonic()
        neo_was_up = self.neo4j.pid() is not None
        self.neo4j.start()
        kafka_was_up = self.kafka.pid() is not None
        self.kafka.start()
        gds = self.neo4j.wait_ready(self.settings.stack_timeout_s)
        timings["neo4j"] = time.monotonic() - t0
        say(
            f"Neo4j {versions.NEO4J_VERSION} with GDS {gds} "
            f"{'already running' if neo_was_up else 'started'} on bolt://127.0.0.1:"
            f"{self.neo4j.bolt_port} (pid {self.neo4j.pid()})."
        )
        self.kafka.wait_ready(f"127.0.0.1:{self.kafka.port}", self.settings.stack_timeout_s)
        timings["kafka"] = time.monotonic() - t0
        say(
            f"Kafka {versions.KAFKA_VERSION} {'already running' if kafka_was_up else 'started'}"
            f" on 127.0.0.1:{self.kafka.port} (pid {self.kafka.pid()})."
        )
        return timings

    def down(self, say: Callable[[str], None] = print) -> None:
        """Stop Kafka, then Neo4j (which checkpoints before exiting)."""
        for name, server in (("Kafka", self.kafka), ("Neo4j", self.neo4j)):
            pid = server.pid()
            if pid is None:
                say(f"{name} is not running.")
                continue
            server.stop()
            say(f"{name} stopped (was pid {pid}).")

    def is_up(self) -> bool:
        return self.neo4j.pid() is not None and self.kafka.pid() is not None

    def status(self) -> list[ServiceStatus]:
        gds_version = "-"
        if self.neo4j.pid() is not None and self.neo4j.password_file.exists():
            try:
                gds_version = self.neo4j.wait_ready(5)
            except RingwatchError:
                gds_version = "not answering"
        return [
            ServiceStatus(
                f"Neo4j Community {versions.NEO4J_VERSION}",
                f"GDS {gds_version}",
                f"bolt://127.0.0.1:{self.neo4j.bolt_port}",
                self.neo4j.pid(),
                dir_bytes(self.neo4j.data_dir),
            ),
            ServiceStatus(
                f"Kafka {versions.KAFKA_VERSION} (KRaft)",
                "-",
                f"127.0.0.1:{self.kafka.port}",
                self.kafka.pid(),
                dir_bytes(self.kafka.data_dir),
            ),
        ]

    def jar_cache_bytes(self) -> int:
        return jar_cache_bytes(self.settings.stack_dir)
