"""One-off edges: transfers between two accounts that deal with each other only once.

Ordinary money relationships repeat: rent, salaries, a family member, a regular shop. The
transfers a laundering group makes to move money are, by contrast, mostly single transfers
between accounts that never deal with each other again, whatever the speed of the scheme.
``one_off`` keeps those transfers, numbered by account code so later steps run on integers.
The pair is unordered: paying back someone who paid you is part of one relationship.

A run that reads one time window of a longer history passes the transfers each pair made
outside the window (``outside``: src, dst, transfers): a pair that pays every two months is an
ordinary relationship even when a 120-day window holds only one of its transfers. It also
passes each account's pace away from the window (``pace``: account, one-off counterparties
in and out outside the window, and the days it was active outside it), so that an account's
yardstick for a burst of strangers is its whole history, not one window of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY_S = 86_400


@dataclass
class OneOff:
    """The one-off transfer graph on integer account codes.

    ``names`` maps a code to the account id; ``src``, ``dst``, ``day`` (float days since the
    first transfer of the window), ``amount`` and ``row`` (row in the transfers frame) describe
    each one-off edge; ``span_days`` is the length of the observed window; ``degree`` is each
    account's number of distinct counterparties over all transfers (one-off or not) and
    ``active_days`` the length of the period it was active, from ``first_day``
    (``active_period``). ``away_in``, ``away_out`` and ``away_days`` are each account's
    one-off counterparties (senders, receivers) outside the window, and the days it was
    active outside it (all zero when the window is the whole history). ``company`` marks the
    accounts held by a company (a CNPJ).
    """

    names: pd.Index
    src: np.ndarray
    dst: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    row: np.ndarray
    span_days: float
    degree: np.ndarray
    active_days: np.ndarray
    first_day: np.ndarray
    away_in: np.ndarray
    away_out: np.ndarray
    away_days: np.ndarray
    company: np.ndarray

    def __len__(self) -> int:
        return len(self.src)

    def away(self, direction: str) -> np.ndarray:
        """Each account's one-off counterparties outside the window: senders (``in``) or
        receivers (``out``)."""
        return self.away_in if direction == "in" else self.away_out

    def frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The (selected) edges as a frame with account ids: src, dst, day, amount, row."""
        idx = np.arange(len(self.src)) if rows is None else rows
        return pd.DataFrame(
            {
                "src": self.names[self.src[idx]],
                "dst": self.names[self.dst[idx]],
                "day": self.day[idx],
                "amount": self.amount[idx],
                "row": self.row[idx],
            }
        )


def days_since_start(ts: pd.Series) -> np.ndarray:
    """Timestamps as float days since the earliest one."""
    secs = ts.to_numpy().astype("datetime64[s]").astype(np.int64)
    days: np.ndarray = (secs - (secs.min() if len(secs) else 0)) / DAY_S
    return days


PACE_COLUMNS = ["account", "one_off_in", "one_off_out", "days"]


def empty_pace() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account": pd.Series(dtype=object),
            "one_off_in": pd.Series(dtype=np.int64),
            "one_off_out": pd.Series(dtype=np.int64),
            "days": pd.Series(dtype=float),
        }
    )


def empty_outside() -> pd.DataFrame:
    return pd.DataFrame(
        {"src": pd.Series(dtype=object), "dst": pd.Series(dtype=object), "transfers": []}
    )


