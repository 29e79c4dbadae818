"""Account features for the mule models: bulk export from Neo4j, then pure functions over
DataFrames.

The export runs a handful of stored queries (``cypher/gnn/``), each over a batch of accounts
and returning one record of parallel lists (columns: the driver decodes a list of values far
faster than the same values as rows, and holds no dict per row), and one GDS projection of the
PIX graph (``gds_features``, in the style of ``graph/projections.py``); nothing is ever
queried one account at a time.
Every feature below is computed by a pure function from those frames, so the same code serves
full training/scoring and incremental scoring of a neighbourhood.

Times are epoch seconds of Brasilia local time (the source files' clock), so ``ts % 86400``
is the local time of day. Account.status and PixKey.status are never used: the bank blocks
the accounts and keys of confirmed cases, so they would leak the label.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph.gateway import Graph
from graph.projections import native_projection

DAY = 86_400
NIGHT_START_H, NIGHT_END_H = 20, 6  # Pix night period for individuals (20h-6h)
NIGHT_CAP = 1_000.0  # R$ per night transfer for individuals
NO_FORWARD_HOURS = 24.0 * 90  # time to forward of an account that never forwards
PAGERANK_FLOOR = 0.15  # GDS PageRank of a node nobody links to (1 - damping factor)

# Feature columns, in model input order. The registry stores this list with every model and
# refuses to load a model trained on another one.
FEATURES: tuple[str, ...] = (
    "age_days",
    "age_at_first_transfer_days",
    "daily_limit",
    "is_company",
    "n_keys",
    "shared_contacts",
    "in_count",
    "out_count",
    "in_amount",
    "out_amount",
    "distinct_senders",
    "distinct_receivers",
    "night_share",
    "night_near_cap_share",
    "pass_through_24h",
    "forward_hours",
    "active_span_days",
    "n_devices",
    "shared_devices",
    "max_device_holders",
    "logins",
    "failed_logins",
    "failed_login_share",
    "new_device_events",
    "gds_degree",
    "pagerank",
    "community_size",
)
# Heavy-tailed, non-negative features: log1p before standardisation.
LOG_FEATURES: frozenset[str] = frozenset(
    {
        "age_days",
        "age_at_first_transfer_days",
        "daily_limit",
        "n_keys",
        "shared_contacts",
        "in_count",
        "out_count",
        "in_amount",
        "out_amount",
        "distinct_senders",
        "distinct_receivers",
        "forward_hours",
        "active_span_days",
        "n_devices",
        "shared_devices",
        "max_device_holders",
        "logins",
        "failed_logins",
        "new_device_events",
        "gds_degree",
        "pagerank",
        "community_size",
    }
)


@dataclass
class RawGraph:
    """What the export returns: plain frames, one row per entity or link."""

    accounts: pd.DataFrame  # id_usuario, holder, opened, daily_limit, is_company, n_keys, ...
    transfers: pd.DataFrame  # id_transacao, src, dst, valor, ts, status
    links: pd.DataFrame  # id_usuario, device, first_seen, registered, logins, failed
    device_holders: pd.DataFrame  # device, n_holders
    gds: pd.DataFrame  # id_usuario, gds_degree, pagerank, community_size
    reference_time: int  # "now": the latest transfer time


ACCOUNT_COLUMNS = [
    "id_usuario",
    "holder",
    "opened",
    "daily_limit",
    "is_company",
    "n_keys",
    "shared_contacts",
]
TRANSFER_COLUMNS = ["id_transacao", "src", "dst", "valor", "ts", "status"]
LINK_COLUMNS = ["id_usuario", "device", "first_seen", "registered", "logins", "failed"]
GDS_COLUMNS = ["id_usuario", "gds_degree", "pagerank", "community_size"]
# The column-shaped queries send a missing text as '' and a missing number as NaN (Cypher's
# collect() drops nulls, which would shift a column against the others); column_frame gives
# these columns their missing values back.
TEXT_COLUMNS = frozenset({"holder", "id_transacao", "status"})
NUMBER_COLUMNS = frozenset(
    {"opened", "daily_limit", "n_keys", "shared_contacts", "valor", "ts", "first_seen",
     "registered", "logins", "failed"}
)  # fmt: skip
EXPORT_BATCH = 50_000  # accounts per export query


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def column_frame(parts: list[dict[str, list[Any]]], columns: list[str]) -> pd.DataFrame:
    """One frame from column-shaped results: each part is a query's ``Result.columns()``,
    whose records each hold one list per column, all of the same length. Text columns get
    None back for '', number columns become floats (NaN when missing)."""
    data: dict[str, Any] = {}
    for col in columns:
        chunks = [np.asarray(chunk, dtype=object) for part in parts for chunk in part[col]]
        flat = np.concatenate(chunks) if chunks else np.empty(0, dtype=object)
        if col in NUMBER_COLUMNS:
            data[col] = flat.astype(float)
        elif col in TEXT_COLUMNS:
            data[col] = pd.Series(flat, dtype=object).replace("", None).to_numpy()
        else:
            data[col] = flat
    return pd.DataFrame(data, columns=columns)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _export(
    gateway: Graph, query: str, ids: list[str], columns: list[str], batch: int
) -> pd.DataFrame:
    parts = [
        gateway.query(query, {"ids": chunk}, mode="read").columns() for chunk in _chunks(ids, batch)
    ]
    return column_frame(parts, columns)


def export_account_ids(gateway: Graph, page: int = 500_000) -> list[str]:
    """Every account's id, in id order (pages of ``page`` ids, each one list)."""
    ids: list[str] = []
    while True:
        cols = gateway.query(
            "gnn/account_ids", {"after": ids[-1] if ids else "", "page": page}, mode="read"
        ).columns()
        found = cols["ids"][0] if cols.get("ids") else []
        ids += found
        if len(found) < page:
            return ids


