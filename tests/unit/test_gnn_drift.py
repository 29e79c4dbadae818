"""Population stability index and the drift report on hand-made distributions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gnn import drift


def test_psi_of_hand_made_shares():
    """Shares 50/50 against 90/10 give (0.4 ln 1.8) + (0.4 ln 5), worked out by hand."""
    expected = 0.4 * math.log(0.9 / 0.5) + 0.4 * math.log(0.5 / 0.1)
    assert drift.psi(np.array([0.5, 0.5]), np.array([0.9, 0.1])) == pytest.approx(expected)
    assert drift.psi(np.array([0.25] * 4), np.array([0.25] * 4)) == 0.0


def test_empty_bin_is_floored_not_infinite():
    """A bin empty in the new population counts as FLOOR, so PSI stays finite and large."""
    value = drift.psi(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert math.isfinite(value) and value > 1


def test_bins_are_training_deciles_with_ties_merged():
    """Deciles of 0..99 are 10 bins of 10; a feature that is 0 nine times in ten gets two."""
    values = np.arange(100, dtype=float)
    edges = drift.bin_edges(values)
    assert edges.size == 9 and drift.shares(values, edges).tolist() == [0.1] * 10
    mostly_zero = np.r_[np.zeros(90), np.ones(10)]
    edges = drift.bin_edges(mostly_zero)
    assert edges.tolist() == [0.0, pytest.approx(0.1)]  # the 0.9 quantile lies between 0 and 1
    assert drift.shares(mostly_zero, edges).tolist() == [0.0, 0.9, 0.1]


def test_report_flags_the_shifted_feature_only():
    """Against a reference of N(0, 1) samples, a fresh N(0, 1) sample stays under 0.1 and one
    shifted by a standard deviation goes over the 0.2 warning; the flagged share counts
    scores at or above FLAG_RANK."""
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"same": rng.normal(size=5000), "moved": rng.normal(size=5000)})
    ref = drift.reference(train)
    new = pd.DataFrame({"same": rng.normal(size=5000), "moved": rng.normal(1.0, size=5000)})
    scores = np.r_[np.full(4900, 0.5), np.full(100, 0.995)]
    rep = drift.report(ref, new, "v1", scores)
    assert rep.psi["same"] < 0.1 and rep.psi["moved"] > drift.PSI_WARNING
    assert rep.drifted == ["moved"] and rep.max_psi == rep.psi["moved"]
    assert rep.flagged_share == pytest.approx(0.02) and rep.accounts == 5000