def coded_pairs(
    transfers: pd.DataFrame, outside: pd.DataFrame | None = None
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Accounts as integer codes: (names, src codes, dst codes, unordered pair key of each
    transfer, transfers of that pair for each transfer, counting the ``outside`` transfers of
    the pair: rows src, dst, transfers, either order, an unordered pair given twice counted
    once)."""
    codes, names = pd.factorize(pd.concat([transfers["src"], transfers["dst"]], ignore_index=True))
    m = len(transfers)
    s, d = codes[:m].astype(np.int64), codes[m:].astype(np.int64)
    n = max(len(names), 1)
    key = np.minimum(s, d) * n + np.maximum(s, d)
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    if outside is not None and len(outside):
        os_, od = (
            pd.Index(names).get_indexer(outside["src"]),
            pd.Index(names).get_indexer(outside["dst"]),
        )
        seen = (os_ >= 0) & (od >= 0)
        okey = np.minimum(os_, od)[seen] * n + np.maximum(os_, od)[seen]
        extra = pd.Series(outside["transfers"].to_numpy(dtype=np.int64)[seen]).groupby(okey).max()
        at = np.searchsorted(uniq, extra.index.to_numpy())
        hit = (at < len(uniq)) & (uniq[np.minimum(at, len(uniq) - 1)] == extra.index.to_numpy())
        counts = counts.copy()
        counts[at[hit]] += extra.to_numpy()[hit]
    return pd.Index(names), s, d, key, counts[inverse]


def active_period(account: np.ndarray, day: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each account's (start day, length in days) of activity, estimated from the days of its
    ``k`` transfers: the span from first to last transfer, widened on both sides by one mean
    gap, span / (k - 1), and kept inside the observed window. The span between first and last
    is shorter than the period an account is active (a quiet account paying three times in a
    quarter was not active for only the six weeks between its first and last payment); this is
    the usual unbiased estimate of a uniform range, and with it the null model spreads a quiet
    account's transfers over as long a period as its real ones, not a shorter one."""
    if len(day) == 0:
        return np.zeros(n), np.zeros(n)
    k = np.bincount(account, minlength=n).astype(float)
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(lo, account, day)
    np.maximum.at(hi, account, day)
    lo, hi = np.where(k > 0, lo, 0.0), np.where(k > 0, hi, 0.0)
    pad = np.where(k >= 2, (hi - lo) / np.maximum(k - 1, 1), 0.0)
    start = np.maximum(lo - pad, float(day.min()))
    return start, np.minimum(hi + pad, float(day.max())) - start


def _away(names: pd.Index, pace: pd.DataFrame | None) -> tuple[np.ndarray, ...]:
    """``pace`` (PACE_COLUMNS) as arrays by account code: one-off in, one-off out, days."""
    n = len(names)
    ins, outs, days = np.zeros(n), np.zeros(n), np.zeros(n)
    if pace is not None and len(pace):
        at = names.get_indexer(pace["account"])
        seen = at >= 0
        ins[at[seen]] = pace["one_off_in"].to_numpy(dtype=float)[seen]
        outs[at[seen]] = pace["one_off_out"].to_numpy(dtype=float)[seen]
        days[at[seen]] = pace["days"].to_numpy(dtype=float)[seen]
    return ins, outs, days


def one_off(
    transfers: pd.DataFrame,
    outside: pd.DataFrame | None = None,
    pace: pd.DataFrame | None = None,
    companies: pd.Index | None = None,
) -> OneOff:
    """The transfers whose unordered account pair occurs exactly once in ``transfers`` and
    never ``outside`` it (``coded_pairs``); ``pace``: each account's one-off counterparties
    and active days outside the window (PACE_COLUMNS); ``companies``: the ids of accounts held
    by a company."""
    names, s, d, key, pair = coded_pairs(transfers, outside)
    away_in, away_out, away_days = _away(names, pace)
    m, n = len(transfers), max(len(names), 1)
    single = np.flatnonzero((pair == 1) & (s != d))
    day = days_since_start(transfers["ts"])
    pairs = np.unique(key[s != d])
    degree = np.bincount(np.r_[pairs // n, pairs % n], minlength=len(names))
    first, active = active_period(np.r_[s, d], np.r_[day, day], len(names))
    return OneOff(
        names=names,
        src=s[single],
        dst=d[single],
        day=day[single],
        amount=transfers["amount"].to_numpy(dtype=float)[single],
        row=single,
        span_days=float(day.max()) if m else 0.0,
        degree=degree,
        active_days=active,
        first_day=first,
        away_in=away_in,
        away_out=away_out,
        away_days=away_days,
        company=names.isin(companies) if companies is not None else np.zeros(len(names), bool),
    )
