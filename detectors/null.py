"""How often would a pattern appear by chance in *this* graph? An empirical null model.

For structures (round trips, two-hop paths) the one-off graph is rewired: every one-off
transfer keeps its sender, day and amount, but its receiver is shuffled among all one-off
receivers. Each account keeps how many one-off transfers it sends and receives, so hubs stay
hubs, but any arrangement between them is broken. For bursts the days are drawn at random
within each hub's own active period instead: each account keeps its one-off counterparties,
but not when it met them. Running a detector
on ``null_rewirings`` shuffled copies tells how many findings of each strength chance alone
gives in this population. A finding's strength
is then one minus the estimated false-discovery rate at its level:

    fdr(v) = null findings with value >= v per copy / real findings with value >= v

where the null count per copy is (1 + the sum over copies) / (copies + 1): one imagined null
finding at every level keeps a lone extreme finding from counting as certain. As with
q-values, a finding takes the lowest rate of any cut-off that still includes it.

so the same two-hop with two middles is strong evidence in a quiet population and none in
one where everybody pays strangers every day.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from detectors.oneoff import OneOff


def redraw_days(graph: OneOff, rng: np.random.Generator, hub: np.ndarray) -> OneOff:
    """A copy of ``graph`` whose transfers happen on random days within the active period of
    their ``hub`` account (receiver or sender): every account keeps its one-off
    counterparties and its own active period, but when it meets them is left to chance."""
    day = graph.first_day[hub] + rng.uniform(0.0, 1.0, size=len(graph)) * graph.active_days[hub]
    if len(graph) and np.all(graph.day == np.floor(graph.day)):
        day = np.floor(day)  # keep day-level data day-level
    return replace(graph, day=day)


def rewire(graph: OneOff, rng: np.random.Generator) -> OneOff:
    """A copy of ``graph`` with receivers shuffled (self-transfers dropped)."""
    dst = rng.permutation(graph.dst)
    keep = dst != graph.src
    return replace(
        graph,
        src=graph.src[keep],
        dst=dst[keep],
        day=graph.day[keep],
        amount=graph.amount[keep],
        row=graph.row[keep],
    )


def strength(real: np.ndarray, null: list[np.ndarray]) -> np.ndarray:
    """1 - estimated false-discovery rate at each real value (higher value = stronger)."""
    real = np.asarray(real, dtype=float)
    if real.size == 0:
        return real
    ranked = np.sort(real)
    at_least = real.size - np.searchsorted(ranked, real, side="left")
    chance = np.ones(real.size)  # one imagined null finding at every level: no certainty
    for values in null:
        values = np.sort(np.asarray(values, dtype=float))
        chance += values.size - np.searchsorted(values, real, side="left")
    chance /= len(null) + 1
    fdr = np.minimum(chance / at_least, 1.0)
    # q-value: the lowest false-discovery rate of any cut-off that still includes the finding
    order = np.argsort(real, kind="stable")
    fdr[order] = np.minimum.accumulate(fdr[order])
    return 1.0 - fdr


def column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float) if len(frame) else np.zeros(0)
