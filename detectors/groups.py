"""Rings from the timescale-free detectors: merge their findings, score and explain them.

Each finding (a novelty burst, a two-hop structure, a round trip, a traced case) is a set of
accounts with the transfers that tie them. Findings sharing at least two accounts, or the same
hub, are one group (a gather-scatter hub has a fan-in burst and a fan-out burst; a
scatter-gather is a fan-out and a fan-in over the same middles), unless the merged group would
exceed ``max_ring_size``.

A finding's strength is one minus the share of findings that strong which chance alone gives
in this graph (``detectors.null``). Findings of one group are independent pieces of evidence,
so the group's *evidence* is ``1 - prod(1 - strength)``. A group is reported when its evidence
is at least ``min_group_evidence`` and it has at least ``min_group_size`` accounts. Its score
is the weighted mean of the evidence (weight 3), confirmed fraud on a member's account or a
trace from a case (1) and the members' mean GNN score (1, when scored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors.assemble import components
from detectors.config import DetectionConfig
from detectors.frames import RING_COLUMNS
from detectors.oneoff import OneOff
from ringwatch.money import brl

WEIGHTS = {"evidence": 3.0, "fraud": 1.0, "gnn": 1.0}
# Findings that show a laundering pattern; a trace or GNN link adds evidence or members to
# them but never makes a ring on its own.
PATTERNS = frozenset(
    {
        "novelty_in",
        "novelty_out",
        "case_fan_in",
        "case_fan_out",
        "twohop",
        "round_trip",
        "conservation",
    }
)


@dataclass
class Finding:
    kind: str  # novelty_in/_out, case_fan_in/_out, twohop, round_trip, trace, conservation,
    # gnn_link
    members: list[str]
    strength: float  # 0..1
    sentence: str
    hub: str | None = None
    rows: np.ndarray | None = None  # rows of the transfers frame


def findings(
    graph: OneOff,
    bursts: pd.DataFrame,
    twohops: pd.DataFrame,
    cycles: pd.DataFrame,
    traces: pd.DataFrame,
    conserving: pd.DataFrame,
    fans: pd.DataFrame,
) -> list[Finding]:
    """Every detector's rows as findings with a strength and a sentence."""
    out: list[Finding] = []
    for b in bursts.itertuples(index=False):
        verb = "received from" if b.direction == "in" else "paid"
        out.append(
            Finding(
                f"novelty_{b.direction}",
                list(b.members),
                float(b.strength),
                f"{b.hub} {verb} {b.n} accounts it never dealt with before or after, within "
                f"{b.window_days:g} day(s); its usual pace predicts {b.expected:.1f}.",
                hub=b.hub,
                rows=graph.row[b.rows],
            )
        )
    for t in twohops.itertuples(index=False):
        out.append(
            Finding(
                "twohop",
                list(t.members),
                float(t.strength),
                f"{t.origin} paid {t.middles} accounts that each paid {t.beneficiary}, every leg a "
                f"one-off transfer, within {t.last_day - t.first_day:.0f} day(s).",
                rows=graph.row[t.rows],
            )
        )
    for c in cycles.itertuples(index=False):
        out.append(
            Finding(
                "round_trip",
                list(c.members),
                float(c.strength),
                f"Money went round {c.hops} accounts and came back in "
                f"{c.last_day - c.first_day:.0f} day(s), every hop a one-off transfer.",
                rows=graph.row[np.asarray(c.rows)],
            )
        )
    for c in conserving.itertuples(index=False):
        out.append(
            Finding(
                "conservation",
                list(c.members),
                float(c.strength),
                f"{c.hub} received {brl(c.received)} in one-off transfers and, within "
                f"{c.last_day - c.first_day:.0f} day(s), sent {c.ratio:.0%} of it on to other "
                "accounts it never dealt with before or after.",
                hub=c.hub,
                rows=graph.row[np.asarray(c.rows)],
            )
        )
    for c in fans.itertuples(index=False):
        verb = "received from" if c.direction == "in" else "paid"
        out.append(
            Finding(
                f"case_fan_{c.direction}",
                list(c.members),
                float(c.strength),
                f"{c.hub}, on the confirmed case {c.seed}, {verb} {c.n} accounts it never dealt "
                f"with before or after, around the time of the case; only {c.p:.2%} of accounts "
                "as busy as it deal with that many accounts only once.",
                hub=c.hub,
                rows=graph.row[np.asarray(c.rows, dtype=np.int64)],
            )
        )
    for t in traces.itertuples(index=False):
        out.append(
            Finding(
                "trace",
                list(t.members),
                float(t.strength),
                f"Traced from the confirmed case {t.seed}: the money's trail around it closes on "
                f"these {len(t.members)} accounts (conductance {t.conductance:.2f}).",
            )
        )
    return out