def export_accounts(gateway: Graph, ids: list[str], batch: int = EXPORT_BATCH) -> pd.DataFrame:
    """Static account facts for ``ids`` (a few large UNWIND queries, each one record of
    columns)."""
    return _export(gateway, "gnn/accounts", ids, ACCOUNT_COLUMNS, batch)


def export_links(gateway: Graph, ids: list[str], batch: int = EXPORT_BATCH) -> pd.DataFrame:
    """Account-device links of ``ids`` with login counts."""
    return _export(gateway, "gnn/device_links", ids, LINK_COLUMNS, batch)


def export_transfers(gateway: Graph, ids: list[str], batch: int = EXPORT_BATCH) -> pd.DataFrame:
    """Every Pix transfer sent by ``ids`` (each transfer once, with its sender's batch)."""
    return _export(gateway, "gnn/transfers", ids, TRANSFER_COLUMNS, batch)


def export_all(
    gateway: Graph, concurrency: int = 2, say: Callable[[str], object] | None = None
) -> RawGraph:
    """Export the whole graph for training or full scoring (column-shaped bulk queries, a
    batch of accounts at a time, two at once, and GDS streams); ``say`` gets one line per
    step with its rows and seconds."""
    ids = _step(say, "account ids", lambda: export_account_ids(gateway))

    def devices_then_gds() -> tuple[pd.DataFrame, pd.DataFrame]:
        links = _step(say, "devices (login summaries)", lambda: export_links(gateway, ids))
        gds = _step(
            say,
            "PageRank, degree and communities (GDS)",
            lambda: gds_features(gateway, concurrency),
        )
        return links, gds

    # Neo4j runs a query on one core: the devices and then GDS run on a second connection
    # while this one exports the account facts and the transfers.
    with ThreadPoolExecutor(max_workers=1) as pool:
        side = pool.submit(devices_then_gds)
        accounts = _step(say, "account facts", lambda: export_accounts(gateway, ids))
        transfers = _step(say, "transfers", lambda: export_transfers(gateway, ids))
        links, gds = side.result()
    holders = holders_per_device(links, accounts[["id_usuario", "holder"]])
    return RawGraph(
        accounts=accounts,
        transfers=transfers,
        links=links,
        device_holders=holders,
        gds=gds,
        reference_time=reference_time(gateway),
    )


