"""Linked-account clusters (shared devices, IPs, phones, e-mails): which ones to report, with
a score and reasons.

A family sharing a phone is a cluster too, so a cluster is reported only when its members
also behave like mules: they pass money on, are new, sit near confirmed fraud, many holders
use one device, or they belong to a detected ring. The score is the weighted mean of those
factors (GNN score included when present).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from ringwatch.money import brl

WEIGHTS = {
    "relaying": 2.0,
    "in_rings": 1.5,
    "new_accounts": 1.0,
    "fraud": 1.0,
    "crowded_device": 1.0,
    "gnn": 1.0,
}


def summarise(
    clusters: pd.DataFrame,
    identifiers: pd.DataFrame,
    relays: pd.DataFrame,
    ring_members: pd.Index,
    accounts: pd.DataFrame,
    fraud_distance: pd.Series,
    transfers: pd.DataFrame,
    cfg: DetectionConfig,
) -> pd.DataFrame:
    """One row per cluster of >= ``linked_min_size`` accounts: features, score, reasons."""
    sizes = clusters.groupby("cluster")["account"].transform("size")
    clusters = clusters[sizes >= cfg.linked_min_size]
    if clusters.empty:
        return pd.DataFrame()
    by = clusters["cluster"]
    acct = clusters["account"]
    f = pd.DataFrame(index=pd.Index(sorted(by.unique()), name="cluster"))
    f["size"] = by.value_counts()
    f["relays"] = acct.isin(relays.index).groupby(by).sum()
    f["in_rings"] = acct.isin(ring_members).groupby(by).sum()
    owner = clusters.set_index("account")["cluster"]
    ids = identifiers[identifiers["account"].isin(owner.index)]
    ids = ids.assign(cluster=ids["account"].map(owner))
    holders = ids.groupby(["cluster", "kind", "identifier"])["account"].nunique()
    devices = (
        holders.xs("device", level="kind")
        if "device" in holders.index.get_level_values("kind")
        else pd.Series(dtype=int)
    )
    f["max_device_holders"] = devices.groupby(level="cluster").max() if len(devices) else 0
    acc = accounts.set_index("account") if not accounts.empty else pd.DataFrame()
    tr = transfers[transfers["src"].isin(owner.index) | transfers["dst"].isin(owner.index)]
    first = pd.concat(
        [
            tr[["src", "ts"]].set_axis(["account", "ts"], axis=1),
            tr[["dst", "ts"]].set_axis(["account", "ts"], axis=1),
        ]
    )
    first_seen = first.groupby("account")["ts"].min()
    f["first_seen"] = acct.map(first_seen).groupby(by).min()
    f["last_seen"] = acct.map(first.groupby("account")["ts"].max()).groupby(by).max()
    inside = tr[tr["src"].map(owner).eq(tr["dst"].map(owner))]
    f["total_amount"] = inside.groupby(inside["src"].map(owner))["amount"].sum()
    if not acc.empty:
        age = (acct.map(first_seen) - pd.to_datetime(acct.map(acc["opened"]))).dt.days
        f["known_age"] = age.notna().groupby(by).sum()
        f["new_accounts"] = (age < cfg.new_account_days).groupby(by).sum()
        gnn = pd.to_numeric(acct.map(acc["gnn_score"]), errors="coerce")
        f["gnn_mean"] = gnn.groupby(by).mean()
        f["gnn_scored"] = gnn.notna().groupby(by).sum()
    dist = acct.map(fraud_distance)
    f["fraud_members"] = (dist == 0).groupby(by).sum()
    f["fraud_near"] = (dist <= cfg.fraud_hops).groupby(by).sum()
    f = f.fillna(
        {
            c: 0
            for c in f.columns
            if c not in ("members", "kinds", "gnn_mean", "first_seen", "last_seen")
        }
    )
    s = pd.DataFrame(index=f.index)
    s["relaying"] = (f["relays"] / f["size"] * 2).clip(0, 1)
    s["in_rings"] = (f["in_rings"] / f["size"]).clip(0, 1)
    if "new_accounts" in f:
        s["new_accounts"] = f["new_accounts"] / f["known_age"].where(f["known_age"] > 0)
        s["gnn"] = f["gnn_mean"]
    s["fraud"] = np.where(f["fraud_members"] > 0, 1.0, np.where(f["fraud_near"] > 0, 0.5, 0.0))
    s["crowded_device"] = (f["max_device_holders"] >= 6).astype(float)
    w = pd.Series({k: v for k, v in WEIGHTS.items() if k in s.columns})
    present = s[w.index].notna()
    f["score"] = ((s[w.index].fillna(0) * w).sum(axis=1) / (present * w).sum(axis=1)).round(4)
    f = f[f["score"] >= cfg.min_linked_score].copy()
    kept = clusters[clusters["cluster"].isin(f.index)]
    f["members"] = kept.groupby("cluster")["account"].agg(lambda s: sorted(s, key=str))
    kinds = holders.reset_index()
    kinds = kinds[kinds["cluster"].isin(f.index)]
    f["kinds"] = kinds.groupby("cluster")["kind"].agg(lambda s: sorted(set(s)))
    f["reasons"] = [_reasons(row) for _, row in f.iterrows()]
    return f


def _reasons(f: pd.Series) -> list[str]:
    kinds = ", ".join(f["kinds"]) if isinstance(f["kinds"], list) else "identifiers"
    out = [f"{int(f['size'])} accounts are linked by shared {kinds}."]
    if f["max_device_holders"] >= 3:
        out.append(f"One device is used by {int(f['max_device_holders'])} different accounts.")
    if f["relays"] > 0:
        out.append(f"{int(f['relays'])} of them passed money on within hours of receiving it.")
    if f["in_rings"] > 0:
        out.append(f"{int(f['in_rings'])} of them belong to a detected ring.")
    if f.get("new_accounts", 0) > 0:
        out.append(
            f"{int(f['new_accounts'])} accounts were opened shortly before their first transfer."
        )
    if f["fraud_members"] > 0:
        out.append(f"{int(f['fraud_members'])} received payments confirmed as fraud.")
    elif f["fraud_near"] > 0:
        out.append(f"{int(f['fraud_near'])} are a few transfers from confirmed fraud.")
    gnn = f.get("gnn_mean", np.nan)
    if pd.notna(gnn):
        out.append(f"The GNN risk score averages {gnn:.2f} over {int(f['gnn_scored'])} members.")
    if f["total_amount"] > 0:
        out.append(f"They moved {brl(f['total_amount'])} among themselves.")
    return out
