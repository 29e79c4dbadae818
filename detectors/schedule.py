"""Running detection on a schedule: ``ringwatch detect --every 15m``.

Runs never overlap: the loop is sequential (a run that outlasts the interval delays the next
one; missed ticks are not made up), and each run also holds the database lock, so a second
scheduler or a manual run elsewhere waits its turn (its run is recorded as skipped). A failed
run is logged and recorded by the run itself (outcome 'failed'); the loop goes on.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ringwatch.errors import RingwatchError

log = logging.getLogger("ringwatch.detect")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """'15m', '90s', '1h', '2d' (or plain seconds) -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match or float(match[1]) <= 0:
        raise RingwatchError(f"--every {text!r}: write a duration like 15m, 90s, 1h or 2d.")
    return float(match[1]) * _UNITS[match[2] or "s"]


@dataclass
class LoopReport:
    runs: int = 0
    failed: int = 0
    skipped: int = 0
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)


def loop(
    run_once: Callable[[], object],
    every_s: float,
    stop: threading.Event | None = None,
    max_runs: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    is_busy: Callable[[BaseException], bool] = lambda exc: False,
) -> LoopReport:
    """Call ``run_once`` every ``every_s`` seconds until ``stop`` is set (or ``max_runs``)."""
    stop = stop or threading.Event()
    report = LoopReport()
    next_start = clock()
    while not stop.is_set() and (max_runs is None or report.runs < max_runs):
        wait = next_start - clock()
        if wait > 0 and stop.wait(wait):
            break
        start = clock()
        report.starts.append(start)
        report.runs += 1
        try:
            run_once()
        except Exception as exc:  # noqa: BLE001 - a scheduled run must never stop the loop
            if is_busy(exc):
                report.skipped += 1
                log.warning("detection run skipped: %s", exc)
            else:
                report.failed += 1
                log.error(
                    "detection run failed: %s", exc, exc_info=not isinstance(exc, RingwatchError)
                )
        report.ends.append(clock())
        next_start = start + every_s
        while next_start <= clock():  # a run that outlasted the interval: skip missed ticks
            next_start += every_s
    return report
