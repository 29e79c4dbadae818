"""The Alerts page's tables: alerts become rows with links to their ring and accounts and a
reason masked for roles without personal data; every rule of the file is counted, 0 when it
never fired, and a rule only older alerts carry is kept and marked."""

from __future__ import annotations

import pandas as pd

from app.alerts import alert_table, rule_counts
from app.security import User

ROWS = [
    {
        "decided_at": "2026-12-01T10:00:02.000000000+00:00",
        "decision": "block",
        "score": 0.95,
        "ring_id": "R000017",
        "receiver": "U0000002",
        "sender": "U0000001",
        "amount": 15931.28,
        "rules": ["receiver_in_ring", "velocity"],
        "reasons": ["The receiver U0000002 (CPF 123.456.789-09) is in ring R000017."],
        "transfer_id": "T1",
        "transfer_time": "2026-12-01T07:00:00",
    },
    {
        "decided_at": "2026-12-01T10:00:01.000000000+00:00",
        "decision": "review",
        "score": 0.6,
        "ring_id": None,
        "receiver": "U0000003",
        "sender": "U0000001",
        "amount": 1000.01,
        "rules": ["night_limit"],
        "reasons": [],
        "transfer_id": "T2",
        "transfer_time": "2026-12-01T07:00:00",
    },
]


def test_alerts_link_to_ring_and_accounts_and_mask_reasons_by_role():
    analyst = alert_table(ROWS, User("abel", "analyst"))
    assert analyst["ring"].iloc[0] == "/ring?ring_id=R000017"
    assert pd.isna(analyst["ring"].iloc[1])  # no ring: no link
    assert list(analyst["receiver"]) == ["/account?account=U0000002", "/account?account=U0000003"]
    assert list(analyst["rules"]) == ["receiver_in_ring, velocity", "night_limit"]
    assert "123.456.789-09" not in analyst["reason"].iloc[0]
    assert analyst["reason"].iloc[1] == ""
    investigator = alert_table(ROWS, User("ines", "investigator"))
    assert "123.456.789-09" in investigator["reason"].iloc[0]
    assert str(investigator["decided_at"].iloc[0]) == "2026-12-01 10:00:02+00:00"


def test_no_alerts_is_an_empty_table_with_the_columns():
    assert list(alert_table([], User("abel", "analyst")).columns)[:2] == ["decided_at", "decision"]


def test_rule_counts_include_silent_rules_and_retired_ones():
    counts = [
        {"rule": "receiver_in_ring", "decision": "block", "alerts": 5},
        {"rule": "velocity", "decision": "block", "alerts": 1},
        {"rule": "velocity", "decision": "review", "alerts": 3},
        {"rule": "old_rule", "decision": "review", "alerts": 2},
    ]
    rules = [
        ("night_limit", "Night limit", "review"),
        ("velocity", "Too many too fast", "review"),
        ("receiver_in_ring", "Receiver in a ring", "block"),
    ]
    table = rule_counts(counts, rules)
    assert list(table["rule"]) == ["receiver_in_ring", "velocity", "old_rule", "night_limit"]
    assert list(table["alerts"]) == [5, 4, 2, 0]
    assert table.set_index("rule").loc["velocity", ["block", "review"]].tolist() == [1, 3]
    assert table.set_index("rule").loc["old_rule", "description"].startswith("(not in")
    assert rule_counts([], rules)["alerts"].tolist() == [0, 0, 0]


def test_money_columns_show_in_brazilian_format_and_stay_numbers():
    """Tables write money as R$ 15.931,28 but keep the numbers (sorting by amount works)."""
    from app import ui

    frame = pd.DataFrame({"amount": [15931.28, None], "n": [1, 2]})
    styled = ui.money(frame, "amount", "absent")
    html = styled.to_html()
    assert "R$ 15.931,28" in html and ">-<" in html
    assert styled.data["amount"].dtype == float
    assert ui.money(frame, "absent") is frame
