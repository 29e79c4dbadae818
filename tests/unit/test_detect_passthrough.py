"""Pass-through episodes, relays and sinks on tiny hand-built transfer tables."""

from __future__ import annotations

import pandas as pd

from detectors import passthrough
from detectors.config import DetectionConfig
from detectors.frames import transfers_frame

CFG = DetectionConfig()


def test_forwarding_most_of_an_inflow_within_an_hour_is_a_relay():
    """B receives R$1,000 and sends R$970 on 20 minutes later: one pass-through episode."""
    tr = transfers_frame(
        [("A", "B", "2025-04-01 10:00", 1000.0), ("B", "C", "2025-04-01 10:20", 970.0)]
    )
    pt = passthrough.detect(tr, CFG)
    assert list(pt.relays.index) == ["B"]
    assert pt.relays.loc["B", "episodes"] == 1
    assert pt.relays.loc["B", "median_delay_min"] == 20
    assert list(zip(pt.relay_edges["src"], pt.relay_edges["dst"], strict=True)) == [("B", "C")]


def test_keeping_the_money_or_sending_far_more_is_not_a_relay():
    """Spending 10% of an inflow, or sending twice what came in, is not passing it through."""
    tr = transfers_frame(
        [
            ("A", "B", "2025-04-01 10:00", 1000.0),
            ("B", "C", "2025-04-01 10:20", 100.0),
            ("A", "D", "2025-04-02 10:00", 100.0),
            ("D", "C", "2025-04-02 10:20", 200.0),
        ]
    )
    assert passthrough.detect(tr, CFG).relays.empty


def test_money_sent_before_it_arrives_or_days_later_is_not_a_relay():
    """An episode must start with money coming in; a gap longer than the episode gap splits."""
    tr = transfers_frame(
        [
            ("B", "C", "2025-04-01 09:00", 500.0),
            ("A", "B", "2025-04-01 10:00", 500.0),
            ("A", "D", "2025-04-03 10:00", 500.0),
            ("D", "C", "2025-04-04 10:00", 490.0),
        ]
    )
    assert passthrough.detect(tr, CFG).relays.empty


def test_account_fed_by_two_relays_is_a_sink_but_a_busy_shop_is_not():
    """S gets relayed money from two relays and little else (sink); the shop gets two relayed
    payments among many customer payments (not a sink)."""
    rows = [
        ("V1", "R1", "2025-04-01 10:00", 800.0),
        ("R1", "S", "2025-04-01 10:30", 780.0),
        ("V2", "R2", "2025-04-01 11:00", 600.0),
        ("R2", "S", "2025-04-01 11:40", 590.0),
        ("V3", "R3", "2025-04-02 10:00", 300.0),
        ("R3", "SHOP", "2025-04-02 10:30", 290.0),
        ("V4", "R4", "2025-04-02 12:00", 300.0),
        ("R4", "SHOP", "2025-04-02 12:30", 290.0),
    ]
    rows += [(f"C{i}", "SHOP", f"2025-04-{10 + i % 9:02d} 15:00", 100.0) for i in range(30)]
    pt = passthrough.detect(transfers_frame(rows), CFG)
    assert set(pt.relays.index) == {"R1", "R2", "R3", "R4"}
    assert list(pt.sinks.index) == ["S"]
    flows = passthrough.flow_edges(pt)
    assert set(zip(flows["src"], flows["dst"], strict=True)) == {("R1", "S"), ("R2", "S")}


def test_no_transfers_gives_no_relays():
    """An empty table yields empty results rather than an error."""
    pt = passthrough.detect(transfers_frame([]), CFG)
    assert pt.relays.empty and pt.relay_edges.empty and pt.sinks.empty


def _relaying(account: str, day: int) -> list[tuple[str, str, str, float]]:
    """``account`` receives R$1,000 and passes R$960 on 30 minutes later, on day ``day``."""
    at = f"2025-04-{day:02d}"
    return [(f"IN{account}", account, f"{at} 10:00", 1000.0),
            (account, f"OUT{account}", f"{at} 10:30", 960.0)]  # fmt: skip


def test_a_company_passing_money_on_like_many_companies_is_no_relay_but_a_person_is():
    """Of ten companies, four pass money on once (as many companies do when they pay
    suppliers); one person does the same. Told which accounts are companies, only the
    person is a relay, no company is made a sink instead, and every episode still counts
    for the clock check."""
    rows = [r for c in range(4) for r in _relaying(f"C{c}", 1 + c)] + _relaying("P", 6)
    rows += [(f"Q{c}", f"C{c}", "2025-04-09 12:00", 50.0) for c in range(4, 10)]
    tr = transfers_frame(rows)
    companies = pd.Index([f"C{c}" for c in range(10)])
    told = passthrough.detect(tr, CFG, companies)
    blind = passthrough.detect(tr, CFG)
    assert set(blind.relays.index) == {"C0", "C1", "C2", "C3", "P"}
    assert list(told.relays.index) == ["P"]
    assert not set(told.sinks.index) & set(companies)
    assert told.all_episodes == blind.all_episodes == 5


def test_a_company_relaying_far_more_than_other_companies_is_a_relay():
    """Among fifty companies only one passes money on, on three days: 2% of companies relay
    that often, which is not usual, so it stays a relay."""
    rows = [r for d in (1, 3, 5) for r in _relaying("C0", d)]
    rows += [(f"Q{c}", f"C{c}", "2025-04-09 12:00", 50.0) for c in range(1, 50)]
    companies = pd.Index([f"C{c}" for c in range(50)])
    told = passthrough.detect(transfers_frame(rows), CFG, companies)
    assert list(told.relays.index) == ["C0"]
