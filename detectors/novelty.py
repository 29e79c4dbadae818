"""Hub-centred novelty: a burst of new, single-use counterparties around one account.

A collector (fan-in) or a distributor (fan-out) deals with many accounts it never dealt with
before and never deals with again, within some window. How long the window is depends on the
scheme: minutes for a Pix cash-out, weeks for slow layering. So every window length in
``novelty_windows_days`` is tried, and a burst is judged against two yardsticks instead of a
fixed count:

- the account's own baseline: how many one-off counterparties it has outside the burst,
  scaled to the burst's length (a shop that always has new customers is not bursting);
- the population: the account's rate starts from the spread of the rates of accounts as busy
  as it is (the quantile bin of its ordinary counterparties, those it deals with more than
  once: a quiet account that suddenly meets many new ones surprises more than a busy
  one), and how
  many bursts this strong chance alone gives in the current graph is measured by the null
  model (``detectors.null``), which turns the burst's surprise into its strength.

Surprise is -log10 of the probability of seeing at least that many one-off counterparties in
the window. The account's rate is uncertain: it starts from the population's spread of rates
(a gamma distribution fitted to the accounts of its class, ``gamma_prior``) and is updated by
what the account did outside the burst over its days at risk (from its first transfer to the
end of the window, plus the days it was active outside the window when the run reads one
window of a longer history), which gives a negative-binomial count for the window.
Bins are quantiles of the current graph, so they adapt to its population.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import nbinom, rankdata

from detectors import null
from detectors.config import DetectionConfig
from detectors.oneoff import OneOff

BURST_COLUMNS = [
    "hub",
    "direction",
    "window_days",
    "start_day",
    "n",
    "expected",
    "surprise",
    "members",
    "rows",
]


def empty_bursts() -> pd.DataFrame:
    return pd.DataFrame(columns=BURST_COLUMNS)


def _best_windows(hub: np.ndarray, day: np.ndarray, width: float) -> tuple[np.ndarray, ...]:
    """Per hub with events: (hub, first event index, count) of its busiest window of
    ``width`` days that starts at one of its events; ``hub`` and ``day`` sorted by hub, day."""
    key = hub * 1e6 + day  # days stay far below 1e6
    ends = np.searchsorted(key, key + width, side="right")
    count = ends - np.arange(len(key))
    order = np.lexsort((-count, hub))
    first = order[np.r_[True, hub[order][1:] != hub[order][:-1]]]
    return hub[first], first, count[first]


def detect(graph: OneOff, cfg: DetectionConfig) -> pd.DataFrame:
    """Novelty bursts of both directions (BURST_COLUMNS), at most one per hub and direction,
    with at least ``novelty_min_counterparties`` and ``novelty_min_surprise``."""
    found = []
    for direction in ("in", "out"):
        best, order, other, day = _direction(graph, cfg, direction)
        hubs = (graph.dst if direction == "in" else graph.src)[order]
        for r in best.itertuples(index=False):
            idx = _extent(hubs, day, int(r.first), int(r.first + r.n), r.window_days)
            found.append(
                {
                    "hub": graph.names[r.hub],
                    "direction": direction,
                    "window_days": r.window_days,
                    "start_day": float(day[r.first]),
                    "n": len(idx),
                    "expected": float(r.expected),
                    "surprise": float(r.surprise),
                    "members": sorted({graph.names[r.hub], *graph.names[np.unique(other[idx])]}),
                    "rows": order[idx],
                }
            )
    return pd.DataFrame(found, columns=BURST_COLUMNS) if found else empty_bursts()


def _extent(hub: np.ndarray, day: np.ndarray, lo: int, hi: int, width: float) -> np.ndarray:
    """The burst's events grown to its neighbours of the same hub closer than ``width`` days
    (a burst that straddles its best window is kept whole)."""
    while lo > 0 and hub[lo - 1] == hub[lo] and day[lo] - day[lo - 1] <= width:
        lo -= 1
    while hi < len(hub) and hub[hi] == hub[hi - 1] and day[hi] - day[hi - 1] <= width:
        hi += 1
    return np.arange(lo, hi)


def null_surprises(
    direction: str,
) -> Callable[[OneOff, DetectionConfig, np.random.Generator], np.ndarray]:
    """The null measure of one direction's bursts: surprises on a copy whose transfers are
    redrawn on random days within their hub's active period (``null.redraw_days``)."""

    def measure(graph: OneOff, cfg: DetectionConfig, rng: np.random.Generator) -> np.ndarray:
        copy = null.redraw_days(graph, rng, graph.dst if direction == "in" else graph.src)
        values: np.ndarray = _direction(copy, cfg, direction)[0]["surprise"].to_numpy()
        return values

    return measure


