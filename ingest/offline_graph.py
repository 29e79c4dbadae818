"""The graph the online loaders build, computed in pandas from validated rows (pure, no I/O).

``ringwatch load --offline`` hands these tables to ``neo4j-admin database import``. Each
table reproduces what the ingest Cypher (``cypher/ingest/*.cypher``), run in ``LOAD_ORDER``
on an empty graph, leaves behind:

- entities are MERGEd on their id and SET from each row, so the **last** row of an id wins;
  a holder first seen in ``chaves_pix`` keeps the **first** row's name (``ON CREATE SET``),
  and limits keep the row with the latest ``data_atualizacao`` (the last of equal ones);
- events (logins, transactions) keep the **first** row of an id; the keys, devices and
  accounts they name exist as bare nodes (id only) when no dataset describes them;
- relationships that are MERGEd exist once per pair; those CREATEd with an event, once per
  event;
- a transaction gets one ``PIX`` edge per (origin account, destination account) path
  key -> holder <- account, as the write and the linking step match it, and the label
  ``Unlinked`` when it has none; a fraud report on an unknown transaction leaves an
  ``Unlinked`` transaction with its id only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data import schema

# Column kinds for the importer's header (``name:type``); text needs no type.
DATETIME = "localdatetime"
DOUBLE = "double"
LONG = "long"


@dataclass(frozen=True)
class NodeTable:
    """Nodes of one label: ``id`` is the natural id column, ``types`` the typed properties."""

    label: str
    id: str
    frame: pd.DataFrame
    types: dict[str, str] = field(default_factory=dict)
    extra_label: str | None = None  # column of a second label (or null), e.g. Unlinked


@dataclass(frozen=True)
class RelTable:
    """Relationships of one type from ``start`` label ids to ``end`` label ids (first two
    columns of ``frame``), with the remaining columns as properties."""

    type: str
    start: str
    end: str
    frame: pd.DataFrame
    types: dict[str, str] = field(default_factory=dict)


@dataclass
class GraphTables:
    nodes: list[NodeTable] = field(default_factory=list)
    relationships: list[RelTable] = field(default_factory=list)

    @property
    def elements(self) -> int:
        return sum(len(n.frame) for n in self.nodes) + sum(len(r.frame) for r in self.relationships)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def complete(dataset: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """A dataset's validated rows with every column the tables read: an optional column
    the file lacks (the login ip) is None throughout; no rows at all give an empty frame."""
    columns = list(schema.COLUMNS[dataset]) + list(schema.EXTRA_COLUMNS.get(dataset, {}))
    columns += [original for _, original in schema.FALLBACKS.get(dataset, {}).values()]
    if frame is None:
        return _empty(columns)
    absent = {c: None for c in columns if c not in frame}
    return frame.assign(**absent) if absent else frame


@dataclass(frozen=True)
class StreamedLogins:
    """What the other tables need from logins whose own tables were written while they were
    validated (``ingest.offline_stream``): the accounts and devices the first row of each
    login names, distinct, in first-seen order."""

    accounts: pd.Series
    devices: pd.Series


def ids(*series: pd.Series) -> pd.Series:
    """Distinct non-null ids, in first-seen order."""
    joined = pd.concat([s.dropna() for s in series], ignore_index=True)
    return pd.Series(joined.drop_duplicates().to_numpy(dtype=object), dtype=object)


def _with_bare(described: pd.DataFrame, key: str, *mentioned: pd.Series) -> pd.DataFrame:
    """``described`` (one row per ``key``) plus a row with only ``key`` for every id that is
    only mentioned elsewhere (a MERGE that created a bare node)."""
    extra = ids(*mentioned)
    extra = extra[~extra.isin(described[key])]
    if extra.empty:
        return described.reset_index(drop=True)
    bare = pd.DataFrame({key: extra.to_numpy(dtype=object)})
    return pd.concat([described, bare], ignore_index=True)


def _rows(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """``frame[keep]``, or ``frame`` itself when every row is kept: a boolean selection
    copies every column, which for ten million transfers or logins is gigabytes."""
    return frame if bool(keep.all()) else frame[keep]


def first(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The first row of each ``key`` (``drop_duplicates(key)``), without a copy when the
    ids are already distinct."""
    return _rows(frame, ~frame.duplicated(key, keep="first"))


