"""Layering chains: money hopping A -> B -> C -> D within minutes or hours, a little less at
each hop (mules keep a cut), up to ``chain_max_hops`` hops (MED 2.0 traces about five).

Paths are grown one hop at a time by joining on the path's last account: the next transfer
must leave that account after the previous hop arrived, at most ``hop_max_hours`` later, and
carry ``hop_min_ratio`` .. ``hop_max_ratio`` of the previous amount. Accounts do not repeat
(a path that returns to its start is a cycle, see ``detectors.cycles``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import empty_edges, hours

# A cap on partial paths kept per growth step, so a pathological hub cannot blow up memory.
MAX_PATHS = 2_000_000


def extend(paths: pd.DataFrame, hops: pd.DataFrame, k: int, cfg: DetectionConfig) -> pd.DataFrame:
    """Grow paths of k hops (columns n0..nk, e0..e(k-1), ts, amount) by one hop."""
    joined = paths.merge(
        hops.rename(columns={"src": f"n{k}", "dst": "next", "ts": "ts_next", "amount": "a_next"}),
        on=f"n{k}",
    )
    wait = joined["ts_next"] - joined["ts"]
    ratio = joined["a_next"] / joined["amount"]
    ok = (
        (wait > np.timedelta64(0, "s"))
        & (wait <= hours(cfg.hop_max_hours))
        & ratio.between(cfg.hop_min_ratio, cfg.hop_max_ratio)
    )
    joined = joined[ok]
    grown = joined.drop(columns=["ts", "amount"]).rename(
        columns={"next": f"n{k + 1}", "ts_next": "ts", "a_next": "amount", "edge": f"e{k}"}
    )
    return grown.head(MAX_PATHS).reset_index(drop=True)


def start_paths(starts: pd.DataFrame) -> pd.DataFrame:
    """One-hop paths from transfers carrying an ``edge`` column (the transfer's number)."""
    return pd.DataFrame(
        {
            "n0": starts["src"].to_numpy(),
            "n1": starts["dst"].to_numpy(),
            "e0": starts["edge"].to_numpy(),
            "ts": starts["ts"].to_numpy(),
            "amount": starts["amount"].to_numpy(),
        }
    )


def revisits(paths: pd.DataFrame, k: int) -> np.ndarray:
    """Rows whose newest account n{k} already appears earlier in the path (n0 excluded)."""
    last = paths[f"n{k}"].to_numpy()
    hit = np.zeros(len(paths), dtype=bool)
    for j in range(1, k):
        hit |= paths[f"n{j}"].to_numpy() == last
    return hit


def detect(relay_edges: pd.DataFrame, cfg: DetectionConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Maximal chains of >= ``chain_min_hops`` relay hops: (chains, chain edges).

    ``chains`` has one row per chain: ``accounts`` (tuple in order), ``hops``, ``start``,
    ``end``, ``first_amount``, ``last_amount``.
    """
    cols = ["accounts", "hops", "start", "end", "first_amount", "last_amount"]
    if relay_edges.empty:
        return pd.DataFrame(columns=cols), empty_edges()
    hops = relay_edges[["src", "dst", "ts", "amount"]].reset_index(drop=True)
    hops["edge"] = np.arange(len(hops))
    paths = start_paths(hops)
    first = paths[["ts", "amount"]].rename(columns={"ts": "start", "amount": "first_amount"})
    paths = pd.concat([paths, first], axis=1)
    found: list[pd.DataFrame] = []
    for k in range(1, cfg.chain_max_hops):
        paths = extend(paths, hops, k, cfg)
        paths = paths[~revisits(paths, k + 1) & (paths[f"n{k + 1}"] != paths["n0"])]
        if paths.empty:
            break
        if k + 1 >= cfg.chain_min_hops:
            found.append(paths.assign(hops=k + 1))
    if not found:
        return pd.DataFrame(columns=cols), empty_edges()
    rows = []
    edge_ids: set[int] = set()
    for frame in found:
        k = int(frame["hops"].iloc[0])
        nodes = frame[[f"n{j}" for j in range(k + 1)]].to_numpy()
        for j in range(k):
            edge_ids.update(frame[f"e{j}"].tolist())
        rows.append(
            pd.DataFrame(
                {
                    "accounts": [tuple(r) for r in nodes],
                    "hops": k,
                    "start": frame["start"].to_numpy(),
                    "end": frame["ts"].to_numpy(),
                    "first_amount": frame["first_amount"].to_numpy(),
                    "last_amount": frame["amount"].to_numpy(),
                }
            )
        )
    chains = pd.concat(rows, ignore_index=True)
    chains = _maximal(chains)
    edges = hops.loc[sorted(edge_ids), ["src", "dst", "ts", "amount"]].copy()
    edges["evidence"] = "chain"
    return chains, edges.reset_index(drop=True)


def _maximal(chains: pd.DataFrame) -> pd.DataFrame:
    """Drop chains whose account sequence is contained in a longer chain found."""
    chains = chains.sort_values("hops", ascending=False).drop_duplicates("accounts")
    kept: list[int] = []
    seen: set[tuple[str, ...]] = set()
    for idx, accounts in zip(chains.index, chains["accounts"], strict=True):
        if accounts in seen:
            continue
        kept.append(idx)
        n = len(accounts)
        for i in range(n):
            for j in range(i + 2, n + 1):
                seen.add(tuple(accounts[i:j]))
    return chains.loc[kept].reset_index(drop=True)
