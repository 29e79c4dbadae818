"""Slow laundering groups: 4-11 accounts move money in 4-12 transfers over days to weeks.

Each typology is a function of a random stream returning one group's transfers in member-local
indices, in path order, with `prev` (the transfer whose money a transfer passes on, -1 for
money the group already had) and a day offset within the group's span. A hop never happens
before its money arrived (same day allowed); each hop keeps a 1-5% fee. Amounts come from
the ordinary range, so only the shape, the timing and the one-off edges give a group away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.generator.profiles.everyday import ORDINARY_HI, ORDINARY_LO, ordinary_reais
from ringwatch.errors import RingwatchError

TYPOLOGIES = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter")
GROUPS_PER_SCALE = 60
FAST_SHARE = 0.12  # of groups, done within 1-3 days
MEDIAN_SPAN, MAX_SPAN = 22.0, 42.0  # days, for the others
DETECTABLE = 6  # a group starts at least this many days before the window ends


@dataclass
class Flow:
    """One group's transfers (member-local indices), in path order."""

    members: int
    src: np.ndarray
    dst: np.ndarray
    offset: np.ndarray  # float days from the group's first transfer
    reais: np.ndarray
    prev: np.ndarray  # index of the transfer passed on, -1 when none


def _fee(rng: np.random.Generator, n: int) -> np.ndarray:
    return 1 - rng.uniform(0.01, 0.05, n)


