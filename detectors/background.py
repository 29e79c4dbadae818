"""One piece of a detection run computed on the machine's second core while the run goes on.

A detection run is single-threaded Python between its Neo4j queries. Some of its work does
not depend on the rest (the any-speed detectors' null models need only the one-off graph), so
``Background`` runs such a function in a forked child process: the child reads the parent's
frames without copying them (fork shares memory pages until one side writes), computes, and
sends back only its result. Where fork is not available, or the work is small, the function
runs in the calling process when its result is asked for, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

from ringwatch.errors import RingwatchError

T = TypeVar("T")


def can_fork() -> bool:
    """True where a child process can be forked (Linux, and other POSIX systems)."""
    return "fork" in multiprocessing.get_all_start_methods()


class Background(Generic[T]):
    """``fn(*args)`` in a forked child process (``forked=True``) or, otherwise, in this
    process when ``result`` is called. Use it as a context manager: leaving the block stops a
    child whose result was never collected."""

    def __init__(self, fn: Callable[..., T], *args: Any, forked: bool = True) -> None:
        self._fn, self._args = fn, args
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receive: Connection | None = None
        if forked and can_fork():
            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child, args=(send, fn, args), name="ringwatch-detect-worker", daemon=True
            )
            self._process.start()
            send.close()  # the child holds the only sending end: its exit ends the pipe

    @property
    def forked(self) -> bool:
        return self._process is not None

    def result(self) -> T:
        """The function's result (waits for the child); its exception if it raised."""
        if self._process is None or self._receive is None:
            return self._fn(*self._args)
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RingwatchError(
                f"The detection worker process (pid {self._process.pid}) ended without a "
                f"result, exit code {self._process.exitcode}; a negative code is the signal "
                "that stopped it (-9 is often the kernel's out-of-memory killer). Give the "
                "machine more memory, or shorten the window (history_days, window_days)."
            ) from None
        finally:
            self._receive.close()
            self._receive = None
        self._process.join()
        if not ok:
            raise RingwatchError(f"The detection worker process failed:\n{value}")
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child if its result was never collected."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        if self._receive is not None:
            self._receive.close()
            self._receive = None

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _child(send: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        send.send((True, fn(*args)))
    except BaseException:  # the parent re-raises it with the child's traceback
        send.send((False, traceback.format_exc()))
    finally:
        send.close()
        os._exit(0)  # no cleanup of the parent's objects (its Neo4j driver's sockets)
