"""Linked accounts: accounts tied together by shared identifiers (devices, IPs, phones,
e-mails), as connected components over the account-identifier graph.

An identifier held by more accounts than its kind's cap (``device_cap``, ``ip_cap``, ...) is
a hub (an office IP, a shop's tablet, a carrier NAT address) and is dropped before the
components are formed, so it cannot glue thousands of unrelated people together. The
components are computed here, in scipy, on the identifier rows detection has already
exported: sending them back to Neo4j for GDS WCC gave the same clusters and cost a round trip
(about 20 s of a scale-20 run on a busy machine).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detectors.config import DetectionConfig


def usable(identifiers: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """Distinct (account, kind, identifier) rows of identifiers shared by 2..cap accounts."""
    ids = identifiers.drop_duplicates(["account", "kind", "identifier"])
    if ids.empty:
        return ids.reset_index(drop=True)
    holders = ids.groupby(["kind", "identifier"])["account"].transform("size")
    caps = ids["kind"].map({k: cfg.cap(str(k)) for k in ids["kind"].unique()}).astype(int)
    return ids[(holders >= 2) & (holders <= caps)].reset_index(drop=True)


def components(identifiers: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """Clusters of >= 2 accounts linked through usable identifiers: account, cluster."""
    ids = usable(identifiers, cfg)
    if ids.empty:
        return pd.DataFrame(columns=["account", "cluster"])
    acc_code, accounts = pd.factorize(ids["account"])
    id_code, _ = pd.factorize(ids["kind"].astype(str) + "\x1f" + ids["identifier"].astype(str))
    n_acc = len(accounts)
    n = n_acc + int(id_code.max()) + 1
    graph = coo_matrix((np.ones(len(ids)), (acc_code, n_acc + id_code)), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=False)
    return label_clusters(pd.DataFrame({"account": accounts, "component": label[:n_acc]}))


def label_clusters(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn (account, component) rows into (account, cluster) with clusters of >= 2 accounts
    numbered 0.. in order of their smallest account (deterministic across engines)."""
    sizes = frame.groupby("component")["account"].transform("size")
    frame = frame[sizes >= 2]
    first = frame.groupby("component")["account"].transform("min")
    number = first.rank(method="dense").astype(int) - 1
    return (
        pd.DataFrame({"account": frame["account"].to_numpy(), "cluster": number.to_numpy()})
        .sort_values(["cluster", "account"])
        .reset_index(drop=True)
    )


def link_edges(identifiers: pd.DataFrame, members: pd.Index, cfg: DetectionConfig) -> pd.DataFrame:
    """Pairs of ``members`` sharing a usable identifier: src, dst, kind, identifier."""
    ids = usable(identifiers, cfg)
    ids = ids[ids["account"].isin(members)]
    pairs = ids.merge(ids, on=["kind", "identifier"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["account_a"].astype(str) < pairs["account_b"].astype(str)]
    return pairs.rename(columns={"account_a": "src", "account_b": "dst"})[
        ["src", "dst", "kind", "identifier"]
    ].reset_index(drop=True)


def shared_counts(identifiers: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """Per account: how many other accounts share one of its usable devices / IPs / any."""
    ids = usable(identifiers, cfg)
    pairs = ids.merge(ids, on=["kind", "identifier"], suffixes=("", "_other"))
    pairs = pairs[pairs["account"] != pairs["account_other"]]
    out = pd.DataFrame(index=pd.Index(ids["account"].unique(), name="account"))
    for kind in ("device", "ip", "phone", "email"):
        part = pairs[pairs["kind"] == kind]
        out[f"shared_{kind}"] = part.groupby("account")["account_other"].nunique()
    return out.fillna(0).astype(int)
