"""Evaluation metrics on a hand-made truth, checked against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest

from detectors import evaluate

# Three true rings: R1 (fan_in, 4 members), R2 (cycle, 2 members), R3 (cycle, 4 members).
TRUTH = pd.DataFrame(
    [
        ("R1", "a1", "fan_in"), ("R1", "a2", "fan_in"), ("R1", "a3", "fan_in"),
        ("R1", "a4", "fan_in"),
        ("R2", "b1", "cycle"), ("R2", "b2", "cycle"),
        ("R3", "c1", "cycle"), ("R3", "c2", "cycle"), ("R3", "c3", "cycle"),
        ("R3", "c4", "cycle"),
    ],
    columns=["ring_id", "id_usuario", "tipologia"],
)  # fmt: skip
LOOKALIKES = pd.DataFrame(
    [("G1", "s1", "familia"), ("G1", "s2", "familia"), ("G2", "m1", "comerciante"),
     ("G2", "m2", "comerciante")],
    columns=["group_id", "id_usuario", "tipo"],
)  # fmt: skip

# D1 = {a1,a2,a3,x}: 3 of R1's 4 (75%), 3 of D1's 4 in R1 (75%) -> matches R1.
# D2 = {b1,s1,s2,m1}: 1 of R2's 2 (50%) but only 1 of D2's 4 (25%) in R2 -> covers R2 only.
# D3 = {c1,c2}: 2 of R3's 4 (50%), 2 of 2 -> matches R3.
# D4 = {y,z,w}: matches nothing.
DETECTED = [{"a1", "a2", "a3", "x"}, {"b1", "s1", "s2", "m1"}, {"c1", "c2"}, {"y", "z", "w"}]


def test_ring_metrics_match_hand_computation():
    """recall 2/3, precision 2/4, coverage 3/3."""
    m = evaluate.metrics(DETECTED, TRUTH, LOOKALIKES)
    assert (m["rings_truth"], m["rings_detected"]) == (3, 4)
    assert m["ring_recall"] == pytest.approx(0.6667, abs=1e-4)
    assert m["ring_precision"] == 0.5
    assert m["ring_coverage"] == 1.0


def test_account_metrics_and_hard_negatives_match_hand_computation():
    """13 flagged accounts, 6 of them ring members (of 10): precision 6/13, recall 6/10;
    3 of 4 look-alikes flagged."""
    m = evaluate.metrics(DETECTED, TRUTH, LOOKALIKES)
    assert m["accounts_flagged"] == 13
    assert m["account_precision"] == pytest.approx(6 / 13, abs=1e-4)
    assert m["account_recall"] == 0.6
    assert m["hard_negatives_flagged"] == 0.75
    assert m["hard_negatives_by_tipo"] == {"comerciante": 0.5, "familia": 1.0}


def test_per_typology_recall_and_coverage():
    """fan_in: 1/1 found; cycle: R3 found, R2 only covered -> recall 1/2, coverage 2/2."""
    by = evaluate.metrics(DETECTED, TRUTH, LOOKALIKES)["by_tipologia"]
    assert by["fan_in"] == {"rings": 1, "recall": 1.0, "coverage": 1.0}
    assert by["cycle"] == {"rings": 2, "recall": 0.5, "coverage": 1.0}


def test_nothing_detected_gives_zeros_not_errors():
    """No detected rings: recall and precision are 0 and no hard negatives are flagged."""
    m = evaluate.metrics([], TRUTH, LOOKALIKES)
    assert (m["ring_recall"], m["ring_precision"], m["hard_negatives_flagged"]) == (0, 0, 0)


def test_linked_clusters_are_reported_separately():
    """Linked clusters get their own summary: member share and ring members covered."""
    m = evaluate.linked_metrics([{"a1", "a2", "s1"}], TRUTH, LOOKALIKES)
    assert m == {
        "clusters": 1,
        "accounts": 3,
        "ring_member_share": pytest.approx(0.6667, abs=1e-4),
        "ring_members_covered": 0.2,
        "hard_negatives_in_clusters": 0.25,
    }


def test_truth_file_and_lookalikes_beside_it_are_read(tmp_path):
    """--truth reads ground_truth_rings.csv and picks up ground_truth_lookalikes.csv."""
    TRUTH.to_csv(tmp_path / "ground_truth_rings.csv", index=False)
    LOOKALIKES.to_csv(tmp_path / "ground_truth_lookalikes.csv", index=False)
    truth, look = evaluate.read_truth(tmp_path / "ground_truth_rings.csv")
    assert len(truth) == 10 and look is not None and len(look) == 4


def test_precision_per_typology_guess():
    """Guesses cycle, cycle, cycle, none: of the three 'cycle' rings D1 matches R1 (a fan_in)
    and D3 matches R3 (a cycle): precision 2/3, right typology 1/3; 'none' matches nothing."""
    m = evaluate.metrics(DETECTED, TRUTH, LOOKALIKES, guesses=["cycle", "cycle", "cycle", None])
    assert m["by_guess"] == {
        "cycle": {"rings": 3, "precision": pytest.approx(0.6667, abs=1e-4),
                  "same_typology": pytest.approx(0.3333, abs=1e-4)},
        "none": {"rings": 1, "precision": 0.0, "same_typology": 0.0},
    }  # fmt: skip


def test_guesses_only_add_by_guess():
    """With guesses every earlier figure is unchanged; without them there is no by_guess."""
    plain = evaluate.metrics(DETECTED, TRUTH, LOOKALIKES)
    guessed = evaluate.metrics(DETECTED, TRUTH, LOOKALIKES, guesses=["fan_in"] * 4)
    assert "by_guess" not in plain
    assert {k: v for k, v in guessed.items() if k != "by_guess"} == plain


def test_one_guess_per_detected_ring_is_required():
    """A guess list of the wrong length is an error, not a silent misalignment."""
    with pytest.raises(ValueError, match="3 typology guesses for 4 detected rings"):
        evaluate.metrics(DETECTED, TRUTH, guesses=["cycle"] * 3)
