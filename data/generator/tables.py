"""Column-oriented record batches the generator passes between stages.

Holders, keys and devices are referred to by internal integer indices; the writer turns them
into ids and strings. Each batch is a dataclass of equal-length numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self

import numpy as np

from data.schema import TIPO_TRANSACAO

TX_TYPE = {name: i for i, name in enumerate(TIPO_TRANSACAO)}

# Why a transaction exists (internal only, never written).
ORDINARY = 0  # everyday behaviour; the Pix limits apply
VICTIM = 1  # an ordinary holder paying into a ring (deceived); the limits apply
RING = 2  # a ring member moving illicit money
DRAIN = 3  # a taken-over account drained by the attacker
REFUND = 4  # money returned after a MED claim


@dataclass
class Batch:
    """Equal-length arrays; subclasses list their columns as fields."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    @classmethod
    def concat(cls, parts: list[Self]) -> Self:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def take(self, idx: np.ndarray) -> Self:
        return type(self)(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def reorder(self, idx: np.ndarray) -> None:
        """Permute rows in place, one column at a time (keeps peak memory low)."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name)[idx])


@dataclass
class Txs(Batch):
    """Money movements between holders."""

    src: np.ndarray  # int64 holder
    dst: np.ndarray  # int64 holder
    ts: np.ndarray  # int64 seconds
    cents: np.ndarray  # int64
    tipo: np.ndarray  # int8 index into TIPO_TRANSACAO
    origin: np.ndarray  # int8 ORDINARY..REFUND
    status: np.ndarray  # int8 index into STATUS_TRANSACAO
    ring: np.ndarray  # int32 ring number, -1 outside rings
    device: np.ndarray  # int64 physical device forced for the session, -1 = holder's own
    ip: np.ndarray  # int64 IP forced for the session, -1 = holder's usual

    @classmethod
    def build(
        cls,
        src: np.ndarray,
        dst: np.ndarray,
        ts: np.ndarray,
        cents: np.ndarray,
        tipo: str | np.ndarray,
        origin: np.ndarray | int = ORDINARY,
        status: np.ndarray | int = 0,
        ring: int = -1,
        device: np.ndarray | int = -1,
        ip: np.ndarray | int = -1,
    ) -> Txs:
        n = len(src)

        def full(v: np.ndarray | int, dtype: type) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()

        tipo_arr = full(TX_TYPE[tipo], np.int8) if isinstance(tipo, str) else tipo.astype(np.int8)
        return cls(
            src=np.asarray(src, dtype=np.int64),
            dst=np.asarray(dst, dtype=np.int64),
            ts=np.asarray(ts, dtype=np.int64),
            cents=np.asarray(cents, dtype=np.int64),
            tipo=tipo_arr,
            origin=full(origin, np.int8),
            status=full(status, np.int8),
            ring=full(ring, np.int32),
            device=full(device, np.int64),
            ip=full(ip, np.int64),
        )

    @classmethod
    def empty(cls) -> Txs:
        z = np.zeros(0, dtype=np.int64)
        return cls.build(z, z, z, z, np.zeros(0, dtype=np.int8))


@dataclass
class Logins(Batch):
    """Authentication events (log_autenticacao)."""

    user: np.ndarray  # int64 holder
    ts: np.ndarray  # int64 seconds
    device: np.ndarray  # int64 physical device
    ip: np.ndarray  # int64 IPv4 as integer
    auth: np.ndarray  # int8 index into TIPO_AUTENTICACAO
    ok: np.ndarray  # bool

    @classmethod
    def empty(cls) -> Logins:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z.astype(np.int8), z.astype(bool))


@dataclass
class Devices(Batch):
    """Device-holder bindings (dispositivos): one physical device may serve several holders."""

    device: np.ndarray  # int64 physical device
    user: np.ndarray  # int64 holder
    kind: np.ndarray  # int8 index into TIPO_DISPOSITIVO
    registered: np.ndarray  # int64 seconds, first seen for this holder
    status: np.ndarray  # int8 index into STATUS_DISPOSITIVO

    @classmethod
    def empty(cls) -> Devices:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z.astype(np.int8), z, z.astype(np.int8))