def _pinned(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    """n unordered days in [lo, hi], the earliest at lo and the latest at hi."""
    t = rng.uniform(lo, hi, n)
    t[np.argmin(t)] = lo
    if n > 1:
        t[np.argmax(t)] = hi
    return t


def fan_in(rng: np.random.Generator, span: float) -> Flow:
    """4-10 accounts each pay one collector (member 0), spread over the span."""
    k = int(rng.integers(4, 11))
    payers, collector = np.arange(1, k + 1), np.zeros(k, np.int64)
    offset = _pinned(rng, k, 0, span)
    return Flow(k + 1, payers, collector, offset, ordinary_reais(rng, k), np.full(k, -1))


def fan_out(rng: np.random.Generator, span: float) -> Flow:
    """One account (member 0) pays 4-10 others, spread over the span."""
    k = int(rng.integers(4, 11))
    payer, payees = np.zeros(k, np.int64), np.arange(1, k + 1)
    offset = _pinned(rng, k, 0, span)
    return Flow(k + 1, payer, payees, offset, ordinary_reais(rng, k), np.full(k, -1))


def cycle(rng: np.random.Generator, span: float) -> Flow:
    """Money leaves member 0 and comes back to it through 3-10 others, hop after hop."""
    m = int(rng.integers(4, 12))
    start = ordinary_reais(rng, 1, lo=60.0)[0]
    reais = start * np.cumprod(np.r_[1.0, _fee(rng, m - 1)])
    offset = np.sort(_pinned(rng, m, 0, span))
    return Flow(m, np.arange(m), (np.arange(m) + 1) % m, offset, reais, np.arange(m) - 1)


def scatter_gather(rng: np.random.Generator, span: float) -> Flow:
    """A source (0) pays 2-6 middles; each passes it on, less a fee, to one sink (last)."""
    k = int(rng.integers(2, 7))
    middles = np.arange(1, k + 1)
    out_day = _pinned(rng, k, 0, span * rng.uniform(0.2, 0.6))
    in_day = out_day + rng.random(k) * (span - out_day)
    in_day[np.argmax(in_day)] = span
    sent = ordinary_reais(rng, k, lo=40.0)
    return Flow(
        k + 2,
        np.r_[np.zeros(k, np.int64), middles],
        np.r_[middles, np.full(k, k + 1)],
        np.r_[out_day, in_day],
        np.r_[sent, sent * _fee(rng, k)],
        np.r_[np.full(k, -1), np.arange(k)],
    )


def gather_scatter(rng: np.random.Generator, span: float) -> Flow:
    """2-5 accounts pay a hub (0); once all has arrived the hub pays 2-5 others, less a fee."""
    k_in = int(rng.integers(2, 6))
    k_out = int(rng.integers(2, min(5, 10 - k_in) + 1))
    in_day = _pinned(rng, k_in, 0, span * rng.uniform(0.2, 0.6))
    last = in_day.max()
    out_day = _pinned(rng, k_out, last + rng.random() * (span - last), span)
    got = ordinary_reais(rng, k_in)
    share = rng.dirichlet(np.full(k_out, 4.0))
    sent = got.sum() * _fee(rng, 1)[0] * share
    sent = np.clip(sent, ORDINARY_LO * 1.5, ORDINARY_HI * rng.uniform(0.8, 1.0, k_out))
    senders, payees = np.arange(1, k_in + 1), np.arange(k_in + 1, k_in + k_out + 1)
    return Flow(
        k_in + k_out + 1,
        np.r_[senders, np.zeros(k_out, np.int64)],
        np.r_[np.zeros(k_in, np.int64), payees],
        np.r_[in_day, out_day],
        np.r_[got, sent],
        np.r_[np.full(k_in, -1), np.full(k_out, int(np.argmax(in_day)))],
    )


FLOWS: dict[str, Callable[[np.random.Generator, float], Flow]] = {
    "fan_in": fan_in,
    "fan_out": fan_out,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "gather_scatter": gather_scatter,
}


@dataclass
class Laundering:
    """All groups: ground truth (member, group, typology) and transfers in global holders."""

    member: np.ndarray
    group: np.ndarray
    typology: list[str]
    src: np.ndarray
    dst: np.ndarray
    day: np.ndarray
    cents: np.ndarray
    tx_group: np.ndarray
    prev: np.ndarray  # global index into these transfers, -1 when none
    seq: np.ndarray  # position along the group's path


def n_groups(scale: float) -> int:
    """About 60 groups per unit of scale, at least one of each typology."""
    return max(len(TYPOLOGIES), round(GROUPS_PER_SCALE * scale))


def _span(rng: np.random.Generator) -> float:
    if rng.random() < FAST_SHARE:
        return float(rng.uniform(1, 3))
    return float(np.clip(np.exp(rng.normal(np.log(MEDIAN_SPAN), 0.45)), 4, MAX_SPAN))


def plan_groups(rng: np.random.Generator, count: int, pool: np.ndarray, days: int) -> Laundering:
    """Draw `count` groups, typologies evenly mixed, members disjoint from `pool` (eligible
    holders, in random order)."""
    typology = [TYPOLOGIES[i % len(TYPOLOGIES)] for i in rng.permutation(count)]
    member, group, src, dst, day, reais, tx_group, prev, seq = ([] for _ in range(9))
    used = n_tx = 0
    for g, (name, child) in enumerate(zip(typology, rng.spawn(count), strict=True)):
        span = min(_span(child), max(1.0, days - DETECTABLE - 1.0))  # short windows
        flow = FLOWS[name](child, span)
        if used + flow.members > pool.size:
            raise RingwatchError(
                f"--scale is too small for the slow-layering groups ({pool.size} eligible accounts)"
            )
        holders = pool[used : used + flow.members]
        used += flow.members
        first = int(
            child.integers(0, max(1, min(days - 1 - int(np.ceil(span)), days - DETECTABLE)))
        )
        member.append(holders)
        group.append(np.full(flow.members, g))
        src.append(holders[flow.src])
        dst.append(holders[flow.dst])
        day.append(first + np.floor(flow.offset).astype(np.int64))
        reais.append(flow.reais)
        tx_group.append(np.full(flow.src.size, g))
        prev.append(np.where(flow.prev >= 0, flow.prev + n_tx, -1))
        seq.append(np.arange(flow.src.size))
        n_tx += flow.src.size
    return Laundering(
        member=np.concatenate(member),
        group=np.concatenate(group),
        typology=typology,
        src=np.concatenate(src),
        dst=np.concatenate(dst),
        day=np.concatenate(day),
        cents=np.maximum(np.round(np.concatenate(reais) * 100), 1).astype(np.int64),
        tx_group=np.concatenate(tx_group),
        prev=np.concatenate(prev),
        seq=np.concatenate(seq),
    )
