"""`ringwatch produce DIR`: replay a dataset directory into Kafka in event-time order.

The seven files are merged by their event timestamp (a transaction's ``timestamp``, a key's
``data_cadastro``, a fraud's ``data_deteccao``, ...) so the topics receive the rows as a live
Pix system would have emitted them. Each row becomes one JSON object keyed by its entity id.
Rows are sent as they are in the file, bad ones included: the stream loader validates them.
With a mapping, rows are first put into ringwatch's columns and values (``DataMapping.apply``),
so the topics carry ringwatch's format whatever the export looked like.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from tqdm import tqdm

from ingest.mapping import DataMapping
from ingest.sources import dataset_files, read_file
from ingest.topics import EVENT_COLUMNS, KEY_COLUMNS, Topics
from ingest.writer import LOAD_ORDER
from ringwatch.errors import RingwatchError


class Sender(Protocol):
    """What ``produce_frames`` needs of a producer (``KafkaProducer`` has it)."""

    def send(self, topic: str, value: bytes | None = ..., key: bytes | None = ...) -> Any: ...

    def flush(self, timeout: float | None = ...) -> None: ...


@dataclass
class ProduceReport:
    sent: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.sent.values())


class Pacer:
    """Holds a sender to ``rate`` messages per second on average (0 = no limit)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 0:
            raise RingwatchError(f"--rate {rate} is negative; use 0 for as fast as possible.")
        self.rate, self._clock, self._sleep = rate, clock, sleep
        self._start: float | None = None

    def wait(self, sent: int) -> None:
        """Sleep until ``sent`` messages are due since the first call."""
        if self.rate == 0:
            return
        now = self._clock()
        if self._start is None:
            self._start = now
        ahead = self._start + sent / self.rate - now
        if ahead > 0:
            self._sleep(ahead)


def event_order(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The replay order of all rows: columns ``dataset`` and ``row`` (position in its frame).

    Sorted by event time, then by load order (a holder before its key at the same second),
    then by file order. Rows without a readable event time go last, in file order.
    """
    parts = []
    for rank, dataset in enumerate(LOAD_ORDER):
        frame = frames.get(dataset)
        if frame is None or frame.empty:
            continue
        column = EVENT_COLUMNS[dataset]
        if column in frame:
            when = pd.to_datetime(frame[column], format="ISO8601", errors="coerce", utc=True)
        else:
            when = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
        parts.append(
            pd.DataFrame(
                {
                    "event": when.to_numpy(),
                    "rank": np.full(len(frame), rank),
                    "row": np.arange(len(frame)),
                }
            )
        )
    if not parts:
        return pd.DataFrame({"dataset": pd.Series([], dtype=object), "row": []})
    order = pd.concat(parts, ignore_index=True).sort_values(
        ["event", "rank", "row"], kind="stable", na_position="last"
    )
    names = np.array(LOAD_ORDER, dtype=object)
    return pd.DataFrame(
        {"dataset": names[order["rank"].to_numpy()], "row": order["row"].to_numpy()}
    ).reset_index(drop=True)


def encode_rows(frame: pd.DataFrame) -> list[bytes]:
    """One UTF-8 JSON object per row, keys = column names, values as in the file."""
    if frame.empty:
        return []
    text = frame.to_json(orient="records", lines=True, force_ascii=False)
    return [line.encode("utf-8") for line in text.splitlines()]


def message_keys(dataset: str, frame: pd.DataFrame) -> list[bytes | None]:
    """The message key of each row: its entity id (None when the row has none)."""
    column = KEY_COLUMNS[dataset]
    if column not in frame:
        return [None] * len(frame)
    return [v.encode("utf-8") if isinstance(v, str) and v else None for v in frame[column]]


def produce_frames(
    producer: Sender,
    frames: Mapping[str, pd.DataFrame],
    topics: Topics,
    rate: float = 0.0,
    progress: bool = False,
    pacer: Pacer | None = None,
) -> ProduceReport:
    """Send every row of ``frames`` (dataset -> raw rows) to its topic in event-time order."""
    pacer = pacer or Pacer(rate)
    order = event_order(frames)
    payloads = {d: encode_rows(f) for d, f in frames.items()}
    keys = {d: message_keys(d, f) for d, f in frames.items()}
    names = {d: topics.of(d) for d in frames}
    failures: list[BaseException] = []
    report = ProduceReport(sent={names[d]: 0 for d in frames})
    start = time.monotonic()
    with tqdm(total=len(order), unit="msg", disable=not progress, leave=False) as bar:
        for sent, (dataset, row) in enumerate(
            zip(order["dataset"].tolist(), order["row"].tolist(), strict=True)
        ):
            pacer.wait(sent)
            future = producer.send(
                names[dataset], value=payloads[dataset][row], key=keys[dataset][row]
            )
            if hasattr(future, "add_errback"):
                future.add_errback(failures.append)
            report.sent[names[dataset]] += 1
            if sent % 1000 == 999:
                bar.update(1000)
        producer.flush()
        bar.update(len(order) - bar.n)
    report.seconds = time.monotonic() - start
    if failures:
        raise RingwatchError(
            f"Kafka refused {len(failures)} of {len(order)} messages (first: {failures[0]!r}); "
            "check the broker with `ringwatch stack status` and its log."
        )
    return report


def read_directory(directory: Path, mapping: DataMapping | None = None) -> dict[str, pd.DataFrame]:
    """The rows of every dataset file present in ``directory`` (values as text), put into
    ringwatch's columns and values by ``mapping`` when one is given."""
    found = dataset_files(directory, mapping)
    frames = {}
    for dataset, path in found.items():
        if path is not None:
            frame = read_file(path, mapping.of(dataset) if mapping else None)
            frames[dataset] = mapping.apply(dataset, frame) if mapping else frame
    return frames


def open_producer(bootstrap: str, **overrides: Any) -> Any:
    """A ``KafkaProducer`` with ringwatch's declared configuration."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    from ingest.kafka_config import producer_config

    try:
        return KafkaProducer(**producer_config(bootstrap, **overrides))
    except KafkaError as exc:
        raise RingwatchError(
            f"Kafka is not reachable at {bootstrap} ({exc}): start the local stack with "
            "`ringwatch stack up` or check KAFKA_BOOTSTRAP_SERVERS."
        ) from None
