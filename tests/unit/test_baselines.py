"""The benchmark's baselines (plain Louvain, Fraudar-style dense blocks) on tiny hand-built
graphs whose answers are known."""

from __future__ import annotations

import math
from itertools import combinations

import pandas as pd
import pytest

from detectors import baselines
from detectors.frames import empty_transfers, transfers_frame

TS = "2025-04-01 10:00"


def _frame(pairs: list[tuple[str, str]], amount: float = 100.0) -> pd.DataFrame:
    return transfers_frame([(s, d, TS, amount) for s, d in pairs])


def _clique(names: list[str]) -> list[tuple[str, str]]:
    return list(combinations(names, 2))


def _groups(communities: pd.Series) -> set[frozenset[str]]:
    return {frozenset(g.index) for _, g in communities.groupby(communities)}


# Louvain


def test_modularity_matches_hand_computation():
    """Two triangles joined by one edge, split into the triangles: Q = 12/14 - 98/196 = 5/14."""
    tr = _frame(_clique(["a", "b", "c"]) + _clique(["d", "e", "f"]) + [("c", "d")], 1.0)
    split = pd.Series({"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1})
    assert baselines.modularity(tr, split) == pytest.approx(5 / 14)
    assert baselines.modularity(tr, pd.Series({a: 0 for a in "abcdef"})) == pytest.approx(0.0)


def test_louvain_separates_two_cliques_joined_by_a_small_payment():
    """Two groups of four paying each other R$100 and one R$1 payment between them give the
    two groups, whatever the seed."""
    tr = _frame(_clique(["a", "b", "c", "d"]) + _clique(["w", "x", "y", "z"]))
    tr = pd.concat([tr, transfers_frame([("d", "w", TS, 1.0)])], ignore_index=True)
    want = {frozenset("abcd"), frozenset("wxyz")}
    for seed in (1, 2, 3):
        assert _groups(baselines.louvain(tr, seed=seed)) == want


def test_louvain_merges_groups_on_its_second_level():
    """Four triangles of R$100 payments, paired by two R$150 payments each: the first level
    finds the triangles, the second merges each pair (modularity 0.494 against 0.413)."""
    pairs: list[tuple[str, str]] = []
    for t in ("abc", "def", "ghi", "jkl"):
        pairs += _clique(list(t))
    links = [(s, d, TS, 150.0) for s, d in [("a", "d"), ("b", "e"), ("g", "j"), ("h", "k")]]
    tr = pd.concat(
        [_frame(pairs), transfers_frame([*links, ("c", "i", TS, 10.0)])], ignore_index=True
    )
    triangles = pd.Series({a: i for i, t in enumerate(("abc", "def", "ghi", "jkl")) for a in t})
    for seed in (0, 1, 3):
        got = baselines.louvain(tr, seed=seed)
        assert _groups(got) == {frozenset("abcdef"), frozenset("ghijkl")}
    assert baselines.modularity(tr, got) == pytest.approx(0.4945, abs=1e-4)
    assert baselines.modularity(tr, triangles) == pytest.approx(0.4130, abs=1e-4)


def test_louvain_adds_up_repeated_and_reverse_payments_and_ignores_self_transfers():
    """a->b three times and b->a once weigh the same as one a->b of the sum; a->a is no edge,
    and an account seen only in self-transfers is in no community."""
    once = _frame([("a", "b"), ("b", "c"), ("c", "a")], 400.0)
    split = transfers_frame(
        [("a", "b", TS, 100.0)] * 3
        + [("b", "a", TS, 100.0), ("b", "c", TS, 400.0), ("c", "a", TS, 400.0)]
        + [("a", "a", TS, 5000.0), ("q", "q", TS, 10.0)]
    )
    assert baselines.modularity(split, pd.Series({"a": 0, "b": 0, "c": 1})) == pytest.approx(
        baselines.modularity(once, pd.Series({"a": 0, "b": 0, "c": 1}))
    )
    assert "q" not in baselines.louvain(split).index


def test_louvain_rings_keep_communities_of_ring_size():
    """A triangle, a group of five and a pair (three components): with sizes 3..4 only the
    triangle is a ring."""
    tr = _frame(_clique(["a", "b", "c"]) + _clique(list("vwxyz")) + [("p", "q")])
    assert baselines.louvain_rings(tr, min_size=3, max_size=4) == [{"a", "b", "c"}]


def test_louvain_of_nothing_is_empty():
    """No transfers: no communities and no rings."""
    assert baselines.louvain(empty_transfers()).empty
    assert baselines.louvain_rings(empty_transfers()) == []


# Dense blocks


def _complete(senders: list[str], receivers: list[str]) -> list[tuple[str, str]]:
    return [(s, r) for s in senders for r in receivers]


def test_a_complete_block_is_found_in_a_sparse_background():
    """Four senders each paying the same four receivers (density 16 / log(4+5) / 8 nodes) stand
    out of a chain of twenty payments; the block is exactly those eight accounts."""
    block = _complete(["s1", "s2", "s3", "s4"], ["r1", "r2", "r3", "r4"])
    chain = [(f"x{i}", f"x{i + 1}") for i in range(20)]
    found = baselines.dense_blocks(_frame(block + chain), k=1)
    assert len(found) == 1
    assert found[0].senders == {"s1", "s2", "s3", "s4"}
    assert found[0].receivers == {"r1", "r2", "r3", "r4"}
    assert found[0].density == pytest.approx(2 / math.log(9), abs=1e-6)


def test_a_shop_with_many_customers_is_discounted():
    """Thirty customers paying one shop (density at most 1/log(35) = 0.28) lose to three
    payments among four accounts (1.59 / 4 = 0.40): receivers weigh 1/log(in-degree + 5)."""
    star = [(f"c{i}", "shop") for i in range(30)]
    tight = [("m1", "n1"), ("m1", "n2"), ("m2", "n1")]
    found = baselines.dense_blocks(_frame(star + tight), k=1)
    assert found[0].members == {"m1", "m2", "n1", "n2"}
    assert found[0].density == pytest.approx((2 / math.log(7) + 1 / math.log(6)) / 4, abs=1e-6)


def test_blocks_come_densest_first_and_use_their_edges_once():
    """A 4x4 block and a 3x3 block: k=2 gives both, the 4x4 first, and neither twice;
    k=1 gives only the 4x4."""
    big = _complete(["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"])
    small = _complete(["c1", "c2", "c3"], ["d1", "d2", "d3"])
    tr = _frame(big + small)
    two = baselines.dense_blocks(tr, k=2)
    assert [len(b.members) for b in two] == [8, 6]
    assert two[0].density > two[1].density
    assert [b.members for b in baselines.dense_blocks(tr, k=1)] == [two[0].members]
    assert len(baselines.dense_blocks(tr, k=5)) == 2  # nothing dense is left after two


def test_block_sizes_are_capped():
    """A 10x10 complete block (20 accounts) with at most 8 members per ring gives a block of
    at most 8 accounts; asking for 30 or more members gives nothing."""
    tr = _frame(_complete([f"s{i}" for i in range(10)], [f"r{i}" for i in range(10)]))
    capped = baselines.dense_blocks(tr, k=1, max_size=8)
    assert 3 <= len(capped[0].members) <= 8
    assert baselines.dense_blocks(tr, k=1, min_size=30, max_size=60) == []


def test_an_account_on_both_sides_is_one_member_and_repeats_count_once():
    """A cycle a->b->c->a is three members (each sends and receives); paying the same
    receiver fifty times adds nothing to the density."""
    cycle = [("a", "b"), ("b", "c"), ("c", "a")]
    once = baselines.dense_flow_rings(_frame(cycle), k=1)
    assert once == [{"a", "b", "c"}]
    repeated = _frame(cycle + [("a", "b")] * 50)
    assert baselines.dense_blocks(repeated, k=1) == baselines.dense_blocks(_frame(cycle), k=1)


def test_dense_blocks_do_not_depend_on_row_order():
    """Shuffling the transfers gives the same blocks (ties are broken by account id)."""
    pairs = _complete(["a", "b"], ["c", "d"]) + _complete(["e", "f"], ["g", "h"])
    tr = _frame(pairs + [(f"x{i}", f"x{i + 1}") for i in range(8)])
    shuffled = tr.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert baselines.dense_blocks(tr, k=3) == baselines.dense_blocks(shuffled, k=3)
