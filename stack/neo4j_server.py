"""Run the assembled Neo4j Community server with Neo4j's own boot loader.

``org.neo4j.server.startup.Neo4jCommand`` is what the official ``bin/neo4j`` script runs: it
reads ``neo4j.conf`` (including the JVM flags below), starts the server as a daemon with a
PID file, and on ``stop`` waits for a clean shutdown with a checkpoint.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from ringwatch.errors import RingwatchError
from stack.process import port_open, read_pid

# The JVM flags Neo4j's default neo4j.conf carries; a hand-made launch needs them too.
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
]
DEFAULT_PASSWORD = "neo4j"


class Neo4jServer:
    """The local Neo4j under ``<stack_dir>/neo4j``."""

    def __init__(
        self, stack_dir: Path, java_home: str | None, bolt_port: int, heap: str, pagecache: str
    ) -> None:
        self.home = stack_dir / "neo4j"
        self.logs = stack_dir / "logs"
        self.password_file = stack_dir / "neo4j.password"
        self.java_home = java_home
        self.bolt_port = bolt_port
        self.heap = heap
        self.pagecache = pagecache

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def pid(self) -> int | None:
        return read_pid(self.pid_file)

    def write_config(self) -> None:
        """Write a minimal neo4j.conf: Bolt on loopback only, HTTP off, auth on, gds.* allowed."""
        conf = self.home / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        for sub in ("data", "run", "import"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        lines = [
            f"server.directories.data={self.home / 'data'}",
            f"server.directories.logs={self.logs}",
            f"server.directories.plugins={self.home / 'plugins'}",
            f"server.directories.lib={self.home / 'lib'}",
            f"server.directories.run={self.home / 'run'}",
            f"server.directories.import={self.home / 'import'}",
            "server.default_listen_address=127.0.0.1",
            "server.bolt.enabled=true",
            f"server.bolt.listen_address=127.0.0.1:{self.bolt_port}",
            "server.http.enabled=false",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            "dbms.security.procedures.unrestricted=gds.*",
            f"server.memory.heap.initial_size={self.heap}",
            f"server.memory.heap.max_size={self.heap}",
            f"server.memory.pagecache.size={self.pagecache}",
            "dbms.usage_report.enabled=false",
            "db.transaction.timeout=0",
            # Keep 1 GB of transaction logs (crash recovery only needs those since the last
            # checkpoint); the default keeps two days, tens of GB after a few large loads.
            "db.tx_log.rotation.retention_policy=1G size",
            *(f"server.jvm.additional={flag}" for flag in JVM_FLAGS),
        ]
        (conf / "neo4j.conf").write_text("\n".join(lines) + "\n")

    def _command(self, action: str, timeout: float) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.home / "conf"))
        if self.java_home:
            env["JAVA_HOME"] = self.java_home
        java = str(Path(self.java_home) / "bin" / "java") if self.java_home else "java"
        cmd = [
            java,
            "-cp",
            str(self.home / "lib" / "*"),
            "org.neo4j.server.startup.Neo4jCommand",
            action,
        ]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)

    def admin(self, args: list[str], say: Callable[[str], None] = print) -> int:
        """Run ``neo4j-admin ARGS`` (Neo4j's own admin launcher, on this server's
        configuration) with the server's heap, passing each output line to ``say``; the exit
        status. The server must be stopped for commands that write a database."""
        env = dict(
            os.environ,
            NEO4J_HOME=str(self.home),
            NEO4J_CONF=str(self.home / "conf"),
            HEAP_SIZE=self.heap,
        )
        if self.java_home:
            env["JAVA_HOME"] = self.java_home
        java = str(Path(self.java_home) / "bin" / "java") if self.java_home else "java"
        launcher = "org.neo4j.server.startup.Neo4jAdminCommand"
        cmd = [java, "-cp", str(self.home / "lib" / "*"), launcher, *args]
        with subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.strip():
                    say(line.rstrip())
            return proc.wait()

    def start(self) -> None:
        """Start the daemon (no-op if already running) and make sure a password exists."""
        if not self.password_file.exists():
            self.password_file.parent.mkdir(parents=True, exist_ok=True)
            self.password_file.touch(mode=0o600)
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
        if self.pid():
            return
        self.write_config()
        proc = self._command("start", timeout=120)
        if proc.returncode != 0:
            raise RingwatchError(
                "Neo4j did not start: "
                + (proc.stderr or proc.stdout).strip()[-800:]
                + f"\nSee {self.logs / 'neo4j.log'}."
            )

    def stop(self, timeout_s: float = 120) -> None:
        """Stop cleanly (Neo4j checkpoints before it exits)."""
        if self.pid():
            self._command("stop", timeout=timeout_s + 30)

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def wait_ready(self, timeout_s: float) -> str:
        """Wait until Bolt answers and GDS is loaded; set the generated password on first start.

        Returns the GDS version.
        """
        deadline = time.monotonic() + timeout_s
        uri = f"bolt://127.0.0.1:{self.bolt_port}"
        last_error = ""
        while time.monotonic() < deadline:
            if self.pid() is None:
                raise RingwatchError(
                    f"Neo4j exited during start-up. See {self.logs / 'neo4j.log'} "
                    f"and {self.logs / 'debug.log'}."
                )
            if port_open(self.bolt_port):
                try:
                    return self._gds_version(uri)
                except ServiceUnavailable as exc:
                    last_error = str(exc)
            time.sleep(1)
        raise RingwatchError(
            f"Neo4j did not answer on {uri} within {timeout_s:.0f} s ({last_error}). "
            f"See {self.logs / 'neo4j.log'}; raise RINGWATCH_STACK_TIMEOUT on a slow machine."
        )

    def _gds_version(self, uri: str) -> str:
        password = self.password()
        try:
            with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
                records, _, _ = driver.execute_query("RETURN gds.version() AS v")
                return str(records[0]["v"])
        except AuthError:
            pass
        # First start: the built-in user still has the default password; set ours.
        try:
            with GraphDatabase.driver(uri, auth=("neo4j", DEFAULT_PASSWORD)) as driver:
                driver.execute_query(
                    "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                    old=DEFAULT_PASSWORD,
                    new=password,
                    database_="system",
                )
        except AuthError:
            raise RingwatchError(
                f"Neo4j rejected the password in {self.password_file}. If you changed it, put "
                "it back, or stop the stack and delete var/stack/neo4j/data to start afresh."
            ) from None
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            records, _, _ = driver.execute_query("RETURN gds.version() AS v")
            return str(records[0]["v"])