def _step(say: Callable[[str], object] | None, name: str, work: Callable[[], Sized]) -> Any:
    """``work()``, and when ``say`` is given one line with its rows and seconds."""
    start = time.perf_counter()
    out = work()
    if say is not None:
        say(f"dataset: {name}: {len(out):,} rows in {time.perf_counter() - start:.1f} s")
    return out


def reference_time(gateway: Graph) -> int:
    """The latest transfer time (0 on a graph without transfers)."""
    rows = gateway.query("gnn/reference_time", mode="read").rows
    return int(rows[0]["ts"]) if rows else 0


def gds_features(gateway: Graph, concurrency: int = 2) -> pd.DataFrame:
    """Degree, PageRank and Louvain community size of every account, from one GDS projection
    of the PIX graph (directed for PageRank, undirected for degree and communities). Each
    algorithm streams through a stored query that returns its scores as columns, with the
    account ids (``cypher/gnn/gds_*.cypher``)."""
    gds = gateway.gds()
    gds.set_show_progress(False)
    relationships = {
        "PIX": {"type": "PIX", "orientation": "NATURAL", "aggregation": "SINGLE"},
        "PIX_U": {"type": "PIX", "orientation": "UNDIRECTED", "aggregation": "SINGLE"},
    }
    with native_projection(gds, "gnn-features", "Account", relationships) as G:
        params = {"graph_name": G.name(), "concurrency": concurrency}
        pr, deg, com = (
            _id_frame(gateway.query(f"gnn/gds_{name}", params, mode="read").columns())
            for name in ("pagerank", "degree", "louvain")
        )
    if pr.empty:
        return pd.DataFrame(columns=GDS_COLUMNS)
    out = pr.join(deg).join(com).reset_index()
    out["community_size"] = out.groupby("community")["id_usuario"].transform("size")
    return out[GDS_COLUMNS]


def _id_frame(cols: dict[str, list[Any]]) -> pd.DataFrame:
    """A column-shaped result (one record of parallel lists, the first ``id_usuario``) as a
    frame indexed by account id; accounts without an id are left out."""
    if not cols or not cols["id_usuario"]:
        return pd.DataFrame(index=pd.Index([], name="id_usuario"))
    frame = pd.DataFrame({key: values[0] for key, values in cols.items()})
    return frame.dropna(subset=["id_usuario"]).set_index("id_usuario")


def holders_per_device(links: pd.DataFrame, holder_of: pd.DataFrame) -> pd.DataFrame:
    """How many distinct holders each device is linked to (one holder per account when the
    account's holder is unknown)."""
    if links.empty:
        return pd.DataFrame(columns=["device", "n_holders"])
    merged = links[["device", "id_usuario"]].merge(holder_of, on="id_usuario", how="left")
    who = (
        merged["holder"]
        .astype(object)
        .where(merged["holder"].notna(), "acct:" + merged["id_usuario"])
    )
    counts = who.groupby(merged["device"]).nunique()
    return counts.rename("n_holders").rename_axis("device").reset_index()


def static_features(accounts: pd.DataFrame, reference: int) -> pd.DataFrame:
    """Age, limits, company flag, keys and shared contacts, indexed by id_usuario."""
    a = accounts.set_index("id_usuario")
    opened = pd.to_numeric(a["opened"], errors="coerce")
    out = pd.DataFrame(index=a.index)
    out["age_days"] = ((reference - opened) / DAY).clip(lower=0)
    out["opened"] = opened
    out["daily_limit"] = pd.to_numeric(a["daily_limit"], errors="coerce")
    out["is_company"] = a["is_company"].fillna(False).astype(float)
    out["n_keys"] = pd.to_numeric(a["n_keys"], errors="coerce")
    out["shared_contacts"] = pd.to_numeric(a["shared_contacts"], errors="coerce")
    return out


