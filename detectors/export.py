"""Bulk export of what the detectors read, through the gateway and stored Cypher.

Large results travel as columns (one record of parallel lists per day of transfers): the
Python driver decodes lists about ten times faster than the same values as rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import Inputs, empty_transfers
from graph.gateway import Graph


def time_window(gateway: Graph, cfg: DetectionConfig) -> tuple[str, str] | None:
    """(since, until) as ISO local times: ``window_days`` before the newest transfer."""
    row = gateway.query("detectors/time_range", mode="read").rows[0]
    if not row["transfers"]:
        return None
    last = datetime.fromisoformat(row["last"])
    first = datetime.fromisoformat(row["first"])
    until = last + timedelta(seconds=1)
    since = until - timedelta(days=cfg.window_days) if cfg.window_days else first
    return since.isoformat(timespec="seconds"), until.isoformat(timespec="seconds")


def transfers(gateway: Graph, since: str, until: str) -> pd.DataFrame:
    """Completed transfers in [since, until): src, dst, ts, amount."""
    days = gateway.query(
        "detectors/transfers", {"since": since, "until": until}, mode="read"
    ).columns()
    if not days.get("day"):
        return empty_transfers()
    frame = pd.DataFrame(
        {
            "src": np.concatenate([np.asarray(d, dtype=object) for d in days["src"]]),
            "dst": np.concatenate([np.asarray(d, dtype=object) for d in days["dst"]]),
            "ts": pd.to_datetime(np.concatenate(days["ts"]), unit="s"),
            "amount": np.concatenate([np.asarray(d, dtype=float) for d in days["amount"]]),
        }
    )
    return frame.sort_values(["ts", "src", "dst"], kind="stable").reset_index(drop=True)


def identifiers(gateway: Graph, cfg: DetectionConfig) -> pd.DataFrame:
    """Shared identifiers within their caps: account, kind, identifier."""
    caps = {
        "device_cap": cfg.device_cap,
        "ip_cap": cfg.ip_cap,
        "phone_cap": cfg.phone_cap,
        "email_cap": cfg.email_cap,
    }
    shared = gateway.query("detectors/identifiers", caps, mode="read").columns()
    if not shared.get("identifier"):
        return pd.DataFrame(columns=["account", "kind", "identifier"])
    frame = pd.DataFrame(shared).explode("accounts").rename(columns={"accounts": "account"})
    frame["identifier"] = frame["identifier"].astype(str)
    return frame[["account", "kind", "identifier"]].reset_index(drop=True)


def accounts(gateway: Graph, ids: list[str]) -> pd.DataFrame:
    """Opening date and GNN score of the given accounts."""
    rows = gateway.query("detectors/accounts", {"ids": ids}, mode="read").rows if ids else []
    frame = pd.DataFrame(rows, columns=["account", "opened", "gnn_score"])
    frame["opened"] = pd.to_datetime(frame["opened"], errors="coerce")
    frame["gnn_score"] = pd.to_numeric(frame["gnn_score"], errors="coerce")
    return frame


def fraud_accounts(gateway: Graph) -> pd.DataFrame:
    """Accounts that received payments confirmed as fraud: account, reports."""
    rows = gateway.query("detectors/fraud_accounts", mode="read").rows
    return pd.DataFrame(rows, columns=["account", "reports"])


def takeovers(gateway: Graph, cfg: DetectionConfig) -> pd.DataFrame:
    """Takeover-login signals per account: account, failures, new_device_at."""
    rows = gateway.query(
        "detectors/takeover_logins", {"min_failures": cfg.takeover_min_failures}, mode="read"
    ).rows
    frame = pd.DataFrame(rows, columns=["account", "failures", "new_device_at"])
    frame["new_device_at"] = pd.to_datetime(frame["new_device_at"], errors="coerce")
    return frame


def seeds(gateway: Graph, since: str, until: str) -> pd.DataFrame:
    """Confirmed cases and investigators' confirmations as trace seeds: src, dst, ts, origin."""
    rows = gateway.query(
        "detectors/seed_transfers", {"since": since, "until": until}, mode="read"
    ).rows
    frame = pd.DataFrame(rows, columns=["src", "dst", "ts", "origin"])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="s")
    return frame


def load_inputs(gateway: Graph, cfg: DetectionConfig) -> tuple[Inputs, tuple[str, str] | None]:
    """Everything a run reads except per-candidate account details (fetched later)."""
    window = time_window(gateway, cfg)
    if window is None:
        return Inputs(transfers=empty_transfers()), None
    return (
        Inputs(
            transfers=transfers(gateway, *window),
            identifiers=identifiers(gateway, cfg),
            fraud_accounts=fraud_accounts(gateway),
            takeovers=takeovers(gateway, cfg),
            seeds=seeds(gateway, *window),
        ),
        window,
    )
