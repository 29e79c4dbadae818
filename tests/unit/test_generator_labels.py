"""fraudes.csv as the bank's partial, late and noisy knowledge, within its knobs."""

from __future__ import annotations

import numpy as np
import pytest
from _generator_support import world

from data.generator import World
from data.generator.calendar import DAY, HOUR
from data.generator.labels import STATUS
from data.generator.tables import RING, VICTIM

CLAIMS = [STATUS["confirmada"], STATUS["em_analise"]]


def claimed(w: World) -> np.ndarray:
    """Records that say 'fraud' (confirmed or under analysis)."""
    return np.isin(w.fraudes.status, CLAIMS)


def wrong(w: World) -> np.ndarray:
    """Verdicts contradicting the truth, recomputed from the transactions' ring tags: an
    innocent payment confirmed as fraud, or a ring payment dismissed (open cases are no verdict)."""
    ring_tx = w.txs.ring[w.fraudes.tx] >= 0
    status = w.fraudes.status
    return ((status == STATUS["confirmada"]) & ~ring_tx) | (
        (status == STATUS["improcedente"]) & ring_tx
    )


@pytest.mark.parametrize("noise", [0.0, 0.05, 0.2])
def test_label_noise_stays_within_its_knob(noise: float) -> None:
    """The share of fraud records whose verdict contradicts the truth equals --label-noise."""
    w = world(scale=1, label_noise=noise)
    n = w.fraudes.tx.size
    assert abs(wrong(w).mean() - noise) <= 1 / n + 1e-9
    assert (wrong(w) == w.fraudes.wrong).all()


@pytest.mark.parametrize("coverage", [0.0, 0.25, 0.6, 1.0])
def test_only_covered_rings_have_confirmed_cases(coverage: float) -> None:
    """At most --fraud-coverage of the rings have any correct fraud claim; with coverage 0
    the bank has no correct claim on any ring."""
    w = world(scale=1, fraud_coverage=coverage)
    n_rings = len(w.planted.typology)
    rings = w.txs.ring[w.fraudes.tx]
    hit = np.unique(rings[claimed(w) & (rings >= 0)])
    assert hit.size <= round(coverage * n_rings)
    if coverage == 0:
        assert hit.size == 0
    if coverage == 1.0:
        assert hit.size >= 0.7 * n_rings  # the rest were detected after the extraction date


def test_detection_is_days_to_weeks_late_and_before_extraction() -> None:
    """Cases are detected after the payment (days to weeks for ring cases), never after the
    window's end; a longer --detection-delay gives later detections."""
    quick, slow = world(scale=1, detection_delay_days=3), world(scale=1, detection_delay_days=20)
    for w in (quick, slow):
        f = w.fraudes
        lag = f.detected - w.txs.ts[f.tx]
        assert (lag >= HOUR).all() and (f.detected < w.window.end).all()

    def ring_lag(w: World) -> float:
        f = w.fraudes
        sel = claimed(w) & ~f.wrong
        return float(np.median(f.detected[sel] - w.txs.ts[f.tx[sel]]) / DAY)

    assert 1 < ring_lag(quick) < ring_lag(slow) < 30


def test_cases_cover_victims_more_than_internal_transfers() -> None:
    """Victims' payments are recorded far more often than transfers between members."""
    w = world(scale=1, fraud_coverage=1.0)
    t, f = w.txs, w.fraudes
    hit = np.zeros(len(t), dtype=bool)
    hit[f.tx[claimed(w)]] = True
    victim, internal = (t.origin == VICTIM) & (t.status == 0), (t.origin == RING) & (t.status == 0)
    assert hit[victim].mean() > 2 * hit[internal].mean() > 0


def test_fraudes_has_the_default_size_and_mixed_statuses() -> None:
    """At scale 1 fraudes has about 1,000 rows, with confirmed, open and dismissed cases."""
    f = world(scale=1).fraudes
    assert 900 <= f.tx.size <= 1_100
    assert set(np.unique(f.status).tolist()) == set(STATUS.values())
