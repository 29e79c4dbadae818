"""Logins written to their import files while they are validated, chunk by chunk.

Logins are the largest dataset (two per transfer, 20 M rows at scale 200) and nothing else
needs their rows: their own tables (Login and IP nodes, BY, ON_DEVICE, FROM_IP) depend on
the logins alone, and the other tables only on the accounts and devices they name. So the
offline load hands each validated chunk to ``LoginStream``, which appends its tables to the
import files and keeps only

- a 64-bit hash of every login id seen (events keep their first row), 8 bytes a login;
- the distinct IPs (a Python set), and the distinct accounts and devices the logins name
  (as Arrow strings);
- one USED_DEVICE summary per (account, device) (first and last login, first successful
  login, logins and failures), folded chunk by chunk and written at the end.

The files hold the same bytes as ``build_graph``'s login tables written whole. A hash is
not an id: a login whose hash was seen before is held back, and at the end the ids of the
held-back logins are looked up in the Login file itself. Those found there are repeats and
dropped; the others (a hash collision) are written then, after the rest, so the files then
hold the same rows in another order, and the graph is the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from data import schema
from ingest.offline_files import TableFile
from ingest.offline_graph import (
    StreamedLogins,
    combine_used_devices,
    complete,
    first,
    login_tables,
    used_device_parts,
    used_device_table,
)


def _hash(values: pd.Series) -> np.ndarray:
    hashed: np.ndarray = pd.util.hash_pandas_object(values, index=False).to_numpy(np.uint64)
    return hashed


class SeenHashes:
    """The 64-bit hashes of every value added so far, sorted: which of a chunk's values
    may have been seen (equal hashes) and which certainly were not."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._sorted)

    def seen(self, hashes: np.ndarray) -> np.ndarray:
        """True where a hash was added before."""
        if not len(self._sorted):
            return np.zeros(len(hashes), dtype=bool)
        order = np.argsort(hashes)  # sorted look-ups walk the array once, cache-friendly
        at = np.searchsorted(self._sorted, hashes[order]).clip(max=len(self._sorted) - 1)
        found = np.empty(len(hashes), dtype=bool)
        found[order] = self._sorted[at] == hashes[order]
        return found

    def add(self, hashes: np.ndarray) -> None:
        # Two sorted runs: the stable sort (a timsort) merges them in linear time.
        merged = np.concatenate([self._sorted, np.sort(hashes)])
        merged.sort(kind="stable")
        self._sorted = merged


class Distinct:
    """Distinct non-null values of a stream of series, in first-seen order, each known as
    new when it first comes (a Python set: for the IPs, which the IP file needs chunk by
    chunk)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._parts: list[pd.Series] = []

    def new(self, values: pd.Series) -> pd.Series:
        """The values not seen before (in this call or an earlier one), first-seen order;
        they count as seen from now on."""
        distinct = values.dropna().drop_duplicates().to_numpy(dtype=object)
        fresh = [v for v in distinct if v not in self._seen]
        self._seen.update(fresh)
        found = pd.Series(fresh, dtype=object)
        self._parts.append(found)
        return found

    def values(self) -> pd.Series:
        if not self._parts:
            return pd.Series([], dtype=object)
        return pd.Series(pd.concat(self._parts, ignore_index=True), dtype=object)


class Gathered:
    """Distinct non-null values of a stream of series, in first-seen order, known only at
    the end: each series' distinct values, in its own (Arrow) strings, merged whenever they
    have doubled, so that they take a fraction of a Python set's memory."""

    MERGE_AT = 1_000_000  # values held before the first merge

    def __init__(self) -> None:
        self._parts: list[pd.Series] = []
        self._held = 0
        self._merged = 0

    def add(self, values: pd.Series) -> None:
        part = values.dropna().drop_duplicates()
        self._parts.append(part)
        self._held += len(part)
        if self._held > 2 * self._merged + self.MERGE_AT:
            self._merge()

    def _merge(self) -> None:
        merged = pd.concat(self._parts, ignore_index=True).drop_duplicates()
        self._parts = [merged.reset_index(drop=True)]
        self._merged = self._held = len(merged)

    def values(self) -> pd.Series:
        if not self._parts:
            return pd.Series([], dtype=object)
        self._merge()
        return self._parts[0]