def merge(found: list[Finding], cfg: DetectionConfig) -> list[list[Finding]]:
    """Findings grouped by shared accounts or hub, never above ``max_ring_size`` members."""
    if not found:
        return []
    rows = [(i, a) for i, f in enumerate(found) for a in f.members]
    by_account = pd.DataFrame(rows, columns=["finding", "account"])
    pairs = by_account.merge(by_account, on="account")
    pairs = pairs[pairs["finding_x"] < pairs["finding_y"]]
    shared = pairs.groupby(["finding_x", "finding_y"]).size()
    hubs = {i: f.hub for i, f in enumerate(found) if f.hub}
    same_hub = [(i, j) for i, j in shared.index if hubs.get(i) and hubs.get(i) == hubs.get(j)]
    links = [(i, j) for (i, j), n in shared.items() if n >= 2] + same_hub
    edges = pd.DataFrame(links + [(i, i) for i in range(len(found))], columns=["src", "dst"])
    label = components(edges)
    groups: list[list[Finding]] = []
    for _, idx in label.groupby(label).groups.items():
        part = [found[int(i)] for i in idx]
        members = {a for f in part for a in f.members}
        if len(members) <= cfg.max_ring_size:
            groups.append(part)
        else:
            groups.extend([f] for f in part if len(f.members) <= cfg.max_ring_size)
    return groups


def typology(kinds: set[str]) -> str:
    """The typology a group's findings point to."""
    if "round_trip" in kinds:
        return "cycle"
    if ("novelty_in" in kinds and "novelty_out" in kinds) or "conservation" in kinds:
        return "gather_scatter" if "twohop" not in kinds else "scatter_gather"
    if "twohop" in kinds:
        return "scatter_gather"
    if kinds & {"novelty_in", "case_fan_in"}:
        return "fan_in"
    if kinds & {"novelty_out", "case_fan_out"}:
        return "fan_out"
    return "traced"


def score_groups(
    groups: list[list[Finding]],
    transfers: pd.DataFrame,
    graph: OneOff,
    fraud: pd.Index,
    accounts: pd.DataFrame,
    cfg: DetectionConfig,
) -> pd.DataFrame:
    """One scored, explained ring row per group (RING_COLUMNS)."""
    if not groups:
        return pd.DataFrame(columns=RING_COLUMNS)
    one_off_rows = np.zeros(len(transfers), dtype=bool)
    one_off_rows[graph.row] = True
    gnn = (
        accounts.set_index("account")["gnn_score"]
        if "gnn_score" in accounts and not accounts.empty
        else pd.Series(dtype=float)
    )
    code = pd.Series(np.arange(len(graph.names)), index=graph.names)
    src_code = code.reindex(transfers["src"]).to_numpy()
    dst_code = code.reindex(transfers["dst"]).to_numpy()
    by_sender = np.argsort(src_code, kind="stable")
    first = np.searchsorted(src_code[by_sender], np.arange(len(graph.names) + 1))
    inside = np.zeros(len(graph.names), dtype=bool)
    out = []
    for part in groups:
        found = {a for f in part if f.kind != "gnn_link" for a in f.members}
        if len(found) < cfg.min_group_size:  # accounts that joined on GNN score do not count
            continue
        if not any(f.kind in PATTERNS for f in part):  # a trace alone may be a lone case
            continue
        doubt = float(np.prod([1.0 - min(f.strength, 0.999) for f in part]))
        if 1.0 - doubt < cfg.min_group_evidence:
            continue
        members = sorted({a for f in part for a in f.members})
        kinds = {f.kind for f in part}
        codes = code[members].to_numpy()
        sent = np.concatenate([by_sender[first[c] : first[c + 1]] for c in codes])
        inside[codes] = True
        internal = sent[inside[dst_code[sent]]]  # rows of transfers between two members
        inside[codes] = False
        tied = [f.rows for f in part if f.rows is not None]
        rows = np.unique(np.concatenate(tied)) if tied else np.zeros(0, dtype=np.int64)
        rows = rows.astype(np.int64) if len(rows) else np.sort(internal[one_off_rows[internal]])
        ts, amount = transfers["ts"].to_numpy()[rows], transfers["amount"].to_numpy()[rows]
        case = "trace" in kinds or any(m in fraud for m in members)
        one_off = float(one_off_rows[internal].mean()) if len(internal) else 0.0
        factor = {
            "evidence": 1.0 - doubt,
            "fraud": 1.0 if case else 0.0,
        }
        scores = pd.to_numeric(gnn.reindex(members), errors="coerce").dropna()
        if len(scores):
            factor["gnn"] = float(scores.mean())
        weight = sum(WEIGHTS[k] for k in factor)
        score = round(sum(WEIGHTS[k] * v for k, v in factor.items()) / weight, 4)
        ranked = sorted(part, key=lambda f: -f.strength)
        reasons = [f.sentence for f in ranked if f.kind != "gnn_link"][:4]
        reasons += [f.sentence for f in ranked if f.kind == "gnn_link"]
        if one_off >= 0.5:
            reasons.append(
                f"{one_off:.0%} of the transfers between members are the only "
                "transfer ever between those two accounts."
            )
        if "gnn" in factor:
            reasons.append(
                f"The GNN risk score averages {factor['gnn']:.2f} over {len(scores)} members."
            )
        reasons.append(f"Total moved in these transfers: {brl(float(amount.sum()))}.")
        out.append(
            {
                "kind": "ring",
                "members": members,
                "size": len(members),
                "score": score,
                "reasons": reasons,
                "typology_guess": typology(kinds),
                "first_seen": pd.Timestamp(ts.min()) if len(ts) else pd.NaT,
                "last_seen": pd.Timestamp(ts.max()) if len(ts) else pd.NaT,
                "total_amount": round(float(amount.sum()), 2),
            }
        )
    return pd.DataFrame(out, columns=RING_COLUMNS)
