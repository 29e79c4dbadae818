"""Run the assembled Kafka 4 broker: one KRaft node that is both broker and controller."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ringwatch.errors import RingwatchError
from stack.process import read_pid, stop_pid


class KafkaServer:
    """The local Kafka under ``<stack_dir>/kafka``."""

    def __init__(
        self, stack_dir: Path, java: str, port: int, controller_port: int, heap: str
    ) -> None:
        self.home = stack_dir / "kafka"
        self.logs = stack_dir / "logs"
        self.java = java
        self.port = port
        self.controller_port = controller_port
        self.heap = heap

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def properties_file(self) -> Path:
        return self.home / "config" / "server.properties"

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def write_config(self) -> None:
        self.properties_file.parent.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        host = "127.0.0.1"
        lines = [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers={host}:{self.controller_port}",
            f"listeners=PLAINTEXT://{host}:{self.port},CONTROLLER://{host}:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://{host}:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={self.data_dir}",
            "num.partitions=4",
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            # 2 MB messages at most: the stream loader dead-letters anything larger.
            "message.max.bytes=2097152",
        ]
        self.properties_file.write_text("\n".join(lines) + "\n")

    def _classpath(self) -> str:
        return str(self.home / "libs" / "*")

    def _format_storage(self) -> None:
        """Format the KRaft log directory once; later starts reuse it (data survives)."""
        if (self.data_dir / "meta.properties").exists():
            return
        cp = self._classpath()
        cluster = (
            subprocess.run(
                [self.java, "-cp", cp, "kafka.tools.StorageTool", "random-uuid"],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        proc = subprocess.run(
            [
                self.java,
                "-cp",
                cp,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster,
                "-c",
                str(self.properties_file),
                "--standalone",
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RingwatchError(f"Kafka storage format failed: {proc.stderr.strip()[-600:]}")

    def start(self) -> None:
        if self.pid():
            return
        self.write_config()
        self._format_storage()
        log = (self.logs / "kafka.log").open("ab")
        proc = subprocess.Popen(
            [
                self.java,
                f"-Xms{self.heap}",
                f"-Xmx{self.heap}",
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                "-cp",
                self._classpath(),
                "kafka.Kafka",
                str(self.properties_file),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.pid_file.write_text(f"{proc.pid}\n")

    def stop(self, timeout_s: float = 60) -> None:
        pid = self.pid()
        if pid:
            stop_pid(pid, timeout_s)
        self.pid_file.unlink(missing_ok=True)

    def wait_ready(self, bootstrap: str, timeout_s: float) -> None:
        """Wait until the broker answers a topic listing."""
        from kafka.admin import KafkaAdminClient
        from kafka.errors import KafkaError

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.pid() is None:
                raise RingwatchError(
                    f"Kafka exited during start-up. See {self.logs / 'kafka.log'}."
                )
            try:
                admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
                try:
                    admin.list_topics()
                    return
                finally:
                    admin.close()
            except KafkaError:
                time.sleep(1)
        raise RingwatchError(
            f"Kafka did not answer on {bootstrap} within {timeout_s:.0f} s. "
            f"See {self.logs / 'kafka.log'}."
        )
