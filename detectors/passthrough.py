"""Pass-through ("relay") detection: money that leaves an account within hours of arriving.

An account's transfers, in time order, are cut into *episodes* wherever nothing happens for
``episode_gap_hours``. An episode is a pass-through episode when it starts with money coming
in, is short, receives a meaningful amount and sends most of it on (``relay_min_ratio`` to
``relay_max_ratio``). Mules do this over and over; ordinary people rarely, merchants never
(their money stays for days). The transfers sent during pass-through episodes are *relay
edges*; an account that keeps relayed money instead of passing it on is a *sink* when several
relays feed it and relayed money is a large part of what it receives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import hours


@dataclass
class PassThrough:
    """Episodes, relay accounts, relay edges and sinks found in a set of transfers."""

    episodes: pd.DataFrame  # one row per pass-through episode
    relays: pd.DataFrame  # one row per relay account: counts, amounts, delays
    relay_edges: pd.DataFrame  # transfers sent during pass-through episodes
    sinks: pd.DataFrame  # non-relays fed by several relays: account, senders, relayed_in
    inflow: pd.Series  # total received per account (index: account)
    # pass-through episodes of every account, those usual for their kind included (the clock
    # check compares this with shuffled times, which are not filtered either)
    all_episodes: int = 0


def _events(transfers: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Each transfer seen from both ends, sorted by account and time (inflows first), with
    the account as a code into the returned account ids (a column of twice as many account
    ids as transfers would cost more to build than everything else here)."""
    n = len(transfers)
    row = np.arange(n)
    amount = transfers["amount"].to_numpy(dtype=float)
    account = np.concatenate([transfers["src"].to_numpy(), transfers["dst"].to_numpy()])
    code, names = pd.factorize(account)
    ts = np.concatenate([transfers["ts"].to_numpy()] * 2).astype("datetime64[ns]")
    is_out = np.concatenate([np.ones(n, dtype=np.int8), np.zeros(n, dtype=np.int8)])
    order = np.lexsort((is_out, ts, code))
    events = pd.DataFrame(
        {
            "code": code[order],
            "ts": ts[order],
            "inflow": np.concatenate([np.zeros(n), amount])[order],
            "outflow": np.concatenate([amount, np.zeros(n)])[order],
            "row": np.concatenate([row, row])[order],
            "is_out": is_out[order],
        }
    )
    return events, np.asarray(names, dtype=object)


