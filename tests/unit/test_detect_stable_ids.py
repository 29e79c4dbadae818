"""Stable ring ids: Jaccard >= 0.5 with an earlier ring of the same kind keeps its id."""

from __future__ import annotations

import pandas as pd

from detectors import stable_ids


def _rings(rows: list[tuple[str, list[str]]], ids: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"kind": [k for k, _ in rows], "members": [m for _, m in rows]})
    if ids is not None:
        frame.insert(0, "ring_id", ids)
    return frame


def test_same_or_largely_same_members_keep_the_id():
    """{a,b,c,d} -> {a,b,c,e} (Jaccard 3/5) keeps R000001; an unrelated ring gets R000003."""
    prev = _rings([("ring", ["a", "b", "c", "d"]), ("ring", ["x", "y"])], ["R000001", "R000002"])
    new = _rings([("ring", ["a", "b", "c", "e"]), ("ring", ["p", "q", "r"])])
    got = stable_ids.assign(new, prev, 0.5)
    assert got.ring_ids == ["R000001", "R000003"]
    assert got.matched == {"R000001": 0.6}
    assert got.unmatched == ["R000002"]


def test_low_overlap_gets_a_new_id_and_numbers_are_never_reused():
    """Jaccard 1/3 is below the rule; the new id follows the highest number ever handed out."""
    prev = _rings([("ring", ["a", "b"])], ["R000004"])
    new = _rings([("ring", ["a", "c"])])
    got = stable_ids.assign(new, prev, 0.5, last_numbers={"ring": 9})
    assert got.ring_ids == ["R000010"]


def test_kinds_do_not_share_ids_and_one_previous_ring_is_taken_once():
    """A linked cluster never takes a ring's id; two new rings cannot both take one old id."""
    prev = _rings([("ring", ["a", "b", "c"])], ["R000001"])
    new = _rings(
        [("linked_accounts", ["a", "b", "c"]), ("ring", ["a", "b", "c"]), ("ring", ["a", "b"])]
    )
    got = stable_ids.assign(new, prev, 0.5)
    assert got.ring_ids == ["L000001", "R000001", "R000002"]


def test_first_run_numbers_from_one():
    """With nothing stored, rings are numbered R000001.. and clusters L000001.."""
    got = stable_ids.assign(_rings([("ring", ["a"]), ("linked_accounts", ["b"])]),
                            pd.DataFrame(columns=["ring_id", "kind", "members"]), 0.5)  # fmt: skip
    assert got.ring_ids == ["R000001", "L000001"]
