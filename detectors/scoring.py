"""Ring features, an explainable score and the reasons an investigator reads.

Each candidate ring gets factors in 0..1 (how often members pass money on, how fast, how
much of it, outside senders, new accounts, shared devices, temporal patterns found on the
ring's own transfers, confirmed fraud nearby, the GNN score when present). The score is their
weighted mean (a missing GNN score is left out, not counted as zero). Every factor that counts
towards the score adds one short sentence to the ring's reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors import linked
from detectors.config import DetectionConfig
from detectors.fan import Fans
from detectors.passthrough import PassThrough

WEIGHTS = {
    "relaying": 2.0,
    "speed": 1.5,
    "pass_through": 1.0,
    "senders": 1.0,
    "new_accounts": 1.0,
    "shared": 1.0,
    "patterns": 1.5,
    "fraud": 1.0,
    "gnn": 1.0,
}


@dataclass
class Evidence:
    """Everything the detectors found, for scoring and explaining rings."""

    transfers: pd.DataFrame
    passthrough: PassThrough
    fans: Fans
    chains: pd.DataFrame
    cycles: pd.DataFrame
    scatter: pd.DataFrame
    drains: pd.DataFrame
    identifiers: pd.DataFrame
    accounts: pd.DataFrame
    fraud_distance: pd.Series


def _per_ring(owner: pd.Series, accounts: pd.Series) -> pd.Series:
    """The candidate of each account in ``accounts`` (NaN outside every candidate)."""
    return accounts.map(owner)


def _pattern_counts(rows: pd.DataFrame, col: str, owner: pd.Series, need: float) -> pd.Series:
    """Per candidate: how many pattern rows have >= ``need`` of their accounts in it."""
    if rows.empty:
        return pd.Series(dtype=float)
    flat = rows[[col]].reset_index(names="pattern").explode(col)
    flat["candidate"] = flat[col].map(owner)
    size = flat.groupby("pattern").size()
    counts = flat.dropna(subset=["candidate"]).groupby(["pattern", "candidate"]).size()
    counts = counts.rename("n").reset_index()
    counts = counts[counts["n"] >= need * counts["pattern"].map(size)]
    return counts.groupby("candidate").size()


def features(
    members: pd.DataFrame, edges: pd.DataFrame, ev: Evidence, cfg: DetectionConfig
) -> pd.DataFrame:
    """One row of raw features per candidate ring (index: candidate)."""
    owner = members.set_index("account")["candidate"]
    f = pd.DataFrame(index=pd.Index(sorted(members["candidate"].unique()), name="candidate"))
    f["size"] = members.groupby("candidate").size()
    f["members"] = members.groupby("candidate")["account"].agg(lambda s: sorted(s, key=str))
    relays = ev.passthrough.relays.join(owner, how="inner")
    grouped = relays.groupby("candidate")
    f["relays"] = grouped.size()
    f["episodes"] = grouped["episodes"].sum()
    f["relayed_in"] = grouped["relayed_in"].sum()
    f["relayed_out"] = grouped["relayed_out"].sum()
    ep = ev.passthrough.episodes
    ep = ep.assign(candidate=_per_ring(owner, ep["account"])).dropna(subset=["candidate"])
    f["median_delay_min"] = ep.groupby("candidate")["delay_min"].median()
    e = edges.assign(candidate=_per_ring(owner, edges["src"]))
    f["first_seen"] = e.groupby("candidate")["ts"].min()
    f["last_seen"] = e.groupby("candidate")["ts"].max()
    f["total_amount"] = e.groupby("candidate")["amount"].sum()
    tr = ev.transfers
    into = tr.assign(candidate=_per_ring(owner, tr["dst"]), from_ring=_per_ring(owner, tr["src"]))
    into = into[into["candidate"].notna() & (into["candidate"] != into["from_ring"])]
    into = into.merge(f[["first_seen", "last_seen"]], left_on="candidate", right_index=True)
    active = (into["ts"] >= into["first_seen"] - pd.Timedelta(days=1)) & (
        into["ts"] <= into["last_seen"]
    )
    f["outside_senders"] = into[active].groupby("candidate")["src"].nunique()
    acc = ev.accounts.set_index("account") if not ev.accounts.empty else pd.DataFrame()
    if not acc.empty:
        opened = pd.to_datetime(members["account"].map(acc["opened"]))
        first = members["candidate"].map(f["first_seen"])
        age = (first - opened).dt.days
        f["known_age"] = age.notna().groupby(members["candidate"]).sum()
        f["new_accounts"] = (age < cfg.new_account_days).groupby(members["candidate"]).sum()
        f["old_accounts"] = (age > cfg.old_account_days).groupby(members["candidate"]).sum()
        gnn = pd.to_numeric(members["account"].map(acc["gnn_score"]), errors="coerce")
        f["gnn_scored"] = gnn.notna().groupby(members["candidate"]).sum()
        f["gnn_mean"] = gnn.groupby(members["candidate"]).mean()
    links = linked.link_edges(ev.identifiers, pd.Index(members["account"]), cfg)
    links = links[links["src"].map(owner) == links["dst"].map(owner)]
    sharing = pd.concat([links["src"], links["dst"]]).drop_duplicates()
    f["shared"] = sharing.map(owner).value_counts()
    f["cycles"] = _pattern_counts(ev.cycles, "accounts", owner, 1.0)
    f["chains"] = _pattern_counts(ev.chains, "accounts", owner, 0.75)
    if not ev.chains.empty:
        longest = ev.chains.assign(candidate=ev.chains["accounts"].map(lambda a: owner.get(a[0])))
        f["longest_chain"] = longest.groupby("candidate")["hops"].max()
    scatter = ev.scatter.assign(candidate=_per_ring(owner, ev.scatter["source"]))
    scatter = scatter[scatter["candidate"] == _per_ring(owner, ev.scatter["sink"])]
    f["scatter"] = scatter.groupby("candidate").size()
    for name, frame in (("fan_in", ev.fans.fan_in), ("fan_out", ev.fans.fan_out)):
        f[name] = _per_ring(owner, frame["account"]).value_counts()
    f["max_fan_in"] = (
        ev.fans.fan_in.assign(c=_per_ring(owner, ev.fans.fan_in["account"]))
        .groupby("c")["senders"]
        .max()
    )
    f["routine_payees"], f["routine_share"] = _routine(ev, owner)
    drains = ev.drains.assign(candidate=_per_ring(owner, ev.drains["account"]))
    f["drained"] = drains.groupby("candidate").size()
    f["takeover_logins"] = drains[drains["takeover_login"].astype(bool)].groupby("candidate").size()
    dist = members["account"].map(ev.fraud_distance)
    f["fraud_members"] = (dist == 0).groupby(members["candidate"]).sum()
    f["fraud_near"] = (dist <= cfg.fraud_hops).groupby(members["candidate"]).sum()
    kept = {"members", "first_seen", "last_seen", "gnn_mean", "median_delay_min"}
    counts = [c for c in f.columns if c not in kept]
    f[counts] = f[counts].fillna(0)
    return f


def _routine(ev: Evidence, owner: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per candidate: how many regular payees outside it receive its members' relayed money,
    and their share of that money. A regular payee is paid by the member on two or more
    days, passes nothing on, and is not in the candidate: employees on payroll day, suppliers
    on a fixed run. Mules pass money to each other, or to a cash-out once."""
    re = ev.passthrough.relay_edges
    re = re.assign(candidate=_per_ring(owner, re["src"])).dropna(subset=["candidate"])
    if re.empty:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    tr = ev.transfers[ev.transfers["src"].isin(re["src"].unique())]
    days = tr.assign(day=tr["ts"].dt.normalize()).groupby(["src", "dst"])["day"].nunique()
    paid_on = days.reindex(pd.MultiIndex.from_arrays([re["src"], re["dst"]])).to_numpy()
    regular = (
        (re["dst"].map(owner) != re["candidate"]).to_numpy()
        & ~re["dst"].isin(ev.passthrough.relays.index).to_numpy()
        & (paid_on >= 2)
    )
    by = re["candidate"]
    share = re["amount"].where(regular, 0.0).groupby(by).sum() / re["amount"].groupby(by).sum()
    return re.loc[regular, "dst"].groupby(by[regular]).nunique(), share


