"""The tables detectors work on, and small helpers shared by several detectors.

Detectors are pure functions over pandas DataFrames exported in bulk from Neo4j (see
``detectors.export``); unit tests build the same frames by hand.

- ``transfers``: one row per completed Pix transfer: ``src``, ``dst`` (account ids),
  ``ts`` (datetime64), ``amount`` (reais, float).
- ``identifiers``: ``account``, ``kind`` ('device', 'ip', 'phone', 'email'), ``identifier``.
- ``accounts``: ``account``, ``opened`` (datetime64 or NaT), ``gnn_score`` (float or NaN).
- ``seeds``: known cases to trace from: ``src``, ``dst``, ``ts``, ``origin`` ('case' for a
  confirmed fraud report, 'decision' for an investigator's confirmation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from detectors.oneoff import empty_outside, empty_pace

# One row per ring or linked-account cluster, as every detection step returns them.
RING_COLUMNS = [
    "kind",
    "members",
    "size",
    "score",
    "reasons",
    "typology_guess",
    "first_seen",
    "last_seen",
    "total_amount",
]

TRANSFER_COLUMNS = ("src", "dst", "ts", "amount")
EDGE_COLUMNS = ("src", "dst", "ts", "amount", "evidence")


def empty_transfers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "src": pd.Series(dtype=object),
            "dst": pd.Series(dtype=object),
            "ts": pd.Series(dtype="datetime64[ns]"),
            "amount": pd.Series(dtype=float),
        }
    )


def transfers_frame(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Build a transfers frame from (src, dst, 'YYYY-MM-DD HH:MM', amount) tuples (tests)."""
    if not rows:
        return empty_transfers()
    frame = pd.DataFrame(rows, columns=list(TRANSFER_COLUMNS))
    frame["ts"] = pd.to_datetime(frame["ts"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


def edges(frame: pd.DataFrame, evidence: str) -> pd.DataFrame:
    """Transfers tagged with the detector that found them (the ring graph's edges)."""
    out = frame.loc[:, ["src", "dst", "ts", "amount"]].copy()
    out["evidence"] = evidence
    return out


def empty_edges() -> pd.DataFrame:
    return edges(empty_transfers(), "")


def has_clock_times(transfers: pd.DataFrame) -> bool:
    """True unless every timestamp has the same time of day (a day-level export: all at
    midnight, or all at one posting hour)."""
    if transfers.empty:
        return True
    ts = transfers["ts"]
    time_of_day = ts - ts.dt.normalize()
    return bool((time_of_day != time_of_day.iloc[0]).any())


def hours(n: float) -> np.timedelta64:
    return np.timedelta64(int(n * 3600), "s")


@dataclass
class Inputs:
    """Everything one detection run reads from the graph."""

    transfers: pd.DataFrame
    identifiers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["account", "kind", "identifier"])
    )
    accounts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["account", "opened", "gnn_score"])
    )
    fraud_accounts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["account", "reports"])
    )
    takeovers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["account", "failures", "new_device_at"])
    )
    # Known cases the money trace starts from: src, dst, ts (datetime64), origin.
    seeds: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"src": [], "dst": [], "ts": pd.Series(dtype="datetime64[ns]"), "origin": []}
        )
    )
    # When the transfers are one window of a longer history: account pairs of the window and
    # how many transfers each made outside it (src, dst, transfers), so that a relationship
    # that repeats across windows is not read as a one-off.
    outside_pairs: pd.DataFrame = field(default_factory=empty_outside)
    # ... and each account's pace outside it: its one-off counterparties there, in and out,
    # and the days it was active there (account, one_off_in, one_off_out, days), so that a
    # burst of strangers is measured against the account's whole history.
    outside_pace: pd.DataFrame = field(default_factory=empty_pace)
    # Accounts held by a company (a CNPJ): their pace is judged against companies.
    companies: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