def transfer_features(transfers: pd.DataFrame) -> pd.DataFrame:
    """Money-flow features of every account that sent or received a transfer, indexed by
    id_usuario. Rejected transfers moved no money and are ignored."""
    t = transfers[transfers["status"] != "rejeitada"]
    t = t.drop_duplicates("id_transacao") if "id_transacao" in t else t
    ts = t["ts"].astype("int64").to_numpy()
    valor = t["valor"].astype(float).to_numpy()
    hour = (ts % DAY) // 3600
    night = pd.Series((hour >= NIGHT_START_H) | (hour < NIGHT_END_H))
    # Accounts as integer codes: every groupby below hashes numbers, not 10 M id strings.
    src, dst, names = _account_codes(t["src"], t["dst"])
    inflow = pd.DataFrame({"acct": dst, "ts": ts, "valor": valor, "other": src})
    outflow = pd.DataFrame({"acct": src, "ts": ts, "valor": valor, "other": dst})
    out = pd.DataFrame(
        {
            "in_count": inflow.groupby("acct").size(),
            "out_count": outflow.groupby("acct").size(),
            "in_amount": inflow.groupby("acct")["valor"].sum(),
            "out_amount": outflow.groupby("acct")["valor"].sum(),
            "distinct_senders": inflow.groupby("acct")["other"].nunique(),
            "distinct_receivers": outflow.groupby("acct")["other"].nunique(),
        }
    )
    both = pd.concat([inflow.assign(night=night.values), outflow.assign(night=night.values)])
    by_acct = both.groupby("acct")
    out["night_share"] = by_acct["night"].mean()
    out["counterparties"] = both[both["other"] != both["acct"]].groupby("acct")["other"].nunique()
    out["active_span_days"] = (by_acct["ts"].max() - by_acct["ts"].min()) / DAY
    out["first_transfer"] = by_acct["ts"].min()
    near_cap = night.values & (valor >= 0.9 * NIGHT_CAP) & (valor <= NIGHT_CAP)
    out["night_near_cap_share"] = (
        outflow.assign(near=near_cap).groupby("acct")["near"].sum() / out["out_count"]
    )
    forwarded = _forwarding(inflow, outflow)
    out = out.join(forwarded, how="left")
    out["pass_through_24h"] = (out["forwarded_24h"] / out["in_amount"]).clip(upper=2.0)
    counts = ["in_count", "out_count", "in_amount", "out_amount"]
    counts += ["distinct_senders", "distinct_receivers", "night_near_cap_share"]
    out[counts] = out[counts].fillna(0.0)
    out["pass_through_24h"] = out["pass_through_24h"].fillna(0.0)
    out["forward_hours"] = out["forward_hours"].fillna(NO_FORWARD_HOURS)
    out.index = pd.Index(names.take(out.index.to_numpy().astype(np.int64)), name="id_usuario")
    return out.drop(columns=["forwarded_24h"])


