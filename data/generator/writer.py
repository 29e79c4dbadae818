"""Turn a `World` into the seven files plus the two ground-truth files (the only I/O).

Large tables are written in 1M-row chunks so memory stays bounded at large scales. CSV: no
quoting (no value contains a comma, quote or newline), timestamps as ``YYYY-MM-DDTHH:MM:SS``,
amounts with two decimals. Parquet: native ``timestamp[s]`` and ``float64`` amounts. Ground
truth is always CSV.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from data import schema
from data.generator.tables import Devices, Logins
from data.generator.text import Strings, ids, ipv4, money, pick, times
from data.generator.world import World

CHUNK = 1_000_000


def tables(w: World, s: Strings, fmt: str) -> Iterator[tuple[str, Iterator[pa.Table]]]:
    """(dataset, chunks of its table) for each of the seven datasets, in schema order."""
    yield schema.TRANSACOES, _transactions(w, s, fmt)
    yield schema.CHAVES, iter([_keys(w, s, fmt)])
    yield schema.USUARIOS, iter([_users(w, s, fmt)])
    yield schema.DISPOSITIVOS, iter([_devices(w, s, fmt)])
    yield schema.FRAUDES, iter([_fraudes(w, fmt)])
    yield schema.LIMITES, iter([_limits(w, s, fmt)])
    yield schema.LOGS, _logins(w, s, fmt)


def _enum(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pick(values, codes)


def _transactions(w: World, s: Strings, fmt: str) -> Iterator[pa.Table]:
    t = w.txs
    n = len(t)
    for lo in range(0, max(n, 1), CHUNK):
        sl = slice(lo, min(n, lo + CHUNK))
        yield pa.table(
            {
                "id_transacao": ids("id_transacao", np.arange(sl.start, sl.stop), n),
                "timestamp": times(t.ts[sl], fmt),
                "valor": money(t.cents[sl], fmt),
                "chave_pix_origem": s.key.take(pa.array(w.tx_key_src[sl])),
                "chave_pix_destino": s.key.take(pa.array(w.tx_key_dst[sl])),
                "tipo_transacao": _enum(schema.TIPO_TRANSACAO, t.tipo[sl]),
                "status": _enum(schema.STATUS_TRANSACAO, t.status[sl]),
            }
        )


def _keys(w: World, s: Strings, fmt: str) -> pa.Table:
    k = w.keys
    order = np.lexsort((np.arange(k.owner.size), k.registered))
    owner = pa.array(k.owner[order])
    return pa.table(
        {
            "chave_pix": s.key.take(pa.array(order)),
            "tipo_chave": _enum(schema.TIPO_CHAVE, k.kind[order]),
            "cpf_cnpj": s.doc.take(owner),
            "nome_titular": s.name.take(owner),
            "data_cadastro": times(k.registered[order], fmt),
            "status": _enum(schema.STATUS_CHAVE, k.status[order]),
        }
    )


def _users(w: World, s: Strings, fmt: str) -> pa.Table:
    order = pa.array(np.argsort(s.user_number))
    return pa.table(
        {
            "id_usuario": s.user_id.take(order),
            "cpf_cnpj": s.doc.take(order),
            "nome": s.name.take(order),
            "email": s.email.take(order),
            "telefone": s.phone.take(order),
            "data_cadastro": times(w.people.opened, fmt).take(order),
            "status": _enum(schema.STATUS_USUARIO, w.user_status).take(order),
        }
    )


def _devices(w: World, s: Strings, fmt: str) -> pa.Table:
    d = w.devices
    order = np.lexsort((s.user_number[d.user], d.device, d.registered))
    return pa.table(
        {
            "id_dispositivo": s.device_ids(d.device[order]),
            "id_usuario": s.user_id.take(pa.array(d.user[order])),
            "tipo_dispositivo": _enum(schema.TIPO_DISPOSITIVO, d.kind[order]),
            "data_registro": times(d.registered[order], fmt),
            "status": _enum(schema.STATUS_DISPOSITIVO, d.status[order]),
        }
    )


def _fraudes(w: World, fmt: str) -> pa.Table:
    f = w.fraudes
    return pa.table(
        {
            "id_fraude": ids("id_fraude", np.arange(f.tx.size), f.tx.size),
            "id_transacao": ids("id_transacao", f.tx, len(w.txs)),
            "tipo_fraude": _enum(schema.TIPO_FRAUDE, f.kind),
            "data_deteccao": times(f.detected, fmt),
            "valor_fraude": money(f.cents, fmt),
            "status": _enum(schema.STATUS_FRAUDE, f.status),
        }
    )


def _limits(w: World, s: Strings, fmt: str) -> pa.Table:
    order = np.argsort(s.user_number)
    return pa.table(
        {
            "id_usuario": s.user_id.take(pa.array(order)),
            "limite_diario": money(w.daily[order], fmt),
            "limite_por_transacao": money(w.per_tx[order], fmt),
            "data_atualizacao": times(w.limit_updated[order], fmt),
        }
    )


def _logins(w: World, s: Strings, fmt: str) -> Iterator[pa.Table]:
    g = w.logins
    n = len(g)
    for lo in range(0, max(n, 1), CHUNK):
        sl = slice(lo, min(n, lo + CHUNK))
        yield pa.table(
            {
                "id_log": ids("id_log", np.arange(sl.start, sl.stop), n),
                "id_usuario": s.user_id.take(pa.array(g.user[sl])),
                "timestamp": times(g.ts[sl], fmt),
                "tipo_autenticacao": _enum(schema.TIPO_AUTENTICACAO, g.auth[sl]),
                "status": _enum(schema.STATUS_AUTENTICACAO, np.where(g.ok[sl], 0, 1)),
                "id_dispositivo": s.device_ids(g.device[sl]),
                "ip": ipv4(g.ip[sl]),
            }
        )


def ground_truth(w: World, s: Strings) -> tuple[pa.Table, pa.Table]:
    """ground_truth_rings and ground_truth_lookalikes, sorted by group then account id."""
    p = w.planted
    n_rings = len(p.typology)
    order = np.lexsort((s.user_number[p.member], p.ring))
    rings = pa.table(
        {
            "ring_id": ids("ring_id", p.ring[order], n_rings),
            "id_usuario": s.user_id.take(pa.array(p.member[order])),
            "tipologia": pick(tuple(p.typology) or ("",), p.ring[order]),
        }
    )
    g = w.groups
    order = np.lexsort((s.user_number[g.member], g.group))
    looks = pa.table(
        {
            "group_id": ids("group_id", g.group[order], int(g.group.max(initial=0)) + 1),
            "id_usuario": s.user_id.take(pa.array(g.member[order])),
            "tipo": _enum(schema.LOOKALIKE_TYPES, g.gtype[order]),
        }
    )
    return rings, looks


def write_csv(path: Path, chunks: Iterator[pa.Table]) -> int:
    """Write chunks as one CSV with an unquoted header; returns the number of rows."""
    rows = 0
    options = pcsv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as out:
        writer = None
        for table in chunks:
            if writer is None:
                out.write((",".join(table.column_names) + "\n").encode())
                writer = pcsv.CSVWriter(out, table.schema, write_options=options)
            writer.write_table(table)
            rows += table.num_rows
        if writer is not None:
            writer.close()
    return rows


def write_parquet(path: Path, chunks: Iterator[pa.Table]) -> int:
    rows = 0
    writer = None
    for table in chunks:
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        rows += table.num_rows
    if writer is not None:
        writer.close()
    return rows


def write_world(
    w: World, out: Path, progress: Callable[[str], None] = lambda _: None
) -> dict[str, int]:
    """Write every file of the world into `out`; returns rows written per file name."""
    fmt = w.config.fmt
    if not w.config.devices:  # --no-devices: header-only device and login files
        w = dataclasses.replace(w, devices=Devices.empty(), logins=Logins.empty())
    out.mkdir(parents=True, exist_ok=True)
    pool = pa.default_memory_pool()
    progress("strings")
    s = Strings(w)
    pool.release_unused()  # hand temporaries back to the OS; large worlds are memory-bound
    counts: dict[str, int] = {}
    for dataset, chunks in tables(w, s, fmt):
        name = schema.file_name(dataset, fmt)
        progress(name)
        write = write_csv if fmt == "csv" else write_parquet
        counts[name] = write(out / name, chunks)
        pool.release_unused()
    progress("ground truth")
    rings, looks = ground_truth(w, s)
    counts[schema.GROUND_TRUTH_RINGS] = write_csv(out / schema.GROUND_TRUTH_RINGS, iter([rings]))
    counts[schema.GROUND_TRUTH_LOOKALIKES] = write_csv(
        out / schema.GROUND_TRUTH_LOOKALIKES, iter([looks])
    )
    return counts
