"""Everyday Pix traffic: people paying friends, shops, cash withdrawals and business bills.

People pay a stable, small circle of contacts (mostly in their own neighbourhood), so pairs
repeat and triangles form as in real payment graphs. Shops are chosen by popularity and
proximity. Amounts are log-normal (heavy-tailed) and often round.
"""

from __future__ import annotations

import numpy as np

from data.generator.arrays import lognormal_cents, offsets, roundish, weighted_pick
from data.generator.calendar import DAY, HOUR, Window, is_night, sample_times
from data.generator.population import COMPANY, EMPLOYER, MEI, MERCHANT, PERSON, People
from data.generator.tables import TX_TYPE, Txs

P2P_SHARE, PURCHASE_SHARE, SAQUE_SHARE = 0.6, 0.385, 0.015
REFUND_SHARE = 0.01  # of purchases, refunded in full by the shop
REGION = 20  # communities per region (the area a shop draws customers from)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A stable pseudo-random 31-bit value per (a, b) pair, for 'the j-th contact of u'."""
    x = a.astype(np.uint64) * _MIX + b.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(31)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(29)
    return (x >> np.uint64(33)).astype(np.int64)


def person_to_person(rng: np.random.Generator, people: People, window: Window, n: int) -> Txs:
    """Transfers to a personal circle: 3..15 contacts each, 75% in the same neighbourhood."""
    persons = np.flatnonzero(people.kind == PERSON)
    src = weighted_pick(rng, people.activity[persons], n, persons)
    circle = 3 + _hash(src, np.full(n, 7)) % 13
    j = rng.integers(0, 1 << 30, n) % circle
    h = _hash(src, j)
    order, start = people.by_community()
    size = np.diff(start)
    c = people.community[src]
    local = order[start[c] + h % size[c]]
    far = persons[_hash(h, np.full(n, 3)) % persons.size]
    dst = np.where(h % 4 != 0, local, far)
    clash = dst == src
    dst[clash] = persons[(np.searchsorted(persons, src[clash]) + 1) % persons.size]
    cents = roundish(rng, lognormal_cents(rng, n, 80, 1.1, 1, 20_000), 0.4)
    tipo = np.where(rng.random(n) < 0.05, TX_TYPE["qrcode"], TX_TYPE["transferencia"])
    return Txs.build(src, dst, sample_times(rng, window, n, "p2p"), cents, tipo.astype(np.int8))


def purchases(rng: np.random.Generator, people: People, window: Window, n: int) -> Txs:
    """People paying shops (mostly by QR code): half at a shop of their region, half at a
    popular shop anywhere; 1% are refunded in full a few days later."""
    persons = np.flatnonzero(people.kind == PERSON)
    shops = np.flatnonzero(people.kind == MERCHANT)
    buyer = weighted_pick(rng, people.activity[persons], n, persons)
    popularity = np.exp(rng.normal(0, 1.2, shops.size))
    anywhere = weighted_pick(rng, popularity, n, shops)
    region = people.community[shops] // REGION
    by_region = np.argsort(region, kind="stable")
    counts = np.bincount(region, minlength=int(people.community.max()) // REGION + 1)
    start = offsets(counts)
    r = people.community[buyer] // REGION
    has = counts[r] > 0
    near = shops[
        by_region[
            np.minimum(
                start[r] + rng.integers(0, 1 << 30, n) % np.maximum(counts[r], 1), shops.size - 1
            )
        ]
    ]
    dst = np.where(has & (rng.random(n) < 0.5), near, anywhere)
    ts = sample_times(rng, window, n, "purchase")
    cents = lognormal_cents(rng, n, 45, 1.0, 2, 5_000)
    tipo = np.where(rng.random(n) < 0.85, TX_TYPE["qrcode"], TX_TYPE["transferencia"])
    sales = Txs.build(buyer, dst, ts, cents, tipo.astype(np.int8))
    back = np.flatnonzero(rng.random(n) < REFUND_SHARE)
    back_ts = ts[back] + rng.integers(HOUR, 5 * DAY, back.size)
    back = back[back_ts < window.end]
    sales.status[back] = 2  # devolvida
    refunds = Txs.build(
        dst[back], buyer[back], back_ts[back_ts < window.end], cents[back], "devolucao"
    )
    return Txs.concat([sales, refunds])


def cash_withdrawals(rng: np.random.Generator, people: People, window: Window, n: int) -> Txs:
    """Pix Saque: a person pays a shop and takes cash (max R$500 by day, R$100 at night)."""
    persons = np.flatnonzero(people.kind == PERSON)
    shops = np.flatnonzero(people.kind == MERCHANT)
    src = weighted_pick(rng, people.activity[persons], n, persons)
    ts = sample_times(rng, window, n, "purchase")
    cap = np.where(is_night(ts), 100, 500)
    cents = np.round(rng.uniform(0.2, 1.0, n) * cap / 10).astype(np.int64) * 1_000
    return Txs.build(src, rng.choice(shops, n), ts, np.maximum(cents, 1_000), "saque")


def business_bills(rng: np.random.Generator, people: People, window: Window) -> Txs:
    """Shops and companies paying suppliers, about twice a month each."""
    payers = np.flatnonzero(np.isin(people.kind, [MERCHANT, EMPLOYER, COMPANY, MEI]))
    suppliers = np.flatnonzero(people.kind == COMPANY)
    n = int(payers.size * 2 * window.days / 30 * 0.5)
    src = rng.choice(payers, n)
    dst = suppliers[_hash(src, rng.integers(0, 4, n)) % suppliers.size]
    dst = np.where(
        dst == src, suppliers[(np.searchsorted(suppliers, dst) + 1) % suppliers.size], dst
    )
    cents = lognormal_cents(rng, n, 2_500, 1.2, 50, 200_000)
    tipo = np.where(rng.random(n) < 0.3, TX_TYPE["agendado"], TX_TYPE["transferencia"])
    return Txs.build(
        src, dst, sample_times(rng, window, n, "business"), cents, tipo.astype(np.int8)
    )


def after_opening(
    ts: np.ndarray, earliest: np.ndarray, window: Window
) -> tuple[np.ndarray, np.ndarray]:
    """Move times that fall before `earliest` into [earliest, window end), keeping the time of
    day; returns new times and a mask of rows that still fit in the window."""
    late = np.flatnonzero(ts < earliest)
    t, lo = ts[late], earliest[late]
    day = (t - window.start) // DAY
    first_day = (lo - window.start) // DAY
    days_left = np.maximum(window.days - first_day, 0)
    moved = window.start + (first_day + (day * days_left) // window.days) * DAY + t % DAY
    out = ts.copy()
    out[late] = np.where(moved < lo, moved + DAY, moved)
    return out, out < window.end