def _account_codes(src: pd.Series, dst: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Senders' and receivers' ids as codes into one index of ids. The codes are integers,
    or floats with NaN where an id is missing (so that groupby and nunique skip it, as they
    skip a missing id)."""
    codes, names = pd.factorize(pd.concat([src, dst], ignore_index=True))
    if (codes < 0).any():
        codes = np.where(codes < 0, np.nan, codes)
    return codes[: len(src)], codes[len(src) :], pd.Index(names)


def _forwarding(inflow: pd.DataFrame, outflow: pd.DataFrame) -> pd.DataFrame:
    """Per account: amount sent within 24 h after the latest inflow before it, and the median
    time (hours) from that inflow to each outflow."""
    if inflow.empty or outflow.empty:
        return pd.DataFrame(
            {"forwarded_24h": pd.Series(dtype=float), "forward_hours": pd.Series(dtype=float)}
        )
    left = outflow[["acct", "ts", "valor"]].sort_values("ts", kind="stable")
    right = inflow[["acct", "ts"]].rename(columns={"ts": "in_ts"}).sort_values("in_ts")
    m = pd.merge_asof(left, right, left_on="ts", right_on="in_ts", by="acct", direction="backward")
    m = m[m["in_ts"].notna()]
    lag = m["ts"] - m["in_ts"]
    within = m.assign(v=np.where(lag <= DAY, m["valor"], 0.0), lag_h=lag / 3600)
    g = within.groupby("acct")
    return pd.DataFrame({"forwarded_24h": g["v"].sum(), "forward_hours": g["lag_h"].median()})


def device_features(links: pd.DataFrame, device_holders: pd.DataFrame) -> pd.DataFrame:
    """Devices, devices shared with other holders, logins, failed logins and new-device
    events (a device first seen a day or more after the account's first device)."""
    if links.empty:
        return pd.DataFrame(columns=["n_devices"]).rename_axis("id_usuario")
    lk = links.merge(device_holders, on="device", how="left")
    lk["n_holders"] = lk["n_holders"].fillna(1)
    lk["first_seen"] = pd.to_numeric(lk["first_seen"], errors="coerce")
    first_any = lk.groupby("id_usuario")["first_seen"].transform("min")
    lk["new_device"] = (lk["first_seen"] - first_any) >= DAY
    lk["shared"] = lk["n_holders"] > 1
    g = lk.groupby("id_usuario")
    out = pd.DataFrame(
        {
            "n_devices": g["device"].nunique(),
            "shared_devices": g["shared"].sum(),
            "max_device_holders": g["n_holders"].max(),
            "logins": g["logins"].sum(),
            "failed_logins": g["failed"].sum(),
            "new_device_events": g["new_device"].sum(),
        }
    ).astype(float)
    out["failed_login_share"] = out["failed_logins"] / out["logins"].where(out["logins"] > 0)
    out["failed_login_share"] = out["failed_login_share"].fillna(0.0)
    return out


def build_features(raw: RawGraph, ids: list[str] | None = None) -> pd.DataFrame:
    """The FEATURES table (raw, untransformed values) for ``ids`` (default: every account),
    indexed by id_usuario in the given order; missing values get neutral defaults."""
    index = pd.Index(ids if ids is not None else raw.accounts["id_usuario"], name="id_usuario")
    static = static_features(raw.accounts, raw.reference_time)
    flows = transfer_features(raw.transfers)
    devices = device_features(raw.links, raw.device_holders)
    gds = raw.gds.set_index("id_usuario") if not raw.gds.empty else pd.DataFrame()
    out = pd.DataFrame(index=index)
    out = out.join(static).join(flows).join(devices)
    for col in ("gds_degree", "pagerank", "community_size"):
        out[col] = gds[col].reindex(index) if col in gds else np.nan
    first_age = (out["first_transfer"] - out["opened"]) / DAY
    out["age_at_first_transfer_days"] = first_age.clip(lower=0).fillna(out["age_days"])
    defaults = {
        "age_days": 0.0,
        "age_at_first_transfer_days": 0.0,
        "forward_hours": NO_FORWARD_HOURS,
        "pagerank": PAGERANK_FLOOR,
        "community_size": 1.0,
    }
    out["gds_degree"] = out["gds_degree"].fillna(out["counterparties"])
    out = out.reindex(columns=list(FEATURES))
    out = out.fillna(value=defaults).fillna(0.0).astype(float)
    return out


def transform(features: pd.DataFrame) -> np.ndarray:
    """log1p of the heavy-tailed columns; the result is what gets standardised."""
    values: np.ndarray = features[list(FEATURES)].to_numpy(dtype=np.float64, copy=True)
    for j, name in enumerate(FEATURES):
        if name in LOG_FEATURES:
            values[:, j] = np.log1p(np.clip(values[:, j], 0, None))
    return values
