"""Clean stops for the long-running commands (stream, decide, archive)."""

from __future__ import annotations

import logging
import signal
from typing import Protocol


class Stoppable(Protocol):
    def stop(self) -> None: ...


def stop_on_signals(target: Stoppable, logger: str, finishing: str) -> None:
    """First SIGTERM/SIGINT: log that ``finishing`` is under way and call ``target.stop()``
    (it finishes its current work and returns); a second one: the default behaviour."""

    def handler(signum: int, _frame: object) -> None:
        logging.getLogger(logger).info("%s received: %s", signal.Signals(signum).name, finishing)
        target.stop()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