class UsedDevices:
    """USED_DEVICE summaries of a stream of login chunks: each chunk's, folded into the
    rest whenever the unfolded ones have grown past the folded (and ``FOLD_AT``)."""

    FOLD_AT = 1_000_000  # summaries held before the first fold

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []
        self._held = 0
        self._folded = 0

    def add(self, logins: pd.DataFrame) -> None:
        part = used_device_parts(logins)
        self._parts.append(part)
        self._held += len(part)
        if self._held > 2 * self._folded + self.FOLD_AT:
            self._fold()

    def _fold(self) -> None:
        folded = combine_used_devices(self._parts)
        self._parts = [folded]
        self._folded = self._held = len(folded)

    def table(self) -> pd.DataFrame:
        self._fold()
        return self._parts[0]


class LoginStream:
    """Appends the tables of validated login chunks (in file order) to their import files
    in ``directory``; ``finish`` closes them and returns what the other tables need."""

    def __init__(self, directory: Path, compress: bool = False) -> None:
        self.directory = directory
        self.compress = compress
        self._hashes = SeenHashes()
        self._held: list[pd.DataFrame] = []  # logins whose id hash was seen before
        self._ips = Distinct()
        self._accounts = Gathered()
        self._devices = Gathered()
        self._used = UsedDevices()
        self._files: dict[str, TableFile] = {}

    def add(self, chunk: pd.DataFrame) -> None:
        """Write the logins of ``chunk`` (validated rows) whose id was not seen before."""
        logins = first(complete(schema.LOGS, chunk), "id_log")
        hashes = _hash(logins["id_log"])
        maybe = self._hashes.seen(hashes)
        self._hashes.add(hashes[~maybe])
        if maybe.any():
            self._held.append(logins[maybe])
            logins = logins[~maybe]
        self._write(logins)

    def _write(self, logins: pd.DataFrame) -> None:
        self._accounts.add(logins["id_usuario"])
        self._devices.add(logins["id_dispositivo"])
        self._used.add(logins)
        nodes, rels = login_tables(logins)
        for node in nodes:
            frame = node.frame
            if node.label == "IP":
                frame = pd.DataFrame({"address": self._ips.new(frame["address"])})
            if node.label not in self._files:
                self._files[node.label] = TableFile.nodes(node, self.directory, self.compress)
            self._files[node.label].append(frame)
        for rel in rels:
            if rel.type not in self._files:
                self._files[rel.type] = TableFile.relationships(rel, self.directory, self.compress)
            self._files[rel.type].append(rel.frame)

    def _written_ids(self) -> pa.Array:
        login = self._files["Login"]
        with login.read() as text:
            column = text.readline().decode("utf-8").rstrip("\n").split(",")[0]
        with login.read() as text:
            table = pacsv.read_csv(
                text,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    include_columns=[column], column_types={column: pa.string()}
                ),
            )
        login.reopen()
        return table.column(column).combine_chunks()

    def finish(self) -> tuple[list[TableFile], StreamedLogins]:
        """The closed import files, and the accounts and devices the logins name."""
        if not self._files:  # no logins at all: empty files, as build_graph writes them
            self._write(complete(schema.LOGS, None))
        if self._held:
            held = pd.concat(self._held, ignore_index=True)
            written = self._written_ids()
            repeated = pc.is_in(pa.array(held["id_log"].to_numpy(dtype=object)), written)
            collided = held[~repeated.to_numpy(zero_copy_only=False)]
            self._write(first(collided, "id_log"))
            self._held = []
        used = used_device_table(self._used.table())
        self._files[used.type] = TableFile.relationships(used, self.directory, self.compress)
        self._files[used.type].append(used.frame)
        self._used = UsedDevices()
        for file in self._files.values():
            file.close()
        streamed = StreamedLogins(self._accounts.values(), self._devices.values())
        return list(self._files.values()), streamed
