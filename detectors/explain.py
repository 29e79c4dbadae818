"""Reasons in words an investigator accepts, and a guess of each ring's typology.

Every sentence states a fact about the ring's own transfers, accounts or devices, with the
numbers behind it; nothing refers to the ground truth or to the detectors' internals.
"""

from __future__ import annotations

import math

import pandas as pd

from ringwatch.money import brl

# factor thresholds above which a factor earns a sentence
SAY = 0.5


def _duration(minutes: float) -> str:
    if minutes < 90:
        return f"{minutes:.0f} minutes"
    return f"{minutes / 60:.1f} hours"


def reasons(f: pd.Series, s: pd.Series) -> list[str]:
    """Short sentences for one ring: its raw features ``f`` and factors ``s``."""
    out: list[str] = []
    size = int(f["size"])
    if s.get("relaying", 0) >= SAY or f.get("relays", 0) >= 2:
        out.append(
            f"{int(f['relays'])} of {size} members passed money on within hours of receiving "
            f"it ({int(f['episodes'])} times in all)."
        )
    if s.get("speed", 0) >= SAY and not math.isnan(f.get("median_delay_min", math.nan)):
        out.append(f"Money moved on after a median of {_duration(f['median_delay_min'])}.")
    if s.get("pass_through", 0) >= SAY and f["relayed_in"] > 0:
        share = f["relayed_out"] / f["relayed_in"]
        out.append(
            f"Members sent on {share:.0%} of the {brl(f['relayed_in'])} they received in those "
            "episodes."
        )
    if s.get("senders", 0) >= SAY:
        out.append(f"{int(f['outside_senders'])} distinct outside accounts paid into the ring.")
    if s.get("new_accounts", 0) >= SAY:
        out.append(
            f"{int(f['new_accounts'])} of {int(f['known_age'])} accounts were opened shortly "
            "before the ring's first transfer."
        )
    if s.get("shared", 0) >= SAY or f.get("shared", 0) >= 2:
        out.append(f"{int(f['shared'])} members share a device or IP with another member.")
    if f.get("cycles", 0) > 0:
        out.append(f"Money returned to its origin through the ring {int(f['cycles'])} time(s).")
    if f.get("longest_chain", 0) >= 3:
        out.append(f"A chain of {int(f['longest_chain'])} hops passed money member to member.")
    if f.get("scatter", 0) > 0:
        out.append("One member scattered money over several members who sent it to one sink.")
    if f.get("fan_in", 0) > 0:
        out.append(
            f"A member received from {int(f['max_fan_in'])} distinct senders within a day and "
            "passed it on."
        )
    if f.get("fan_out", 0) > 0:
        out.append("A member split an inflow across several accounts that passed it on.")
    if f.get("drained", 0) > 0:
        text = f"{int(f['drained'])} account(s) were drained into the ring in quick transfers"
        logins = int(f.get("takeover_logins", 0))
        if logins:
            text += f" ({logins} after failed logins and a new device)"
        out.append(text + ".")
    if f.get("fraud_members", 0) > 0:
        out.append(f"{int(f['fraud_members'])} member(s) received payments confirmed as fraud.")
    elif f.get("fraud_near", 0) > 0:
        out.append(f"{int(f['fraud_near'])} member(s) are a few transfers from confirmed fraud.")
    gnn = f.get("gnn_mean", math.nan)
    if gnn is not None and not (isinstance(gnn, float) and math.isnan(gnn)):
        out.append(f"The GNN risk score averages {gnn:.2f} over {int(f['gnn_scored'])} members.")
    out.append(f"Total moved between members: {brl(f['total_amount'])}.")
    return out


def typology(f: pd.Series) -> str:
    """The typology the ring's evidence points to most (a guess for the investigator)."""
    size = max(int(f["size"]), 1)
    known = max(int(f.get("known_age", 0)), 1)
    if f.get("drained", 0) > 0:
        return "account_takeover"
    if f.get("cycles", 0) > 0:
        return "cycle"
    if f.get("scatter", 0) > 0:
        return "scatter_gather"
    if f.get("shared", 0) >= size / 2 and f.get("new_accounts", 0) >= known / 2:
        return "mule_farm"
    if f.get("fan_out", 0) > 0:
        return "fan_out"
    if f.get("longest_chain", 0) >= 3:
        return "layering_chain"
    if f.get("fan_in", 0) > 0:
        return "fan_in"
    if f.get("old_accounts", 0) >= known / 2:
        return "rented_account"
    return "mule_farm" if f.get("new_accounts", 0) >= known / 2 else "unknown"
