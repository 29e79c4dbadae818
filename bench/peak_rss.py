"""Peak resident memory of a benchmark, sampled from /proc while it runs.

``ru_maxrss`` gives one process's high-water mark; a benchmark here is several processes at
once: the Python process, its validation workers, ``neo4j-admin`` (a Java child), and the
Neo4j server (not a child). ``PeakRss`` samples, every ``interval`` seconds, the resident
set of

- ``python``: this process and every descendant that is not Java (validation workers),
  as proportional set size (PSS: pages a forked worker shares with its parent count once)
  when there are such descendants, else this process's RSS;
- ``java children``: descendants that are Java (``neo4j-admin``);
- ``neo4j``: the process whose pid the ``pid_of_neo4j`` callable returns (read at each
  sample, since an offline import stops and starts the server);

and keeps the largest sum of each, and of all three at one instant (``total``). Sampling
misses peaks shorter than the interval; ``self_maxrss_gib`` (the kernel's own high-water
mark of this process) is exact for the Python process alone.

    with PeakRss(lambda: stack.neo4j.pid()) as peak:
        ...
    print(peak.gib)
"""

from __future__ import annotations

import os
import resource
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

GIB = 1024**3
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * _PAGE


def _pss(pid: int) -> int:
    """Proportional set size: pages shared with other processes (a forked worker and its
    parent) counted once in all, split between them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _is_java(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "java"
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    out, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += _children(child)
    return out


def self_maxrss_gib() -> float:
    """The kernel's high-water mark of this process's RSS (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


class PeakRss:
    """Background sampler of memory peaks (bytes): python (PSS), java children and neo4j
    (RSS), and their sum at one instant."""

    def __init__(
        self, pid_of_neo4j: Callable[[], int | None] | None = None, interval: float = 0.5
    ) -> None:
        self.pid_of_neo4j = pid_of_neo4j
        self.interval = interval
        self.peak = {"python": 0, "java children": 0, "neo4j": 0, "total": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> dict[str, int]:
        me = os.getpid()
        children = descendants(me)
        workers = [c for c in children if not _is_java(c)]
        # PSS only when there are forked workers to share pages with: reading it walks the
        # page tables (a sampler reading it twice a second took about a sixth of the
        # samples of a 6-minute detection run), RSS is one line of /proc.
        python = _pss(me) + sum(_pss(c) for c in workers) if workers else _rss(me)
        java = sum(_rss(c) for c in children if _is_java(c))
        server = self.pid_of_neo4j() if self.pid_of_neo4j else None
        neo4j = _rss(server) if server else 0
        now = {"python": python, "java children": java, "neo4j": neo4j}
        now["total"] = python + java + neo4j
        for key, value in now.items():
            self.peak[key] = max(self.peak[key], value)
        return now

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def gib(self) -> dict[str, float]:
        return {key: round(value / GIB, 2) for key, value in self.peak.items()}
