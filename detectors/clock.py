"""Do the transfers' clock times carry information? A check before the hour-scale detectors.

The hour-scale detectors (pass-through relays, fast fans, chains, drains) read the time of
day: money that leaves an account within hours of arriving. That only means something when
the clock times are real. Many exports are day-level at heart: the date is real, the time of
day is a fixed hour, a batch-posting time, or made up when a day index was turned into a
timestamp. On such data the hour-scale detectors find "relays" wherever an account happens to
receive and send on the same day, and every one of them is a false ring.

The check asks the data itself: how many pass-through episodes are there, and how many would
there be if every transfer kept its day but its time of day were drawn at random? Where
mules pass money on within minutes, and ordinary people pay a bill an hour after their salary
arrives, the real count is far above the chance count. Where clock times are noise, the two
agree. The clock is *informative* when the real count exceeds the chance count by more than
three standard deviations of a Poisson count (a one-sided test at about the 0.1% level); when
it is not, the run treats the data as day-level: the hour-scale detectors are off and the
any-speed detectors see whole days, exactly as for an export without clock times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors import passthrough
from detectors.config import DetectionConfig

DAY_NS = 86_400 * 10**9
Z = 3.0  # standard deviations above chance: about a 0.1% one-sided level
MAX_TRANSFERS = 200_000  # above this, the check runs on a sample of days


@dataclass(frozen=True)
class ClockCheck:
    """Pass-through episodes in the data and with the time of day left to chance."""

    real: int
    chance: int
    informative: bool

    def sentence(self) -> str:
        verdict = "carry information" if self.informative else "look like noise"
        return (
            f"Clock times {verdict}: {self.real} pass-through episodes, against {self.chance} "
            "with each transfer's time of day drawn at random within its day."
        )


def redraw_times(transfers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A copy of ``transfers`` where each keeps its day but gets a random time of day."""
    ts = transfers["ts"].to_numpy().astype("datetime64[ns]")
    day = ts.astype("datetime64[D]").astype("datetime64[ns]")
    offset = (rng.random(len(ts)) * DAY_NS).astype("timedelta64[ns]")
    return transfers.assign(ts=day + offset)


def pass_episodes(transfers: pd.DataFrame, cfg: DetectionConfig) -> int:
    """How many pass-through episodes the relay detector finds in ``transfers``."""
    return int(passthrough.find_episodes(transfers, cfg)["is_pass"].astype(bool).sum())


def check(
    transfers: pd.DataFrame,
    cfg: DetectionConfig,
    real: int | None = None,
    max_transfers: int = MAX_TRANSFERS,
) -> ClockCheck:
    """Compare the pass-through episodes of ``transfers`` (``real`` when already counted)
    with one copy whose times of day are random (seeded by ``cfg.random_seed``). Above
    ``max_transfers``, both counts are taken over a random sample of days that holds about
    that many transfers: thousands of episodes either way, at a bounded cost."""
    rng = np.random.default_rng(cfg.random_seed)
    if len(transfers) > max_transfers:
        day = transfers["ts"].to_numpy().astype("datetime64[D]").astype(np.int64)
        days = np.unique(day)
        chosen = days[rng.random(len(days)) < max_transfers / len(transfers)]
        transfers, real = transfers.iloc[np.flatnonzero(np.isin(day, chosen))], None
    real = pass_episodes(transfers, cfg) if real is None else real
    chance = pass_episodes(redraw_times(transfers, rng), cfg)
    return ClockCheck(real, chance, bool(real > chance + Z * np.sqrt(max(chance, 1))))


def day_level(transfers: pd.DataFrame) -> pd.DataFrame:
    """``transfers`` with the time of day dropped (every timestamp at midnight), in the order
    of a day-level export (day, sender, receiver), so that the run sees exactly the frame it
    would have read from the same data without clock times."""
    out = transfers.assign(ts=transfers["ts"].dt.normalize())
    return out.sort_values(["ts", "src", "dst"], kind="stable").reset_index(drop=True)
