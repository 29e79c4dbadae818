"""Account takeover: an account drained into mules.

A victim of a scam pays a mule once or twice; a taken-over account is drained: several
transfers to relays in a short time (under the R$200 limit of a new device, then more after
24 h). An account (not itself a relay or a fan-out hub) sending ``drain_min_transfers`` or more
transfers to relays within ``drain_window_hours`` is a drained account. When logins are
known, a takeover login (failed attempts, then success on a device new to the account)
shortly before a transfer to a relay marks it too, even with fewer transfers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import empty_edges, hours

_STRIDE = np.int64(1) << np.int64(40)  # seconds in ~35,000 years: keeps accounts apart


def detect(
    transfers: pd.DataFrame,
    relaying: pd.Index,
    takeovers: pd.DataFrame,
    cfg: DetectionConfig,
    hubs: pd.Index | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drained accounts (account, transfers, takeover_login, first) and their drain edges.
    ``hubs`` (fan-out hubs, scatter sources) pass money on rather than being drained."""
    cols = ["account", "transfers", "takeover_login", "first"]
    senders = relaying if hubs is None else relaying.union(hubs)
    into = transfers[transfers["dst"].isin(relaying) & ~transfers["src"].isin(senders)]
    if into.empty:
        return pd.DataFrame(columns=cols), empty_edges()
    into = into.sort_values(["src", "ts"], kind="stable").reset_index(drop=True)
    code, _ = pd.factorize(into["src"])
    secs = into["ts"].to_numpy().astype("datetime64[s]").astype(np.int64)
    key = code.astype(np.int64) * _STRIDE + (secs - secs.min())
    width = np.int64(cfg.drain_window_hours * 3600)
    burst = np.searchsorted(key, key + width, side="right") - np.arange(len(key))
    into["burst"] = burst
    per = into.groupby("src").agg(transfers=("burst", "max"), first=("ts", "min"))
    drained = per["transfers"] >= cfg.drain_min_transfers
    login = pd.Series(False, index=per.index)
    if not takeovers.empty:
        signal = takeovers[takeovers["failures"] >= cfg.takeover_min_failures]
        joined = into.merge(signal, left_on="src", right_on="account")
        wait = joined["ts"] - pd.to_datetime(joined["new_device_at"])
        near = joined[(wait >= pd.Timedelta(0)) & (wait <= hours(cfg.drain_window_hours))]
        login = per.index.isin(near["src"].unique())
        login = pd.Series(login, index=per.index)
    keep = drained | login
    result = per[keep].assign(takeover_login=login[keep]).reset_index()
    result = result.rename(columns={"src": "account"})[cols]
    edges = into[into["src"].isin(result["account"])][["src", "dst", "ts", "amount"]].copy()
    edges["evidence"] = "drain"
    return result.reset_index(drop=True), edges.reset_index(drop=True)
