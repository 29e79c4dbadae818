"""Fan-in and fan-out within a time window.

- Fan-in: an account paid by at least ``fan_min_counterparties`` distinct senders within
  ``fan_window_hours`` that passes the money on (a relay). Shops are paid by many people too,
  but they keep the money, so they are not flagged.
- Fan-out: an account paying at least ``fan_min_counterparties`` distinct receivers within the
  window, when at least ``fan_out_relay_share`` of those receivers pass the money on again.
  A company paying salaries fans out as well, but employees keep their pay.

Distinct counterparties in a sliding window are counted in fixed windows laid twice, the
second copy shifted by half a window, so any burst shorter than half a window is seen whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import empty_edges


@dataclass
class Fans:
    fan_in: pd.DataFrame  # account, senders (most distinct senders in one window), start
    fan_out: pd.DataFrame  # account, receivers, relaying (share passing it on), start
    edges: pd.DataFrame  # hub -> receivers of each fan-out burst


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values, by sorting (numpy's hash-based unique is slow on wide int keys)."""
    values = np.sort(values, kind="stable")
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _sorted_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of an already sorted array and how often each occurs."""
    if len(values) == 0:
        return values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    return values[starts], np.diff(np.r_[starts, len(values)])


def _bursts(transfers: pd.DataFrame, who: str, other: str, cfg: DetectionConfig) -> pd.DataFrame:
    """Windows in which `who` deals with >= k distinct `other`s: who, window, n, start."""
    width = int(cfg.fan_window_hours * 3600)
    secs = transfers["ts"].to_numpy().astype("datetime64[s]").astype(np.int64)
    who_code, who_names = pd.factorize(transfers[who])
    other_code, other_names = pd.factorize(transfers[other])
    n_other = max(len(other_names), 1)
    found = []
    for shift in (0, width // 2):
        window = (secs + shift) // width
        w0 = window.min() if len(window) else 0
        span = int(window.max() - w0 + 1) if len(window) else 1
        cell = who_code.astype(np.int64) * span + (window - w0)
        pairs = _sorted_unique(cell * n_other + other_code)
        cells, n = _sorted_counts(pairs // n_other)
        hot = cells[n >= cfg.fan_min_counterparties]
        if len(hot) == 0:
            continue
        mask = np.isin(cell, hot)
        start = pd.Series(transfers["ts"].to_numpy()[mask]).groupby(cell[mask]).min()
        counts = pd.Series(n[n >= cfg.fan_min_counterparties], index=hot)
        found.append(
            pd.DataFrame(
                {
                    "who": who_names[(hot // span).astype(np.int64)],
                    "window": ((hot % span) + w0) * 2 + (1 if shift else 0),
                    "n": counts.to_numpy(),
                    "start": start.reindex(hot).to_numpy(),
                }
            )
        )
    if not found:
        return pd.DataFrame(columns=["who", "window", "n", "start"])
    return pd.concat(found, ignore_index=True)


def _window_of(transfers: pd.DataFrame, who: str, cfg: DetectionConfig) -> pd.DataFrame:
    """Both window numbers of every transfer, long format: row, who, window."""
    width = int(cfg.fan_window_hours * 3600)
    secs = transfers["ts"].to_numpy().astype("datetime64[s]").astype(np.int64)
    rows = np.arange(len(transfers))
    return pd.DataFrame(
        {
            "row": np.concatenate([rows, rows]),
            "who": np.concatenate([transfers[who].to_numpy()] * 2),
            "window": np.concatenate([(secs // width) * 2, ((secs + width // 2) // width) * 2 + 1]),
        }
    )


def detect(transfers: pd.DataFrame, relaying: pd.Index, cfg: DetectionConfig) -> Fans:
    """Fan-in hubs among ``relaying`` accounts and fan-outs whose receivers pass money on."""
    if transfers.empty:
        empty = pd.DataFrame(columns=["account", "senders", "start"])
        return Fans(
            empty,
            pd.DataFrame(columns=["account", "receivers", "relaying", "start"]),
            empty_edges(),
        )
    ins = _bursts(transfers, "dst", "src", cfg)
    ins = ins[ins["who"].isin(relaying)]
    fan_in = (
        ins.sort_values("n", ascending=False)
        .drop_duplicates("who")
        .rename(columns={"who": "account", "n": "senders"})[["account", "senders", "start"]]
        .reset_index(drop=True)
    )
    outs = _bursts(transfers, "src", "dst", cfg)
    if outs.empty:
        return Fans(
            fan_in,
            pd.DataFrame(columns=["account", "receivers", "relaying", "start"]),
            empty_edges(),
        )
    windows = _window_of(transfers, "src", cfg).merge(outs[["who", "window"]])
    sent = transfers.iloc[windows["row"].to_numpy()].assign(window=windows["window"].to_numpy())
    sent["passes_on"] = sent["dst"].isin(relaying)
    per = sent.groupby(["src", "window"]).agg(receivers=("dst", "nunique"), start=("ts", "min"))
    passing = sent[sent["passes_on"]].groupby(["src", "window"])["dst"].nunique()
    per["relaying"] = (passing.reindex(per.index).fillna(0) / per["receivers"]).to_numpy()
    per = per[per["relaying"] >= cfg.fan_out_relay_share].reset_index()
    fan_out = (
        per.sort_values("receivers", ascending=False)
        .drop_duplicates("src")
        .rename(columns={"src": "account"})[["account", "receivers", "relaying", "start"]]
        .reset_index(drop=True)
    )
    burst_rows = sent.merge(per[["src", "window"]])
    edges = burst_rows.drop_duplicates(["src", "dst", "ts", "amount"])[
        ["src", "dst", "ts", "amount"]
    ].copy()
    edges["evidence"] = "fan_out"
    return Fans(fan_in, fan_out, edges.reset_index(drop=True))
