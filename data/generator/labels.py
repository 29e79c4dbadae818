"""fraudes.csv: what the bank knows, which is partial, late and sometimes wrong.

- Partial: only `fraud_coverage` of the rings have any case, and within them only about
  `case_share` of the victims' payments (fewer of the internal transfers, found by tracing).
- Late: a case is detected days to weeks after the payment (log-normal, median
  `detection_delay_days`); cases detected after the extraction date are not in the file.
- Noisy: `label_noise` of all records contradict the truth (a confirmed case on an innocent
  payment, often a look-alike's, or a real fraud dismissed as unfounded).
- Most of the remaining rows are claims the bank analysed and dismissed (`improcedente`):
  disputes and mistakes that victims reported as scams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.generator.calendar import DAY, HOUR, Window
from data.generator.config import GeneratorConfig
from data.generator.tables import DRAIN, ORDINARY, REFUND, RING, VICTIM, Txs
from data.schema import STATUS_FRAUDE, TIPO_FRAUDE

KIND = {name: i for i, name in enumerate(TIPO_FRAUDE)}
STATUS = {name: i for i, name in enumerate(STATUS_FRAUDE)}
TRACED_FACTOR = 0.3  # internal ring transfers are recorded this much less often
ANALYSIS_DAYS = 7  # cases detected this close to extraction are often still open


@dataclass
class Fraudes:
    """fraudes.csv rows (tx = row index into the final transactions)."""

    tx: np.ndarray
    kind: np.ndarray  # int8 index into TIPO_FRAUDE
    detected: np.ndarray  # int64 seconds
    cents: np.ndarray
    status: np.ndarray  # int8 index into STATUS_FRAUDE
    wrong: np.ndarray  # bool, the record contradicts the truth (never written)


def make_fraudes(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    txs: Txs,
    typology: list[str],
    lookalike: np.ndarray,
    window: Window,
) -> Fraudes:
    """Draw the bank's case records for the given final transactions."""
    target = cfg.rows("fraudes")
    done = txs.status != 1
    n_rings = len(typology)
    covered = np.zeros(max(n_rings, 1), dtype=bool)
    if n_rings and cfg.fraud_coverage > 0:
        k = max(1, round(cfg.fraud_coverage * n_rings))
        covered[rng.choice(n_rings, size=k, replace=False)] = True
    in_covered = (txs.ring >= 0) & covered[np.maximum(txs.ring, 0)] & done
    facing = in_covered & np.isin(txs.origin, [VICTIM, DRAIN])
    traced = in_covered & (txs.origin == RING) & (txs.tipo != 3)  # saques are not traced
    pick = (facing & (rng.random(len(txs)) < cfg.case_share)) | (
        traced & (rng.random(len(txs)) < cfg.case_share * TRACED_FACTOR)
    )
    ring_tx = np.flatnonzero(pick)
    kind = np.full(ring_tx.size, KIND["golpe"], dtype=np.int8)
    kind[txs.origin[ring_tx] == DRAIN] = KIND["invasao_conta"]
    kind[txs.origin[ring_tx] == RING] = KIND["conta_laranja"]
    farm = np.array([t == "mule_farm" for t in typology] + [False])[txs.ring[ring_tx]]
    kind[farm & (kind == KIND["golpe"]) & (rng.random(ring_tx.size) < 0.4)] = KIND[
        "fraude_cadastral"
    ]
    scale = np.where(txs.origin[ring_tx] == RING, 1.5, 1.0) * cfg.detection_delay_days
    delay = np.exp(rng.normal(np.log(scale), 0.7)) * DAY
    detected = txs.ts[ring_tx] + np.maximum(delay, 6 * HOUR).astype(np.int64)
    known = detected < window.end
    ring_tx, kind, detected = ring_tx[known], kind[known], detected[known]
    recent = detected > window.end - ANALYSIS_DAYS * DAY
    open_case = np.where(recent, rng.random(ring_tx.size) < 0.7, rng.random(ring_tx.size) < 0.05)
    status = np.where(open_case, STATUS["em_analise"], STATUS["confirmada"]).astype(np.int8)

    n_noise = round(cfg.label_noise * max(target, ring_tx.size))
    n_false = round(n_noise * 0.7)
    innocent = np.flatnonzero((txs.origin == ORDINARY) & done & (txs.ts < window.end - 2 * DAY))
    look = innocent[lookalike[txs.dst[innocent]]]
    false_tx = np.r_[
        _sample(rng, look, round(n_false * 0.6)),
        _sample(rng, innocent, n_false - round(n_false * 0.6)),
    ]
    missed_pool = np.flatnonzero(
        (txs.origin == VICTIM) & done & ~pick & (txs.ts < window.end - 2 * DAY)
    )
    missed_tx = _sample(rng, missed_pool, n_noise - false_tx.size)
    n_dismissed = max(0, target - ring_tx.size - false_tx.size - missed_tx.size)
    dismissed_tx = _sample(rng, innocent[txs.cents[innocent] >= 2_000], n_dismissed)

    claims = np.r_[false_tx, missed_tx, dismissed_tx]
    claim_kind = rng.choice(
        [KIND["golpe"], KIND["invasao_conta"], KIND["coercao"]], claims.size, p=[0.7, 0.25, 0.05]
    ).astype(np.int8)
    claim_kind[false_tx.size : false_tx.size + missed_tx.size] = KIND["golpe"]
    room = window.end - txs.ts[claims] - HOUR
    claim_delay = np.minimum(np.exp(rng.normal(np.log(3 * DAY), 0.8, claims.size)), room)
    claim_detected = txs.ts[claims] + np.maximum(claim_delay, HOUR).astype(np.int64)
    claim_status = np.full(claims.size, STATUS["improcedente"], dtype=np.int8)
    claim_status[: false_tx.size] = STATUS["confirmada"]
    # recent ordinary claims may still be open (no verdict yet); noisy verdicts stay as drawn
    pending = (claim_detected > window.end - ANALYSIS_DAYS * DAY) & (rng.random(claims.size) < 0.7)
    pending[: false_tx.size + missed_tx.size] = False
    claim_status[pending] = STATUS["em_analise"]
    wrong = np.r_[np.zeros(ring_tx.size, bool), np.ones(false_tx.size + missed_tx.size, bool)]
    wrong = np.r_[wrong, np.zeros(dismissed_tx.size, bool)]

    tx = np.r_[ring_tx, claims]
    cents = txs.cents[tx].copy()
    rounded = rng.random(tx.size) < 0.1  # the victim reports a round figure
    cents[rounded] = np.maximum(cents[rounded] // 1_000 * 1_000, 1_000)
    order = np.lexsort((tx, np.r_[detected, claim_detected]))
    return Fraudes(
        tx=tx[order],
        kind=np.r_[kind, claim_kind][order],
        detected=np.r_[detected, claim_detected][order],
        cents=cents[order],
        status=np.r_[status, claim_status][order],
        wrong=wrong[order],
    )


def _sample(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    n = min(max(n, 0), pool.size)
    return rng.choice(pool, size=n, replace=False) if n else np.zeros(0, dtype=np.int64)


def med_refunds(rng: np.random.Generator, f: Fraudes, txs: Txs, window: Window) -> Txs:
    """Some confirmed scams end with a MED refund of what was left in the receiving account."""
    ok = (
        (f.status == STATUS["confirmada"])
        & (f.kind == KIND["golpe"])
        & (txs.origin[f.tx] == VICTIM)
        & ~f.wrong
        & (rng.random(f.tx.size) < 0.3)
    )
    tx = f.tx[ok]
    ts = f.detected[ok] + rng.integers(HOUR, 3 * DAY, tx.size)
    keep = ts < window.end
    tx, ts = tx[keep], ts[keep]
    cents = np.maximum((txs.cents[tx] * rng.uniform(0.05, 0.6, tx.size)).astype(np.int64), 100)
    out = Txs.build(txs.dst[tx], txs.src[tx], ts, cents, "devolucao", origin=REFUND)
    out.ring[:] = txs.ring[tx]
    return out