def find_episodes(transfers: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """Every episode of every account with its in/out sums, timing and pass-through flag;
    also returns each event's episode number in ``attrs['events']``."""
    ev, names = _events(transfers)
    code, ts = ev["code"].to_numpy(), ev["ts"].to_numpy()
    new = np.ones(len(ev), dtype=bool)
    if len(ev) > 1:
        new[1:] = (code[1:] != code[:-1]) | (ts[1:] - ts[:-1] > hours(cfg.episode_gap_hours))
    ev["episode"] = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    if len(starts) == 0:
        ep = pd.DataFrame(
            columns=[
                "account",
                "start",
                "end",
                "inflow",
                "outflow",
                "n_events",
                "n_out",
                "first_in",
                "first_out",
                "starts_in",
                "n_in",
                "ratio",
                "delay_min",
                "is_pass",
            ]
        )
        ep.attrs["events"] = ev[["episode", "row", "is_out"]]
        return ep
    ends = np.r_[starts[1:], len(ev)] - 1
    is_out = ev["is_out"].to_numpy()
    secs = ts.astype("datetime64[s]").astype(np.int64)
    never = np.iinfo(np.int64).max
    first_in = np.minimum.reduceat(np.where(is_out == 0, secs, never), starts)
    first_out = np.minimum.reduceat(np.where(is_out == 1, secs, never), starts)
    ep = pd.DataFrame(
        {
            "account": names[code[starts]],
            "start": ts[starts],
            "end": ts[ends],
            "inflow": np.add.reduceat(ev["inflow"].to_numpy(), starts),
            "outflow": np.add.reduceat(ev["outflow"].to_numpy(), starts),
            "n_events": ends - starts + 1,
            "n_out": np.add.reduceat(is_out.astype(np.int64), starts),
            "starts_in": is_out[starts] == 0,
        }
    )
    ep["n_in"] = ep["n_events"] - ep["n_out"]
    ep["first_in"] = pd.to_datetime(np.where(first_in == never, np.nan, first_in), unit="s")
    ep["first_out"] = pd.to_datetime(np.where(first_out == never, np.nan, first_out), unit="s")
    ratio = ep["outflow"] / ep["inflow"].where(ep["inflow"] > 0)
    ep["ratio"] = ratio
    ep["delay_min"] = (ep["first_out"] - ep["first_in"]).dt.total_seconds() / 60
    ep["is_pass"] = (
        ep["starts_in"]
        & (ep["inflow"] >= cfg.relay_min_amount)
        & ratio.between(cfg.relay_min_ratio, cfg.relay_max_ratio)
        & (ep["end"] - ep["start"] <= hours(cfg.episode_max_hours))
        & (ep["n_out"] > 0)
    )
    ep.attrs["events"] = ev[["episode", "row", "is_out"]]
    return ep


def usual_relays(
    episodes: pd.Series, active: pd.Index, companies: pd.Index, share: float
) -> pd.Index:
    """Companies whose pass-through ``episodes`` (per account) are usual for a company: more
    than ``share`` of the ``active`` companies have at least as many. A shop that pays its
    suppliers the day its customers pay it does what many companies do. People are not
    judged this way: passing money on within hours is a mule's signature, and a population
    in which many people do it is one with many mules, not a reason to excuse them."""
    accounts = active[active.isin(companies)]
    if not len(accounts):
        return pd.Index([])
    counts = episodes.reindex(accounts, fill_value=0).to_numpy()
    ranked = np.sort(counts)
    at_least = len(ranked) - np.searchsorted(ranked, counts, side="left")
    return accounts[(counts > 0) & (at_least / len(ranked) > share)]


def detect(
    transfers: pd.DataFrame, cfg: DetectionConfig, companies: pd.Index | None = None
) -> PassThrough:
    """Find pass-through episodes, relay accounts, relay edges and sinks; a company's
    episodes count only when they are unusual for a company (``usual_relays``;
    ``companies``: the accounts held by a company)."""
    ep = find_episodes(transfers, cfg)
    ev = ep.attrs["events"]
    passing = ep.loc[ep["is_pass"].astype(bool)]
    usual = pd.Index([])
    if companies is not None and len(companies):  # only companies are judged by their kind
        active = pd.Index(pd.unique(np.concatenate([transfers["src"], transfers["dst"]])))
        usual = usual_relays(
            passing.groupby("account").size(), active, companies, cfg.relay_max_class_share
        )
    everyone = len(passing)
    passing = passing[~passing["account"].isin(usual)]
    out_rows = ev.loc[(ev["is_out"] == 1) & ev["episode"].isin(passing.index), "row"]
    relay_edges = transfers.iloc[np.sort(out_rows.to_numpy())].copy()
    delay = passing["delay_min"]
    relays = (
        passing.assign(delay=delay, kept=np.minimum(passing["inflow"], passing["outflow"]))
        .groupby("account")
        .agg(
            episodes=("inflow", "size"),
            relayed_in=("inflow", "sum"),
            relayed_out=("kept", "sum"),
            median_delay_min=("delay", "median"),
            senders=("n_in", "sum"),
        )
    )
    inflow = transfers.groupby("dst")["amount"].sum()
    # an account whose passing money on is usual for its kind is no sink either: it keeps
    # nothing, it only does what its peers do
    into = relay_edges[~relay_edges["dst"].isin(relays.index) & ~relay_edges["dst"].isin(usual)]
    sinks = into.groupby("dst").agg(senders=("src", "nunique"), relayed_in=("amount", "sum"))
    sinks["share"] = sinks["relayed_in"] / inflow.reindex(sinks.index)
    sinks = sinks[
        (sinks["senders"] >= cfg.sink_min_senders) & (sinks["share"] >= cfg.sink_min_share)
    ]
    sinks.index.name = "account"
    return PassThrough(
        episodes=passing.reset_index(drop=True),
        relays=relays,
        relay_edges=relay_edges,
        sinks=sinks,
        inflow=inflow,
        all_episodes=everyone,
    )


def flow_edges(pt: PassThrough) -> pd.DataFrame:
    """Relay edges that end at another relay or at a sink: the backbone of a ring."""
    keep = pt.relay_edges["dst"].isin(pt.relays.index) | pt.relay_edges["dst"].isin(pt.sinks.index)
    out = pt.relay_edges.loc[keep, ["src", "dst", "ts", "amount"]].copy()
    out["evidence"] = "relay"
    return out
