"""Detection quality against a ground truth (the only code that reads ground-truth files).

Definitions (a true ring T, a detected ring D, both sets of accounts):

- T and D *match* when |T & D| >= 50% of T and |T & D| >= 50% of D.
- ring_recall: share of true rings matched by some detected ring.
- ring_precision: share of detected rings that match some true ring.
- ring_coverage: share of true rings with at least 50% of their members in one detected ring
  (recall without the purity condition).
- account_precision / account_recall: over accounts, flagged = members of any detected ring.
- hard_negatives_flagged: share of innocent look-alike accounts (ground_truth_lookalikes.csv)
  that are members of a detected ring.
- by_tipologia: per true typology, its number of rings, recall and coverage.
- by_guess (only when the detected rings' typology guesses are given): per guess, the number
  of detected rings with it, their precision (share matching a true ring) and the share
  matching a true ring of that very typology.
Linked-account clusters are scored separately (``linked`` section): they are not rings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from data import schema
from ringwatch.errors import RingwatchError


def read_truth(path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """ground_truth_rings.csv and, when it sits beside it, ground_truth_lookalikes.csv."""
    if not path.exists():
        raise RingwatchError(
            f"No ground-truth file at {path}; pass --truth DIR/ground_truth_rings.csv."
        )
    truth = pd.read_csv(path, dtype=str)
    missing = set(schema.RING_COLUMNS) - set(truth.columns)
    if missing:
        raise RingwatchError(f"{path} lacks the columns {sorted(missing)}.")
    look_path = path.parent / schema.GROUND_TRUTH_LOOKALIKES
    look = pd.read_csv(look_path, dtype=str) if look_path.exists() else None
    return truth, look


def _matches(t: set[str], d: set[str]) -> bool:
    common = len(t & d)
    return common >= 0.5 * len(t) and common >= 0.5 * len(d) and common > 0


def metrics(
    detected: list[set[str]],
    truth: pd.DataFrame,
    lookalikes: pd.DataFrame | None = None,
    guesses: list[str | None] | None = None,
) -> dict[str, Any]:
    """Ring and account metrics of ``detected`` member sets against ``truth`` rows
    (ring_id, id_usuario, tipologia); ``guesses`` (one typology guess per detected ring)
    adds precision per guess."""
    if guesses is not None and len(guesses) != len(detected):
        raise ValueError(f"{len(guesses)} typology guesses for {len(detected)} detected rings")
    true_sets = truth.groupby("ring_id")["id_usuario"].agg(set)
    typology = truth.groupby("ring_id")["tipologia"].first()
    index: dict[str, list[int]] = {}
    for i, members in enumerate(detected):
        for account in members:
            index.setdefault(account, []).append(i)
    found, covered = {}, {}
    detected_ok = [False] * len(detected)
    matched_types: list[set[str]] = [set() for _ in detected]
    for rid, t in true_sets.items():
        candidates = {i for a in t for i in index.get(a, ())}
        found[rid] = False
        covered[rid] = False
        for i in candidates:
            d = detected[i]
            if len(t & d) >= 0.5 * len(t):
                covered[rid] = True
            if _matches(t, d):
                found[rid] = True
                detected_ok[i] = True
                matched_types[i].add(str(typology[rid]))
    flagged = set().union(*detected) if detected else set()
    members = set(truth["id_usuario"])
    n_true, n_det = len(true_sets), len(detected)
    out: dict[str, Any] = {
        "rings_truth": n_true,
        "rings_detected": n_det,
        "ring_recall": _ratio(sum(found.values()), n_true),
        "ring_precision": _ratio(sum(detected_ok), n_det),
        "ring_coverage": _ratio(sum(covered.values()), n_true),
        "account_precision": _ratio(len(flagged & members), len(flagged)),
        "account_recall": _ratio(len(flagged & members), len(members)),
        "accounts_flagged": len(flagged),
    }
    if lookalikes is not None:
        innocent = set(lookalikes["id_usuario"]) - members
        out["hard_negatives_flagged"] = _ratio(len(flagged & innocent), len(innocent))
        kinds = lookalikes.drop_duplicates("id_usuario").set_index("id_usuario")["tipo"]
        out["hard_negatives_by_tipo"] = {
            str(k): _ratio(len(flagged & set(g.index)), len(g)) for k, g in kinds.groupby(kinds)
        }
    out["by_tipologia"] = {
        str(typ): {
            "rings": int(len(ids)),
            "recall": _ratio(sum(found[r] for r in ids), len(ids)),
            "coverage": _ratio(sum(covered[r] for r in ids), len(ids)),
        }
        for typ, ids in typology.groupby(typology).groups.items()
    }
    if guesses is not None:
        by_guess: dict[str, list[int]] = {}
        for i, guess in enumerate(guesses):
            by_guess.setdefault(str(guess or "none"), []).append(i)
        out["by_guess"] = {
            g: {
                "rings": len(ids),
                "precision": _ratio(sum(detected_ok[i] for i in ids), len(ids)),
                "same_typology": _ratio(sum(g in matched_types[i] for i in ids), len(ids)),
            }
            for g, ids in sorted(by_guess.items())
        }
    return out


def linked_metrics(
    clusters: list[set[str]], truth: pd.DataFrame, lookalikes: pd.DataFrame | None
) -> dict[str, Any]:
    """How linked-account clusters relate to the truth: ring members and look-alikes in them."""
    flagged = set().union(*clusters) if clusters else set()
    members = set(truth["id_usuario"])
    out: dict[str, Any] = {
        "clusters": len(clusters),
        "accounts": len(flagged),
        "ring_member_share": _ratio(len(flagged & members), len(flagged)),
        "ring_members_covered": _ratio(len(flagged & members), len(members)),
    }
    if lookalikes is not None:
        innocent = set(lookalikes["id_usuario"]) - members
        out["hard_negatives_in_clusters"] = _ratio(len(flagged & innocent), len(innocent))
    return out


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0