def gamma_prior(total: np.ndarray, exposure: np.ndarray) -> tuple[float, float]:
    """Shape and rate of a gamma distribution of the population's one-off rates (events per
    day at risk), fitted by moments with each account weighted by its exposure and the
    Poisson noise of its own count taken out of the spread (the empirical-Bayes estimator of
    Clayton and Kaldor). The mean is the pooled pace, all events over all days at risk: an
    account seen for one day that met one stranger has a rate of 1 a day on paper and must
    not set the pace of everyone. The spread that is left makes the yardstick honest: where
    many ordinary accounts meet new counterparties often, a burst surprises less."""
    if exposure.sum() <= 0 or total.sum() <= 0:
        return 1.0, 1e6
    mean = float(total.sum() / exposure.sum())
    rate = total / exposure
    spread = float((exposure * (rate - mean) ** 2).sum() / exposure.sum())
    var = max(spread - mean / float(exposure.mean()), mean * mean / 1000.0)
    return mean * mean / var, mean / var


def activity_class(graph: OneOff, bins: int) -> np.ndarray:
    """Each account's activity class: the quantile bin (0..bins-1) of its ordinary
    counterparties (those it deals with more than once), by average rank so that accounts
    that tie share a bin, and bins..2*bins-1 for accounts held by a company (a shop or a
    supplier meets new counterparties as a matter of business: a company is judged against
    companies as busy as it is, a person against people); -1 for accounts without
    transfers."""
    everyone = np.bincount(np.r_[graph.src, graph.dst], minlength=len(graph.names))
    ordinary = graph.degree - everyone
    active = graph.degree > 0
    group = np.full(len(graph.names), -1)
    if active.any():
        share = rankdata(ordinary[active], method="average") / int(active.sum())
        group[active] = np.minimum((share * bins).astype(int), bins - 1)
    return np.where(active & graph.company, group + bins, group)


def priors(
    graph: OneOff, total: np.ndarray, exposure: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each account's gamma prior (shape, rate): fitted to the accounts of its own activity
    class (``activity_class``); one bin is one prior for the whole population."""
    group = activity_class(graph, bins)
    shape, rate = np.ones(len(total)), np.full(len(total), 1e6)
    for g in np.unique(group[group >= 0]):
        members = group == g
        shape[members], rate[members] = gamma_prior(total[members], exposure[members])
    return shape, rate


def _direction(
    graph: OneOff, cfg: DetectionConfig, direction: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Each hub's most surprising window over all lengths, above the floors: (best frame,
    edge order, counterpart per ordered edge, day per ordered edge)."""
    hub_all, other_all = (graph.dst, graph.src) if direction == "in" else (graph.src, graph.dst)
    order = np.lexsort((graph.day, hub_all))
    # shops and employers (more counterparties than the trace walks through) are no strangers
    order = order[graph.degree[other_all[order]] <= cfg.trace_max_degree]
    hub, other, day = hub_all[order], other_all[order], graph.day[order]
    cols = ["hub", "first", "n", "expected", "surprise", "window_days"]
    if len(hub) == 0:
        return pd.DataFrame(columns=cols), order, other, day
    # the window's one-off counterparties and those outside it, when the window is one of many
    total = np.bincount(hub, minlength=len(graph.names)) + graph.away(direction)
    # days at risk: an account can meet strangers from its first transfer to the window's end,
    # and on the days it was active outside the window
    exposure = np.maximum(graph.span_days - graph.first_day, 1.0) + graph.away_days
    shape, rate = priors(graph, total, exposure, cfg.novelty_prior_bins)
    frames = []
    for width in cfg.novelty_windows_days:
        h, first, n = _best_windows(hub, day, float(width))
        outside = total[h] - n
        seen = np.maximum(exposure[h] - width, 0.0)
        # Gamma-Poisson: the account's rate given what it did outside the burst.
        a, b = shape[h] + outside, rate[h] + seen
        p = nbinom.sf(n - 1, a, b / (b + width))
        frames.append(
            pd.DataFrame(
                {
                    "hub": h,
                    "first": first,
                    "n": n,
                    "expected": a / b * width,
                    "surprise": -np.log10(np.maximum(p, 1e-300)),
                    "window_days": float(width),
                }
            )
        )
    best = pd.concat(frames, ignore_index=True)
    best = best.sort_values(["surprise", "window_days"], ascending=[False, True])
    best = best.drop_duplicates("hub")
    best = best[
        (best["surprise"] >= cfg.novelty_min_surprise)
        & (best["n"] >= cfg.novelty_min_counterparties)
    ]
    return best, order, other, day
