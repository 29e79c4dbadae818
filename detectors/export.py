"""Bulk export of what the detectors read, through the gateway and stored Cypher.

Large results travel as columns (one record of parallel lists per day of transfers): the
Python driver decodes lists about ten times faster than the same values as rows.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import Inputs, empty_transfers
from detectors.oneoff import empty_outside, empty_pace
from graph.gateway import Graph

Window = tuple[str, str]
IDENTIFIER_KEYS = ("kind", "identifier", "accounts")


def time_window(gateway: Graph, cfg: DetectionConfig) -> Window | None:
    """The newest window, (since, until) as ISO local times: ``window_days`` before the
    newest transfer (all history when ``window_days`` is 0)."""
    found = windows(gateway, cfg)
    return found[-1] if found else None


def windows(gateway: Graph, cfg: DetectionConfig) -> list[Window]:
    """The windows one run covers, oldest first (``tiles``); none without transfers."""
    row = gateway.query("detectors/time_range", mode="read").rows[0]
    if not row["transfers"]:
        return []
    return tiles(datetime.fromisoformat(row["first"]), datetime.fromisoformat(row["last"]), cfg)


def tiles(first: datetime, last: datetime, cfg: DetectionConfig) -> list[Window]:
    """Windows of ``window_days`` ending at the newest transfer and stepping back by
    ``window_days - trace_max_days`` until they cover ``history_days`` (0: back to the first
    transfer), oldest first. Consecutive windows overlap by ``trace_max_days``, the longest
    span of a traced or two-hop pattern, so a ring that straddles a boundary is whole in one
    window. One window when the history fits in one."""
    until = last + timedelta(seconds=1)
    start = until - timedelta(days=cfg.history_days) if cfg.history_days else first
    start = max(start, first)
    if not cfg.window_days:
        return [(_iso(start), _iso(until))]
    width = timedelta(days=cfg.window_days)
    step = width - timedelta(days=cfg.trace_max_days)
    out = [(until - width, until)]
    while out[-1][0] > start:
        end = out[-1][1] - step
        out.append((end - width, end))
    return [(_iso(since), _iso(end)) for since, end in reversed(out)]


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


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
    """Shared identifiers within their caps: account, kind, identifier (devices first, then
    IPs, phones and e-mails). The device walk and the others run at once, on two
    connections: both read every login, and Neo4j runs each query on one core."""
    caps = {"ip_cap": cfg.ip_cap, "phone_cap": cfg.phone_cap, "email_cap": cfg.email_cap}
    with ThreadPoolExecutor(max_workers=1) as pool:
        devices = pool.submit(
            gateway.query,
            "detectors/identifiers_devices",
            {"device_cap": cfg.device_cap},
            mode="read",
        )
        others = gateway.query("detectors/identifiers", caps, mode="read").columns()
        found = [devices.result().columns(), others]
    shared = {key: [v for part in found for v in part.get(key, [])] for key in IDENTIFIER_KEYS}
    if not shared["identifier"]:
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


def companies(gateway: Graph) -> pd.Index:
    """Ids of the accounts held by a company."""
    cols = gateway.query("detectors/company_accounts", mode="read").columns()
    return pd.Index(cols["accounts"][0] if cols.get("accounts") else [], dtype=object)


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


def load_inputs(gateway: Graph, cfg: DetectionConfig) -> tuple[Inputs, Window | None]:
    """Everything a run over the newest window reads except per-candidate account details
    (fetched later)."""
    window = time_window(gateway, cfg)
    if window is None:
        return Inputs(transfers=empty_transfers()), None
    return window_inputs(gateway, window, shared_inputs(gateway, cfg)), window


def shared_inputs(gateway: Graph, cfg: DetectionConfig) -> Inputs:
    """What every window shares: identifiers, confirmed fraud, takeover logins, companies."""
    return Inputs(
        transfers=empty_transfers(),
        identifiers=identifiers(gateway, cfg),
        fraud_accounts=fraud_accounts(gateway),
        takeovers=takeovers(gateway, cfg),
        companies=companies(gateway),
    )


def window_inputs(gateway: Graph, window: Window, shared: Inputs, alone: bool = True) -> Inputs:
    """``shared`` with the inputs of one window (``window_parts``)."""
    return replace(shared, **window_parts(gateway, window, alone))


def window_parts(gateway: Graph, window: Window, alone: bool = True) -> dict[str, pd.DataFrame]:
    """The ``Inputs`` fields of one window: its transfers and trace seeds; unless the window
    is ``alone`` (it holds the whole history), also its pairs' transfers outside it and its
    accounts' pace outside it."""
    return {
        "transfers": transfers(gateway, *window),
        "seeds": seeds(gateway, *window),
        "outside_pairs": empty_outside() if alone else outside_pairs(gateway, *window),
        "outside_pace": empty_pace() if alone else outside_pace(gateway, *window),
    }


def outside_pairs(gateway: Graph, since: str, until: str) -> pd.DataFrame:
    """Pairs with transfers in [since, until) and their completed transfers outside it:
    src, dst, transfers."""
    types = {"src": object, "dst": object, "transfers": np.int64}
    return _window_columns(gateway, "detectors/outside_pairs", since, until, types, empty_outside)


def outside_pace(gateway: Graph, since: str, until: str) -> pd.DataFrame:
    """Accounts with transfers in [since, until) and their pace outside it (one-off
    counterparties in and out, days active): ``oneoff.PACE_COLUMNS``."""
    types = {"account": object, "one_off_in": np.int64, "one_off_out": np.int64, "days": float}
    return _window_columns(gateway, "detectors/outside_pace", since, until, types, empty_pace)


def _window_columns(
    gateway: Graph,
    query: str,
    since: str,
    until: str,
    types: dict[str, Any],
    empty: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """A stored query over [since, until) that returns one record of parallel lists, as a
    frame with these column ``types`` (``empty()`` when it returns no rows)."""
    cols = gateway.query(query, {"since": since, "until": until}, mode="read").columns()
    first = next(iter(types))
    if not cols.get(first) or not cols[first][0]:
        return empty()
    return pd.DataFrame({k: np.asarray(cols[k][0], dtype=t) for k, t in types.items()})
