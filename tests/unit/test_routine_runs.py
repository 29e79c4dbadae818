"""Payroll and supplier runs pass money on within hours, as mules do; they are not rings when
most of the money goes to regular payees outside the group who keep it."""

from __future__ import annotations

import pandas as pd

from detectors import pipeline, scoring
from detectors.config import DetectionConfig
from detectors.frames import Inputs, transfers_frame
from tests.unit.test_detect_rings import world


def _at(day: int, minute: int) -> str:
    return str(pd.Timestamp("2025-04-01 08:00") + pd.Timedelta(days=day, minutes=minute))


def payroll_world() -> Inputs:
    """The rings of ``test_detect_rings.world`` plus a holding H that funds three employers
    once a month; within the hour each pays its six employees, who keep the money."""
    base = world()
    rows = list(base.transfers[["src", "dst", "ts", "amount"]].astype(str).itertuples(index=False))
    rows = [(s, d, t, float(a)) for s, d, t, a in rows]
    for month in range(3):
        day = 4 + 30 * month
        for k in range(3):
            employer = f"EMP{k}"
            rows.append(("H", employer, _at(day, 10 * k), 12_000.0))
            for i in range(6):
                rows.append((employer, f"W{k}{i}", _at(day, 10 * k + 20 + i), 1_950.0 + 10 * i))
    return Inputs(transfers_frame(rows), base.identifiers, base.accounts, base.fraud_accounts)


def test_payroll_runs_are_not_rings_but_the_mule_rings_still_are():
    """Three employers paying the same employees every month are in no ring; the layering ring
    and the mule farm of the same world are still found."""
    result = pipeline.find_rings(payroll_world(), DetectionConfig())
    groups = [set(m) for m in result.rings[result.rings["kind"] == "ring"]["members"]]
    assert {"A", "B", "C", "D", "E"} in groups
    assert {"F0", "F1", "F2", "F3", "F4", "K"} in groups
    assert not set().union(*groups) & {"H", "EMP0", "EMP1", "EMP2"}


def test_a_routine_run_needs_most_money_to_regular_payees_and_as_many_as_a_fan_out():
    """Routine: at least half of the relayed money to regular payees outside the group, and at
    least fan_min_counterparties (5) of them. One regular payee, or a minority share, is not."""
    cfg = DetectionConfig()
    f = pd.DataFrame(
        {"routine_share": [0.95, 0.95, 0.30, None], "routine_payees": [18, 1, 12, None]},
        index=["payroll", "one cash-out", "mostly mules", "no relays"],
    )
    assert scoring.routine(f, cfg).to_dict() == {
        "payroll": True,
        "one cash-out": False,
        "mostly mules": False,
        "no relays": False,
    }