def _pairs(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Distinct (start, end) pairs: what a relationship MERGE leaves."""
    return frame[[start, end]].drop_duplicates().reset_index(drop=True)


def _tipo_pessoa(documents: pd.Series) -> pd.Series:
    person = (documents.str.len() == 11).to_numpy(dtype=bool, na_value=False)
    return pd.Series(np.where(person, "PF", "PJ"), index=documents.index, dtype=object)


def login_tables(logins: pd.DataFrame) -> tuple[list[NodeTable], list[RelTable]]:
    """Login and IP nodes, and the BY, ON_DEVICE and FROM_IP relationships created with each
    login, from logins with one row per ``id_log`` (the first: events keep their first row).
    Their USED_DEVICE summaries are ``used_device_parts``, since they span every login."""
    nodes = [
        NodeTable(
            "Login",
            "id_log",
            logins[["id_log", "timestamp", "tipo_autenticacao", "status"]].rename(
                columns={"tipo_autenticacao": "tipo"}
            ),
            {"timestamp": DATETIME},
        )
    ]
    with_ip = _rows(logins, logins["ip"].notna())
    nodes.append(NodeTable("IP", "address", pd.DataFrame({"address": ids(with_ip["ip"])})))
    rels = []
    for rel, end, column, frame in (
        ("BY", "Account", "id_usuario", logins),
        ("ON_DEVICE", "Device", "id_dispositivo", logins),
        ("FROM_IP", "IP", "ip", with_ip),
    ):
        edges = frame[["id_log", column]].reset_index(drop=True)
        rels.append(RelTable(rel, "Login", end, edges))
    return nodes, rels


USED_DEVICE_COLUMNS = [
    "id_usuario",
    "id_dispositivo",
    "first_seen",
    "last_seen",
    "first_ok",
    "logins",
    "failed",
]
USED_DEVICE_TYPES = {
    "first_seen": DATETIME,
    "last_seen": DATETIME,
    "first_ok": DATETIME,
    "logins": LONG,
    "failed": LONG,
}


def used_device_parts(logins: pd.DataFrame) -> pd.DataFrame:
    """Per (account, device) of these logins: first and last login, first successful login,
    logins and failed logins (``USED_DEVICE_COLUMNS``, sorted by account and device). The
    timestamps are validated ISO text, so their order as text is their order in time."""
    if logins.empty:
        return _empty(USED_DEVICE_COLUMNS)
    frame = pd.DataFrame(
        {
            "id_usuario": logins["id_usuario"].to_numpy(dtype=object),
            "id_dispositivo": logins["id_dispositivo"].to_numpy(dtype=object),
            "first_seen": logins["timestamp"].to_numpy(dtype=object),
            "last_seen": logins["timestamp"].to_numpy(dtype=object),
            "first_ok": logins["timestamp"].where(logins["status"] == "sucesso").to_numpy(object),
            "logins": np.ones(len(logins), dtype=np.int64),
            "failed": (logins["status"] == "falha").to_numpy(dtype=np.int64),
        }
    )
    return combine_used_devices([frame])


def combine_used_devices(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """``used_device_parts`` of several sets of logins, as if of all of them at once."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return _empty(USED_DEVICE_COLUMNS)
    joined = pd.concat(frames, ignore_index=True)
    grouped = joined.groupby(["id_usuario", "id_dispositivo"], sort=True)
    out = pd.DataFrame(
        {
            "first_seen": grouped["first_seen"].min(),
            "last_seen": grouped["last_seen"].max(),
            # A pair without a successful login has no first_ok (a missing property).
            "first_ok": grouped["first_ok"].min(),
            "logins": grouped["logins"].sum(),
            "failed": grouped["failed"].sum(),
        }
    ).reset_index()
    return out[USED_DEVICE_COLUMNS]


def used_device_table(used: pd.DataFrame) -> RelTable:
    """The USED_DEVICE relationships, one per (account, device) that logged in."""
    return RelTable("USED_DEVICE", "Account", "Device", used, USED_DEVICE_TYPES)


def build_graph(
    valid: dict[str, pd.DataFrame], streamed: StreamedLogins | None = None
) -> GraphTables:
    """Nodes and relationships of the graph the online loaders build from these validated
    rows (``ingest.validate.validate(...).valid`` per dataset; absent datasets are empty).

    With ``streamed``, the logins' own tables were already written (``valid`` holds no
    logins) and are left out; the accounts and devices they name are still created."""
    g = GraphTables()
    for table in graph_tables(dict(valid), streamed):
        if isinstance(table, NodeTable):
            g.nodes.append(table)
        else:
            g.relationships.append(table)
    return g


def graph_tables(
    valid: dict[str, pd.DataFrame], streamed: StreamedLogins | None = None
) -> Iterator[NodeTable | RelTable]:
    """``build_graph``'s tables one at a time, in its order, for a caller that writes each
    and lets it go: each dataset is taken out of ``valid`` (which ends up empty) and
    released after its last table, so that the rows and the tables are not all held at
    once (ten million transfers make several gigabytes of intermediate tables)."""
    users = complete(schema.USUARIOS, valid.pop(schema.USUARIOS, None))
    keys = complete(schema.CHAVES, valid.pop(schema.CHAVES, None))
    devices = complete(schema.DISPOSITIVOS, valid.pop(schema.DISPOSITIVOS, None))
    limits = complete(schema.LIMITES, valid.pop(schema.LIMITES, None))
    logins = first(complete(schema.LOGS, valid.pop(schema.LOGS, None)), "id_log")
    if streamed is None:
        login_accounts, login_devices = logins["id_usuario"], logins["id_dispositivo"]
    else:
        login_accounts, login_devices = streamed.accounts, streamed.devices
    txs = first(complete(schema.TRANSACOES, valid.pop(schema.TRANSACOES, None)), "id_transacao")
    frauds = complete(schema.FRAUDES, valid.pop(schema.FRAUDES, None))
    valid.clear()

    # Accounts: usuarios (last row wins), limits (latest update wins), bare ones otherwise.
    accounts = users.drop_duplicates("id_usuario", keep="last")[
        ["id_usuario", "data_cadastro", "status"]
    ]
    latest = limits.sort_values("data_atualizacao", kind="stable").drop_duplicates(
        "id_usuario", keep="last"
    )
    del limits
    latest = latest.rename(columns={"data_atualizacao": "limite_atualizado"})[
        ["id_usuario", "limite_diario", "limite_por_transacao", "limite_atualizado"]
    ]
    accounts = accounts.merge(latest, on="id_usuario", how="outer", sort=False)
    del latest
    accounts = _with_bare(accounts, "id_usuario", devices["id_usuario"], login_accounts)
    del login_accounts
    yield NodeTable(
        "Account",
        "id_usuario",
        accounts,
        {
            "data_cadastro": DATETIME,
            "limite_diario": DOUBLE,
            "limite_por_transacao": DOUBLE,
            "limite_atualizado": DATETIME,
        },
    )
    del accounts

    # Holders: usuarios SET the name (last row wins); a holder only chaves_pix knows keeps
    # the name of its first key row (ON CREATE SET).
    holders = users.drop_duplicates("cpf_cnpj", keep="last")[["cpf_cnpj", "nome"]]
    key_only = keys[~keys["cpf_cnpj"].isin(holders["cpf_cnpj"])]
    key_only = key_only.drop_duplicates("cpf_cnpj", keep="first")[["cpf_cnpj", "nome_titular"]]
    holders = pd.concat(
        [holders, key_only.rename(columns={"nome_titular": "nome"})], ignore_index=True
    )
    del key_only
    holders["tipo_pessoa"] = _tipo_pessoa(holders["cpf_cnpj"])
    yield NodeTable("Holder", "cpf_cnpj", holders)
    del holders
    held_by = _pairs(users, "id_usuario", "cpf_cnpj")
    yield RelTable("HELD_BY", "Account", "Holder", held_by)

    for label, column, prop, rel in (
        ("Phone", "telefone", "number", "HAS_PHONE"),
        ("Email", "email", "address", "HAS_EMAIL"),
    ):
        named = users[users[column].notna()]
        yield NodeTable(label, prop, pd.DataFrame({prop: ids(named[column])}))
        yield RelTable(rel, "Account", label, _pairs(named, "id_usuario", column))
        del named
    del users

    # Pix keys: chaves_pix (last row wins), bare keys that only transactions name.
    described = keys.drop_duplicates("chave_pix", keep="last")[
        ["chave_pix", "tipo_chave", "status", "data_cadastro"]
    ].rename(columns={"chave_pix": "chave", "tipo_chave": "tipo"})
    pix_keys = _with_bare(described, "chave", txs["chave_pix_origem"], txs["chave_pix_destino"])
    del described
    yield NodeTable("PixKey", "chave", pix_keys, {"data_cadastro": DATETIME})
    del pix_keys
    registered = _pairs(keys, "chave_pix", "cpf_cnpj")
    del keys
    yield RelTable("REGISTERED_TO", "PixKey", "Holder", registered)

    # Devices: dispositivos (last row wins), bare devices that only logins name.
    described = devices.drop_duplicates("id_dispositivo", keep="last")[
        ["id_dispositivo", "tipo_dispositivo", "status", "data_registro"]
    ].rename(columns={"tipo_dispositivo": "tipo"})
    yield NodeTable(
        "Device",
        "id_dispositivo",
        _with_bare(described, "id_dispositivo", login_devices),
        {"data_registro": DATETIME},
    )
    del described, login_devices
    yield RelTable(
        "REGISTERED_DEVICE", "Account", "Device", _pairs(devices, "id_usuario", "id_dispositivo")
    )
    del devices

    # Logins: first row of an id; BY, ON_DEVICE and FROM_IP created with each.
    if streamed is None:
        nodes, rels = login_tables(logins)
        yield from nodes
        yield from rels
        del nodes, rels
        yield used_device_table(used_device_parts(logins))
    del logins

    # Transactions: first row of an id, FROM_KEY/TO_KEY, and one PIX edge per path
    # key -> holder <- account at each end (what the write and link_transfers match).
    key_accounts = registered.merge(held_by, on="cpf_cnpj")[["chave_pix", "id_usuario"]]
    del registered, held_by
    ends = txs[["id_transacao", "chave_pix_origem", "chave_pix_destino"]]
    src = ends.merge(
        key_accounts.rename(columns={"chave_pix": "chave_pix_origem", "id_usuario": "src"}),
        on="chave_pix_origem",
    )
    del ends
    both = src.merge(
        key_accounts.rename(columns={"chave_pix": "chave_pix_destino", "id_usuario": "dst"}),
        on="chave_pix_destino",
    )
    del src, key_accounts
    props = txs[["id_transacao", "valor", "timestamp", "status"]]
    pix = both[["src", "dst", "id_transacao"]].merge(props, on="id_transacao", how="left")
    del both, props
    yield RelTable("PIX", "Account", "Account", pix, {"valor": DOUBLE, "timestamp": DATETIME})
    linked_ids = pix["id_transacao"]
    del pix
    transactions = txs[["id_transacao", "timestamp", "valor", "tipo_transacao", "status"]].rename(
        columns={"tipo_transacao": "tipo"}
    )
    transactions = _with_bare(transactions, "id_transacao", frauds["id_transacao"])
    # Hash look-ups in pandas: a Python set of ten million ids is over a gigabyte.
    linked = transactions["id_transacao"].isin(linked_ids).to_numpy(dtype=bool)
    del linked_ids
    unlinked = np.full(len(linked), "Unlinked", dtype=object)
    unlinked[linked] = None
    del linked
    transactions["extra_label"] = unlinked
    del unlinked
    yield NodeTable(
        "Transaction",
        "id_transacao",
        transactions,
        {"timestamp": DATETIME, "valor": DOUBLE},
        extra_label="extra_label",
    )
    del transactions
    for rel, column in (("FROM_KEY", "chave_pix_origem"), ("TO_KEY", "chave_pix_destino")):
        yield RelTable(
            rel, "Transaction", "PixKey", txs[["id_transacao", column]].reset_index(drop=True)
        )
    del txs

    # Frauds: last row wins; REPORTS once per (fraud, transaction).
    fraud_nodes = frauds.drop_duplicates("id_fraude", keep="last")[
        [
            "id_fraude",
            "tipo_fraude",
            "tipo_fraude_original",
            "data_deteccao",
            "valor_fraude",
            "status",
        ]
    ].rename(
        columns={
            "tipo_fraude": "tipo",
            "tipo_fraude_original": "tipo_original",
            "valor_fraude": "valor",
        }
    )
    yield NodeTable("Fraud", "id_fraude", fraud_nodes, {"data_deteccao": DATETIME, "valor": DOUBLE})
    yield RelTable("REPORTS", "Fraud", "Transaction", _pairs(frauds, "id_fraude", "id_transacao"))
