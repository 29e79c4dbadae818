"""Pix limits applied to ordinary payers, as the bank's systems would.

Per transfer: the holder's own limit; for individuals R$1,000 between 20h and 6h; R$200 from
a device first used less than 24 h ago (BCB Resolution 403). Per day/night: the holder's daily
limit, R$1,000 per night for individuals and R$1,000 per day from a new device. An amount
above a per-transfer cap is lowered (people adapt); a transfer that would break a running
total is rejected. A small share is also rejected for lack of balance.
"""

from __future__ import annotations

import numpy as np

from data.generator.arrays import group_cumsum
from data.generator.calendar import DAY, is_night, night_period
from data.generator.population import PERSON, People
from data.generator.tables import ORDINARY, VICTIM, Devices, Txs

NIGHT_CAP = 100_000
NEW_DEVICE_TX_CAP = 20_000
NEW_DEVICE_DAY_CAP = 100_000
NEW_DEVICE_PERIOD = DAY
NO_BALANCE = 0.012  # share of ordinary transfers rejected for lack of funds
REJECTED, CONCLUDED = 1, 0


def new_device(txs: Txs, devices: Devices, tx_row: np.ndarray) -> np.ndarray:
    """True where the payment's session used a device first seen less than 24 h before."""
    reg = np.where(tx_row >= 0, devices.registered[np.maximum(tx_row, 0)], np.iinfo(np.int64).min)
    return (tx_row >= 0) & (txs.ts - reg < NEW_DEVICE_PERIOD)


def enforce(
    rng: np.random.Generator,
    txs: Txs,
    people: People,
    devices: Devices,
    tx_row: np.ndarray,
    daily: np.ndarray,
    per_tx: np.ndarray,
) -> None:
    """Lower or reject ordinary and victim payments that break a limit (in place)."""
    subject = np.isin(txs.origin, [ORDINARY, VICTIM])
    person = people.kind[txs.src] == PERSON
    night = is_night(txs.ts) & person
    fresh = new_device(txs, devices, tx_row) & subject
    cap = per_tx[txs.src].copy()
    cap = np.where(night, np.minimum(cap, NIGHT_CAP), cap)
    cap = np.where(fresh, np.minimum(cap, NEW_DEVICE_TX_CAP), cap)
    over = subject & (txs.cents > cap)
    # victims are pushed to the maximum by the scammer; others just send less
    lo = np.where(txs.origin == VICTIM, 0.85, 0.3)
    lowered = (cap * rng.uniform(lo, 1.0)).astype(np.int64)
    txs.cents[over] = np.maximum(lowered[over], 100)

    idx = np.flatnonzero(subject & (txs.status == CONCLUDED))
    rejected = np.zeros(len(txs), dtype=bool)
    t0 = int(txs.ts.min(initial=0)) // DAY * DAY
    day = (txs.ts - t0) // DAY
    for key, limit, mask in (
        (day, daily[txs.src], np.ones(len(txs), dtype=bool)),
        (night_period(txs.ts - t0), np.full(len(txs), NIGHT_CAP), night),
        (day, np.full(len(txs), NEW_DEVICE_DAY_CAP), fresh),
    ):
        sel = idx[mask[idx]]
        group = (txs.src[sel] << 10) | key[sel]  # windows are at most 366 days
        order = sel[np.argsort((group << 26) | (txs.ts[sel] - t0), kind="stable")]
        running = group_cumsum((txs.src[order] << 10) | key[order], txs.cents[order])
        rejected[order[running > limit[order]]] = True
    broke = (
        (txs.origin == ORDINARY) & (txs.status == CONCLUDED) & (rng.random(len(txs)) < NO_BALANCE)
    )
    txs.status[rejected | broke] = REJECTED
