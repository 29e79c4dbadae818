"""Small vectorised helpers shared by the generator's modules (no Python loops over rows)."""

from __future__ import annotations

import numpy as np


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort-based np.unique, much faster on large int arrays)."""
    s = np.sort(values)
    if s.size == 0:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def offsets(counts: np.ndarray) -> np.ndarray:
    """Start offsets (length n+1) of consecutive blocks with the given sizes."""
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def repeat_index(counts: np.ndarray) -> np.ndarray:
    """For blocks of the given sizes, the block number of every element."""
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def rank_in_group(group_sorted: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal keys (keys already sorted)."""
    n = group_sorted.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.empty(n, dtype=bool)
    start[0] = True
    np.not_equal(group_sorted[1:], group_sorted[:-1], out=start[1:])
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    return np.arange(n) - first


def group_cumsum(group_sorted: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sum of values within runs of equal keys (keys already sorted)."""
    total = np.cumsum(values)
    n = group_sorted.size
    if n == 0:
        return total
    start = np.empty(n, dtype=bool)
    start[0] = True
    np.not_equal(group_sorted[1:], group_sorted[:-1], out=start[1:])
    base = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    return total - (total[base] - values[base])


def weighted_pick(
    rng: np.random.Generator, weights: np.ndarray, n: int, candidates: np.ndarray | None = None
) -> np.ndarray:
    """n draws with replacement, proportional to weights (over candidates when given).
    Draws come out sorted by index (sorted needles keep the search cache-friendly)."""
    cdf = np.cumsum(weights, dtype=float)
    idx = np.searchsorted(cdf, np.sort(rng.random(n)) * cdf[-1], side="right")
    idx = np.minimum(idx, len(weights) - 1)
    return idx if candidates is None else candidates[idx]


def lognormal_cents(
    rng: np.random.Generator, n: int, median: float, sigma: float, lo: float, hi: float
) -> np.ndarray:
    """Heavy-tailed BRL amounts in cents: log-normal around a median, clipped to [lo, hi]."""
    reais = np.exp(rng.normal(np.log(median), sigma, n))
    return np.round(np.clip(reais, lo, hi) * 100).astype(np.int64)


def roundish(rng: np.random.Generator, cents: np.ndarray, share: float) -> np.ndarray:
    """Round a share of amounts to whole R$10 / R$50 like people typing a Pix by hand."""
    step = np.where(cents > 50_000, 5_000, 1_000)
    pick = rng.random(cents.size) < share
    rounded = np.maximum(step, np.round(cents / step) * step).astype(np.int64)
    return np.where(pick, rounded, cents)