def routine(f: pd.DataFrame, cfg: DetectionConfig) -> pd.Series:
    """Candidates that look like payroll or supplier runs: most of the money their members
    pass on goes to regular payees outside the candidate, and there are as many of them as a
    fan-out has (``fan_min_counterparties``)."""
    if "routine_share" not in f:
        return pd.Series(False, index=f.index)
    return (f["routine_share"].fillna(0) >= 0.5) & (
        f["routine_payees"].fillna(0) >= cfg.fan_min_counterparties
    )


def factors(f: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """Sub-scores in 0..1 per candidate (NaN = not available, left out of the score); the
    ramps are the ``score_*`` settings of ``cfg``."""
    s = pd.DataFrame(index=f.index)
    s["relaying"] = np.clip(f["episodes"] / f["size"] / cfg.score_episodes_per_member, 0, 1)
    fast, slow = cfg.score_fast_delay_minutes, cfg.score_slow_delay_minutes
    delay = f["median_delay_min"].fillna(2 * slow)
    s["speed"] = np.clip((slow - delay) / (slow - fast), 0, 1)
    ratio = f["relayed_out"] / f["relayed_in"].where(f["relayed_in"] > 0)
    low, high = cfg.score_pass_through_low, cfg.score_pass_through_high
    s["pass_through"] = np.clip((ratio.fillna(0) - low) / (high - low), 0, 1)
    s["senders"] = np.clip(f["outside_senders"] / (cfg.score_senders_per_member * f["size"]), 0, 1)
    if "new_accounts" in f:
        s["new_accounts"] = (f["new_accounts"] / f["known_age"].where(f["known_age"] > 0)).clip(
            0, 1
        )
    s["shared"] = np.clip(f["shared"] / f["size"], 0, 1)
    pattern = (
        ((f["cycles"] > 0) | (f["longest_chain"] >= 3 if "longest_chain" in f else False))
        | (f["scatter"] > 0)
        | (f["fan_out"] > 0)
        | (f["fan_in"] > 0)
        | (f["drained"] > 0)
    )
    s["patterns"] = pattern.astype(float)
    s["fraud"] = np.where(f["fraud_members"] > 0, 1.0, np.where(f["fraud_near"] > 0, 0.5, 0.0))
    if "gnn_mean" in f:
        s["gnn"] = f["gnn_mean"]
    return s


def score(s: pd.DataFrame) -> pd.Series:
    """Weighted mean of the available factors, 0..1."""
    w = pd.Series({k: v for k, v in WEIGHTS.items() if k in s.columns})
    present = s[w.index].notna()
    total = (s[w.index].fillna(0) * w).sum(axis=1)
    return (total / (present * w).sum(axis=1)).round(4)
