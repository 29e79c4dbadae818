"""The graph ceiling of the ingest benchmark: the graph ``ringwatch load`` builds, written with
plain UNWIND + CREATE and nothing else.

The raw ceiling writes one node per record and no relationship; the loaders write about
1.2 nodes and 2.3 relationships per record, so the raw ceiling says little about what the
loaders' idempotency and validation cost. This ceiling writes the same nodes and
relationships as the loaders, but:

- entities (accounts, holders, keys, devices, IPs, phones, e-mails) are de-duplicated in
  Python first and created once with CREATE (no MERGE);
- events and relationships are created with CREATE between nodes found by unique-index
  MATCH (no existence check, no placeholders, no ``:Unlinked`` pass);
- the PIX edges' accounts are resolved in pandas (key -> holder -> account) beforehand;
- the USED_DEVICE login summaries are computed in pandas (as the offline import does) and
  created once per account and device;
- nothing is validated and every property stays text.

The pandas preparation is not timed; the per-batch conversion of rows to parameter maps is,
as in the raw ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data import schema
from ingest.offline_graph import used_device_parts

# Relationship statements in the order they run (all nodes they connect exist by then).
REL_ORDER: tuple[str, ...] = (
    schema.USUARIOS,
    schema.CHAVES,
    schema.DISPOSITIVOS,
    schema.LOGS,
    "used_device",
    schema.TRANSACOES,
    "pix",
    schema.FRAUDES,
)


@dataclass
class CeilingPlan:
    """The nodes to create per label and the rows of each relationship statement."""

    nodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    rels: dict[str, pd.DataFrame] = field(default_factory=dict)


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text values with empty strings as missing."""
    return frame.astype(object).where(frame.notna() & (frame.astype(str) != ""), None)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as maps without their missing values (a missing property is simply absent)."""
    return [
        {k: v for k, v in row.items() if v is not None and v == v}  # v != v: NaN
        for row in frame.to_dict("records")
    ]


def _ids(*columns: pd.Series) -> pd.Series:
    return pd.concat(columns, ignore_index=True).dropna().drop_duplicates()


def plan(frames: dict[str, pd.DataFrame]) -> CeilingPlan:
    """What to create for ``frames`` (raw dataset rows); pure."""

    def frame(name: str) -> pd.DataFrame:
        columns = [*schema.COLUMNS[name], *schema.EXTRA_COLUMNS.get(name, {})]
        given = frames.get(name)
        return _text(given if given is not None else pd.DataFrame(columns=columns))

    users, keys, devices = frame(schema.USUARIOS), frame(schema.CHAVES), frame(schema.DISPOSITIVOS)
    logins, txs, frauds = frame(schema.LOGS), frame(schema.TRANSACOES), frame(schema.FRAUDES)
    limits = frame(schema.LIMITES)

    p = CeilingPlan()
    accounts = pd.DataFrame(
        {
            "id_usuario": _ids(
                users.id_usuario, devices.id_usuario, logins.id_usuario, limits.id_usuario
            )
        }
    )
    accounts = accounts.merge(
        users[["id_usuario", "data_cadastro", "status"]].drop_duplicates("id_usuario", keep="last"),
        how="left",
    )
    latest = limits.sort_values("data_atualizacao").drop_duplicates("id_usuario", keep="last")
    accounts = accounts.merge(
        latest.rename(columns={"data_atualizacao": "limite_atualizado"}), how="left"
    )
    p.nodes["Account"] = _text(accounts)
    holders = pd.concat(
        [
            users[["cpf_cnpj", "nome"]],
            keys[["cpf_cnpj", "nome_titular"]].rename(columns={"nome_titular": "nome"}),
        ],
        ignore_index=True,
    ).drop_duplicates("cpf_cnpj")
    p.nodes["Holder"] = holders
    p.nodes["Phone"] = pd.DataFrame({"number": _ids(users.telefone)})
    p.nodes["Email"] = pd.DataFrame({"address": _ids(users.email)})
    key_nodes = pd.concat(
        [
            keys[["chave_pix", "tipo_chave", "status", "data_cadastro"]],
            pd.DataFrame({"chave_pix": _ids(txs.chave_pix_origem, txs.chave_pix_destino)}),
        ],
        ignore_index=True,
    ).drop_duplicates("chave_pix")
    p.nodes["PixKey"] = _text(key_nodes.rename(columns={"chave_pix": "chave"}))
    device_nodes = pd.concat(
        [
            devices[["id_dispositivo", "tipo_dispositivo", "status", "data_registro"]],
            pd.DataFrame({"id_dispositivo": _ids(logins.id_dispositivo)}),
        ],
        ignore_index=True,
    ).drop_duplicates("id_dispositivo")
    p.nodes["Device"] = _text(device_nodes)
    p.nodes["IP"] = pd.DataFrame({"address": _ids(logins.ip)})
    reported = set(frauds.id_transacao.dropna()) - set(txs.id_transacao.dropna())
    p.nodes["Transaction"] = pd.DataFrame({"id_transacao": sorted(reported)}, dtype=object)

    p.rels[schema.USUARIOS] = users[["id_usuario", "cpf_cnpj", "telefone", "email"]]
    p.rels[schema.CHAVES] = keys[["chave_pix", "cpf_cnpj"]]
    p.rels[schema.DISPOSITIVOS] = devices[["id_dispositivo", "id_usuario"]]
    p.rels[schema.LOGS] = logins
    p.rels["used_device"] = _text(used_device_parts(logins))
    p.rels[schema.TRANSACOES] = txs
    p.rels["pix"] = _pix_edges(users, keys, txs)
    p.rels[schema.FRAUDES] = frauds
    return p


def _pix_edges(users: pd.DataFrame, keys: pd.DataFrame, txs: pd.DataFrame) -> pd.DataFrame:
    """One row per PIX edge the loaders create: every (origin account, destination account)
    pair reachable through key -> holder <- account."""
    owner = (
        keys[["chave_pix", "cpf_cnpj"]]
        .drop_duplicates()
        .merge(users[["cpf_cnpj", "id_usuario"]].drop_duplicates(), on="cpf_cnpj")[
            ["chave_pix", "id_usuario"]
        ]
    )
    edges = txs.merge(owner.rename(columns={"chave_pix": "chave_pix_origem", "id_usuario": "src"}))
    edges = edges.merge(
        owner.rename(columns={"chave_pix": "chave_pix_destino", "id_usuario": "dst"})
    )
    return edges[["src", "dst", "id_transacao", "valor", "timestamp", "status"]]


def write(gateway: Any, p: CeilingPlan, batch: int = 10_000) -> int:
    """Create the planned graph (one transaction per ``batch`` rows); returns rows written."""
    written = 0
    for label, frame in p.nodes.items():
        for start in range(0, len(frame), batch):
            rows = _rows(frame.iloc[start : start + batch])
            gateway.query("bench/ceiling/nodes", {"label": label, "rows": rows})
        written += len(frame)
    for name in REL_ORDER:
        frame = p.rels.get(name, pd.DataFrame())
        for start in range(0, len(frame), batch):
            gateway.query(
                f"bench/ceiling/{name}", {"rows": _rows(frame.iloc[start : start + batch])}
            )
        written += len(frame)
    return written
