"""Everyday traffic of the slow-layering world: regular counterparties and one-off payments.

Times are whole days (a daily batch export): every helper here returns day numbers within the
window, and the profile turns them into midnights. Amounts come from one shared "ordinary"
log-normal, so laundering transfers cannot be told apart by their amounts alone.
"""

from __future__ import annotations

import numpy as np

from data.generator.arrays import repeat_index, unique_sorted, weighted_pick
from data.generator.tables import TX_TYPE, Txs

# The ordinary range of a Pix between two customers, in reais: log-normal, truncated.
ORDINARY_MEDIAN, ORDINARY_SIGMA, ORDINARY_LO, ORDINARY_HI = 180.0, 1.1, 20.0, 5_000.0
MEAN_REPEATS = 6.0  # payments per regular pair over the window, on average
ONE_OFF_SHARE = 0.15  # of everyday payments: to a random account, once
PAIR_NOISE = 0.10  # a regular pair's amounts vary +-10% around the pair's own amount
# Payment kinds of person-to-person transfers (transferencia, agendado, qrcode).
TIPO_MIX = (
    np.array([TX_TYPE["transferencia"], TX_TYPE["agendado"], TX_TYPE["qrcode"]]),
    np.array([0.85, 0.10, 0.05]),
)


def truncated_lognormal(
    rng: np.random.Generator, n: int, median: float, sigma: float, lo: float, hi: float
) -> np.ndarray:
    """n amounts in reais, log-normal restricted to [lo, hi] by redrawing (no point masses)."""
    out = np.exp(rng.normal(np.log(median), sigma, n))
    bad = np.flatnonzero((out < lo) | (out > hi))
    while bad.size:
        out[bad] = np.exp(rng.normal(np.log(median), sigma, bad.size))
        bad = bad[(out[bad] < lo) | (out[bad] > hi)]
    return out


def ordinary_reais(rng: np.random.Generator, n: int, lo: float = ORDINARY_LO) -> np.ndarray:
    """n amounts from the ordinary range (reais, unrounded)."""
    return truncated_lognormal(rng, n, ORDINARY_MEDIAN, ORDINARY_SIGMA, lo, ORDINARY_HI)


def to_cents(reais: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(reais * 100), 1).astype(np.int64)


def tipos(rng: np.random.Generator, n: int) -> np.ndarray:
    """Payment kinds of n person-to-person transfers."""
    return rng.choice(TIPO_MIX[0], n, p=TIPO_MIX[1]).astype(np.int8)


def periodic_days(
    rng: np.random.Generator, counts: np.ndarray, days: int, jitter: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """For series of the given lengths, roughly evenly spaced days over the window (a random
    phase, each occurrence jittered by a share of the period); returns (series row, day)."""
    series = repeat_index(counts)
    period = days / np.maximum(counts, 1)
    phase = rng.random(counts.size) * period
    rank = np.arange(series.size) - np.repeat(np.cumsum(counts) - counts, counts)
    t = phase[series] + rank * period[series]
    t = t + rng.normal(0, jitter, series.size) * period[series]
    return series, np.clip(np.floor(t), 0, days - 1).astype(np.int64)


def regular_pairs(
    rng: np.random.Generator, activity: np.ndarray, popularity: np.ndarray, n_tx: int, days: int
) -> Txs:
    """About n_tx payments over directed pairs that repeat (MEAN_REPEATS on average, some
    only once): payers by activity, payees by a heavy-tailed popularity (a few hubs)."""
    n = activity.size
    want = max(1, round(n_tx / MEAN_REPEATS * 1.1))
    src = weighted_pick(rng, activity, want)
    dst = weighted_pick(rng, popularity, want)
    src = src[rng.permutation(want)]
    key = unique_sorted((src * n + dst)[src != dst])
    key = key[rng.permutation(key.size)]
    src, dst = key // n, key % n
    # 1 + a gamma-Poisson (negative binomial) count: mean MEAN_REPEATS, long tail
    counts = 1 + rng.poisson(rng.gamma(1.5, (MEAN_REPEATS - 1) / 1.5, key.size))
    keep = np.cumsum(counts) <= n_tx
    src, dst, counts = src[keep], dst[keep], counts[keep]
    pair, day = periodic_days(rng, counts, days)
    base = ordinary_reais(rng, counts.size)
    reais = base[pair] * rng.uniform(1 - PAIR_NOISE, 1 + PAIR_NOISE, pair.size)
    tipo = tipos(rng, counts.size)[pair]
    return Txs.build(src[pair], dst[pair], day, to_cents(reais), tipo)


def one_offs(rng: np.random.Generator, activity: np.ndarray, n_tx: int, days: int) -> Txs:
    """n_tx payments from active accounts to uniformly random accounts, each pair once
    (a repeated draw is dropped, so a few less than n_tx)."""
    n = activity.size
    src = weighted_pick(rng, activity, n_tx)
    dst = rng.integers(0, n, n_tx)
    key = src * n + dst
    order = np.argsort(key, kind="stable")
    first = np.ones(n_tx, dtype=bool)
    first[order[1:]] = key[order[1:]] != key[order[:-1]]
    keep = first & (src != dst)
    src, dst = src[keep], dst[keep]
    day = rng.integers(0, days, src.size)
    return Txs.build(src, dst, day, to_cents(ordinary_reais(rng, src.size)), tipos(rng, src.size))
