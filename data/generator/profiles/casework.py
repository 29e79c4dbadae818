"""fraudes.csv and account statuses of the slow-layering world: what the bank found.

For 30% of the groups the bank traced one of the group's transfers (`conta_laranja`,
`confirmada`), some days after it and before the extraction. A few claims about innocent
payments are on file too, dismissed (`improcedente`) or still open (`em_analise`).
"""

from __future__ import annotations

import numpy as np

from data.generator.calendar import DAY, Window
from data.generator.labels import KIND, STATUS, Fraudes
from data.generator.tables import ORDINARY, RING, Txs

COVERAGE = 0.3  # share of groups with one confirmed case
CLAIMS_PER_GROUP = 0.5  # innocent claims on file, per group
MAX_DELAY = 21  # days from a traced transfer to its case


def make_fraudes(rng: np.random.Generator, txs: Txs, n_groups: int, window: Window) -> Fraudes:
    """One confirmed case on a transfer of each covered group, plus innocent claims; `txs`
    are the final transactions (times at midnight), `txs.ring` the group of a transfer."""
    day = (txs.ts - window.start) // DAY
    covered = rng.choice(n_groups, size=round(COVERAGE * n_groups), replace=False)
    covered.sort()
    cand = np.flatnonzero((txs.origin == RING) & (day <= window.days - 2))
    cand = cand[np.isin(txs.ring[cand], covered)]
    # a random transfer of each covered group: shuffle, then keep the first per group
    cand = cand[rng.permutation(cand.size)]
    _, first = np.unique(txs.ring[cand], return_index=True)
    traced = cand[first]
    room = window.days - 1 - day[traced]
    delay = np.minimum(rng.integers(2, MAX_DELAY + 1, traced.size), room)

    innocent = np.flatnonzero((txs.origin == ORDINARY) & (day <= window.days - 3))
    n_claims = min(innocent.size, max(2, round(CLAIMS_PER_GROUP * n_groups)))
    claims = np.sort(rng.choice(innocent, size=n_claims, replace=False))
    c_room = window.days - 1 - day[claims]
    c_delay = np.minimum(rng.integers(1, 11, claims.size), c_room)
    c_kind = rng.choice(
        [KIND["golpe"], KIND["invasao_conta"], KIND["coercao"]], claims.size, p=[0.7, 0.2, 0.1]
    )
    c_status = np.where(
        rng.random(claims.size) < 0.67, STATUS["improcedente"], STATUS["em_analise"]
    )

    tx = np.r_[traced, claims]
    detected = txs.ts[tx] + np.r_[delay, c_delay] * DAY
    order = np.lexsort((tx, detected))
    return Fraudes(
        tx=tx[order],
        kind=np.r_[np.full(traced.size, KIND["conta_laranja"]), c_kind].astype(np.int8)[order],
        detected=detected[order],
        cents=txs.cents[tx][order],
        status=np.r_[np.full(traced.size, STATUS["confirmada"]), c_status].astype(np.int8)[order],
        wrong=np.zeros(tx.size, dtype=bool),
    )


def user_status(rng: np.random.Generator, n: int, txs: Txs, fraudes: Fraudes) -> np.ndarray:
    """A few accounts closed or blocked for unrelated reasons; the receiver of each confirmed
    case blocked, as the bank would."""
    u = rng.random(n)
    status = np.where(u < 0.015, 2, np.where(u < 0.025, 1, 0)).astype(np.int8)
    status[txs.dst[fraudes.tx[fraudes.status == STATUS["confirmada"]]]] = 1
    return status
