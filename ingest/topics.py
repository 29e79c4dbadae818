"""Kafka topics of the stream loader: one per dataset plus the dead-letter topic.

A message is one dataset row as a JSON object keyed by the entity id. Topic names are
``<prefix>.<suffix>`` (prefix ``pix`` by default; tests use their own prefix so runs never
share topics). The broker does not auto-create topics, so ``ensure_topics`` creates them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Final

from data import schema
from ringwatch.errors import RingwatchError

DEFAULT_PREFIX: Final = "pix"
DEFAULT_PARTITIONS: Final = 4

# Dataset -> topic suffix, in the writer's load order.
SUFFIXES: Final[dict[str, str]] = {
    schema.USUARIOS: "usuarios",
    schema.CHAVES: "chaves",
    schema.DISPOSITIVOS: "dispositivos",
    schema.LIMITES: "limites",
    schema.LOGS: "autenticacoes",
    schema.TRANSACOES: "transacoes",
    schema.FRAUDES: "fraudes",
}
_DATASET_OF_SUFFIX: Final = {suffix: dataset for dataset, suffix in SUFFIXES.items()}
DLQ_SUFFIX: Final = "dlq"

# The column whose value is the message key (the entity id): one entity, one partition.
KEY_COLUMNS: Final[dict[str, str]] = {
    schema.USUARIOS: "id_usuario",
    schema.CHAVES: "chave_pix",
    schema.DISPOSITIVOS: "id_dispositivo",
    schema.LIMITES: "id_usuario",
    schema.LOGS: "id_usuario",
    schema.TRANSACOES: "id_transacao",
    schema.FRAUDES: "id_fraude",
}

# The column that says when a row's event happened (the replay order of `ringwatch produce`).
EVENT_COLUMNS: Final[dict[str, str]] = {
    schema.USUARIOS: "data_cadastro",
    schema.CHAVES: "data_cadastro",
    schema.DISPOSITIVOS: "data_registro",
    schema.LIMITES: "data_atualizacao",
    schema.LOGS: "timestamp",
    schema.TRANSACOES: "timestamp",
    schema.FRAUDES: "data_deteccao",
}


@dataclass(frozen=True)
class Topics:
    """The topic names under one prefix."""

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if not self.prefix or not all(c.isalnum() or c in "._-" for c in self.prefix):
            raise RingwatchError(
                f"Topic prefix {self.prefix!r} is not valid: use letters, digits, '.', '_', '-'."
            )

    def of(self, dataset: str) -> str:
        """The topic that carries ``dataset``."""
        return f"{self.prefix}.{SUFFIXES[dataset]}"

    @property
    def dlq(self) -> str:
        return f"{self.prefix}.{DLQ_SUFFIX}"

    @property
    def data(self) -> list[str]:
        """The seven dataset topics, in load order."""
        return [self.of(d) for d in SUFFIXES]

    @property
    def all(self) -> list[str]:
        return [*self.data, self.dlq]

    def dataset_of(self, topic: str) -> str | None:
        """The dataset a topic carries, or None for a topic that is not ours."""
        prefix, dot, suffix = topic.rpartition(".")
        if not dot or prefix != self.prefix:
            return None
        return _DATASET_OF_SUFFIX.get(suffix)


def ensure_topics(
    bootstrap: str,
    names: list[str],
    partitions: int = DEFAULT_PARTITIONS,
    replication: int = 1,
) -> list[str]:
    """Create the topics in ``names`` that do not exist yet; returns the ones created."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=10_000)
    except KafkaError as exc:
        raise RingwatchError(
            f"Kafka is not reachable at {bootstrap} ({exc}): start the local stack with "
            "`ringwatch stack up` or check KAFKA_BOOTSTRAP_SERVERS."
        ) from None
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            # another producer or loader may have created them meanwhile
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [NewTopic(n, partitions, replication) for n in missing],
                    wait_for_metadata=True,
                )
        return missing
    finally:
        admin.close()


def delete_topics(bootstrap: str, names: list[str]) -> None:
    """Delete the topics in ``names`` that exist (used by tests and benchmarks)."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=10_000)
    try:
        existing = set(admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            admin.delete_topics(doomed)
    finally:
        admin.close()
