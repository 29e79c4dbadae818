"""Fan-in, fan-out, chains, cycles, scatter-gather and drains on tiny hand-built graphs."""

from __future__ import annotations

import pandas as pd

from detectors import chains, cycles, fan, passthrough, scatter, takeover
from detectors.config import DetectionConfig
from detectors.frames import transfers_frame

CFG = DetectionConfig()


def _at(minute: int, day: int = 1) -> str:
    return f"2025-04-{day:02d} {10 + minute // 60:02d}:{minute % 60:02d}"


def test_fan_in_collector_that_passes_money_on_is_flagged_but_a_shop_is_not():
    """Six victims pay C within hours and C forwards it; six customers pay a shop that keeps it."""
    rows = [(f"V{i}", "C", _at(10 * i), 200.0) for i in range(6)]
    rows.append(("C", "R", _at(70), 1150.0))
    rows += [(f"K{i}", "SHOP", _at(10 * i), 50.0) for i in range(6)]
    tr = transfers_frame(rows)
    pt = passthrough.detect(tr, CFG)
    fans = fan.detect(tr, pt.relays.index, CFG)
    assert list(fans.fan_in["account"]) == ["C"]
    assert fans.fan_in["senders"].iloc[0] == 6


def test_fan_out_counts_only_when_receivers_pass_it_on():
    """H splits R$5,000 to five mules who forward it (fan-out); P pays five employees who
    keep their salaries (payroll, not flagged)."""
    rows = [("V", "H", _at(0), 5000.0), ("CLIENT", "P", _at(0), 5000.0)]
    for i in range(5):
        rows.append(("H", f"M{i}", _at(5 + i), 980.0))
        rows.append((f"M{i}", "SINK", _at(40 + i), 960.0))
        rows.append(("P", f"E{i}", _at(5 + i), 990.0))
    tr = transfers_frame(rows)
    pt = passthrough.detect(tr, CFG)
    fans = fan.detect(tr, pt.relays.index, CFG)
    assert list(fans.fan_out["account"]) == ["H"]
    assert set(fans.edges["dst"]) == {f"M{i}" for i in range(5)}


def test_chain_of_four_hops_is_found_whole():
    """A -> B -> C -> D -> E within minutes, shrinking slightly: one maximal 4-hop chain
    starting at the first relay (the victim who paid A is not part of it)."""
    tr = transfers_frame(
        [
            ("VICTIM", "A", _at(0), 3000.0),
            ("A", "B", _at(10), 2950.0),
            ("B", "C", _at(20), 2900.0),
            ("C", "D", _at(30), 2860.0),
            ("D", "E", _at(40), 2820.0),
            ("E", "SHOP", _at(60), 2800.0),
        ]
    )
    pt = passthrough.detect(tr, CFG)
    found, edges = chains.detect(pt.relay_edges, CFG)
    assert found["accounts"].iloc[0] == ("A", "B", "C", "D", "E", "SHOP")
    assert found["hops"].max() == 5
    assert "VICTIM" not in set(edges["src"])


def test_chain_breaks_when_a_hop_waits_too_long():
    """A hop more than `hop_max_hours` after the previous one ends the chain (2 hops left)."""
    tr = transfers_frame(
        [
            ("V", "A", _at(0), 1000.0),
            ("A", "B", _at(10), 990.0),
            ("B", "C", _at(20), 980.0),
            ("C", "D", _at(20, day=2), 970.0),
        ]
    )
    pt = passthrough.detect(tr, CFG)
    found, _ = chains.detect(pt.relay_edges, CFG)
    assert found.empty


def test_cycle_returning_to_origin_is_found_once():
    """O -> X -> Y -> O within hours is one cycle of three hops, whichever account starts it."""
    tr = transfers_frame(
        [
            ("O", "X", _at(0), 2000.0),
            ("X", "Y", _at(30), 1990.0),
            ("Y", "O", _at(60), 1980.0),
        ]
    )
    pt = passthrough.detect(tr, CFG)
    found, edges = cycles.detect(tr, pt.relay_edges, pt.relays.index, CFG)
    assert len(found) == 1
    assert set(found["accounts"].iloc[0]) == {"O", "X", "Y"}
    assert len(edges) == 3


def test_back_and_forth_between_two_accounts_is_not_a_cycle():
    """A person and their own company moving money both ways is not a (3+ hop) cycle."""
    tr = transfers_frame(
        [("V", "A", _at(0), 500.0), ("A", "B", _at(10), 490.0), ("B", "A", _at(20), 480.0)]
    )
    pt = passthrough.detect(tr, CFG)
    found, _ = cycles.detect(tr, pt.relay_edges, pt.relays.index, CFG)
    assert found.empty


def test_scatter_gather_finds_source_middles_and_sink():
    """S pays three middles who each pay K within hours: one scatter-gather (S, K)."""
    rows = [("V", "S", _at(0), 3000.0)]
    for i in range(3):
        rows.append(("S", f"M{i}", _at(10 + i), 980.0))
        rows.append((f"M{i}", "K", _at(60 + 10 * i), 960.0))
    tr = transfers_frame(rows)
    pt = passthrough.detect(tr, CFG)
    found, edges = scatter.detect(pt.relay_edges, CFG)
    assert list(zip(found["source"], found["sink"], strict=True)) == [("S", "K")]
    assert found["middles"].iloc[0] == ("M0", "M1", "M2")
    assert len(edges) == 6


def test_drained_account_sends_several_quick_transfers_to_relays():
    """T sends four small transfers to mules within an hour (drained); a victim paying a mule
    once is not; a takeover login makes even two transfers count."""
    rows = []
    for i in range(4):
        rows.append(("T", f"M{i % 2}", _at(5 * i), 199.0))
    rows.append(("VICTIM", "M0", _at(2), 150.0))
    rows.append(("W", "M1", _at(100), 150.0))
    rows.append(("W", "M1", _at(110), 150.0))
    rows += [("M0", "SINK", _at(30), 540.0), ("M1", "SINK", _at(130), 680.0)]
    tr = transfers_frame(rows)
    pt = passthrough.detect(tr, CFG)
    assert {"M0", "M1"} <= set(pt.relays.index)
    logins = pd.DataFrame(
        {"account": ["W"], "failures": [4], "new_device_at": [pd.Timestamp("2025-04-01 11:00")]}
    )
    found, edges = takeover.detect(tr, pt.relays.index, logins, CFG)
    assert dict(zip(found["account"], found["takeover_login"], strict=True)) == {
        "T": False,
        "W": True,
    }
    assert "VICTIM" not in set(edges["src"])
