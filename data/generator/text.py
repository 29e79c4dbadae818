"""Arrow string columns for the writer: ids, documents, names, e-mails, keys, times, money.

Everything is built with Arrow compute kernels over whole columns (no Python loop per row).
`Strings` builds the per-holder and per-key strings once; the writer takes from them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data import schema
from data.generator import names
from data.generator.documents import uuid_strings
from data.generator.population import MEI, PERSON
from data.generator.rings.plan import RING_DEVICE_BASE
from data.generator.tables import Devices
from data.generator.world import World


def ids(field: str, numbers: np.ndarray, count: int) -> pa.Array:
    """Identifiers like U0000001: prefix plus a zero-padded 1-based number."""
    prefix, width = schema.ID_FORMATS[field]
    width = max(width, len(str(count)))
    return join(prefix, padded(np.asarray(numbers, dtype=np.int64) + 1, width))


def padded(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")


def join(*parts: pa.Array | str) -> pa.Array:
    return joined("", *parts)


def joined(separator: str, *parts: pa.Array | str) -> pa.Array:
    """The parts, element-wise, with ``separator`` between them."""
    return pc.binary_join_element_wise(*parts, separator)


def pick(values: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def money(cents: np.ndarray, fmt: str) -> pa.Array:
    """Cents as exact two-decimal values (decimal for CSV, float64 for Parquet)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    if fmt == "parquet":
        return pa.array(cents / 100.0)
    buf = np.empty((cents.size, 2), dtype=np.int64)
    buf[:, 0], buf[:, 1] = cents, cents >> 63
    return pa.Array.from_buffers(pa.decimal128(18, 2), cents.size, [None, pa.py_buffer(buf)])


def times(seconds: np.ndarray, fmt: str) -> pa.Array:
    ts = pa.array(np.asarray(seconds, dtype=np.int64), pa.timestamp("s"))
    if fmt == "parquet":
        return ts
    return pc.replace_substring(pc.cast(ts, pa.string()), " ", "T")


def ipv4(addresses: np.ndarray) -> pa.Array:
    a = np.asarray(addresses, dtype=np.int64)
    octets = [pc.cast(pa.array((a >> s) & 255), pa.string()) for s in (24, 16, 8, 0)]
    return joined(".", *octets)


def _uuid_text(raw: np.ndarray) -> pa.Array:
    return pa.array(uuid_strings(raw)).cast(pa.string())


class Strings:
    """Per-holder and per-key strings, built once and shared by several files."""

    def __init__(self, w: World) -> None:
        p = w.people
        person, mei = p.kind == PERSON, p.kind == MEI
        human_like = pa.array(person | mei)
        self.user_number = np.empty(p.n, dtype=np.int64)
        self.user_number[np.lexsort((np.arange(p.n), p.opened))] = np.arange(p.n)
        self.user_id = ids("id_usuario", self.user_number, p.n)
        self.doc = pc.if_else(pa.array(person), padded(p.doc, 11), padded(p.doc, 14))
        a, b, c = (x.astype(np.int64) for x in (p.name_a, p.name_b, p.name_c))
        hx = person | mei
        first, surname, last = (np.where(hx, x, 0) for x in (a, b, c))  # people and MEIs
        word, trade_name, suffix = (np.where(hx, 0, x) for x in (a, b, c))  # companies
        human = joined(
            " ",
            pick(names.FIRST_NAMES, first),
            pick(names.SURNAMES, surname),
            pick(names.SURNAMES, last),
        )
        root = p.doc // 1_000_000
        mei_root = joined(
            ".",
            padded(root // 1_000_000, 2),
            padded(root // 1_000 % 1_000, 3),
            padded(root % 1_000, 3),
        )
        trade = joined(
            " ",
            pick(names.TRADE_WORDS, word),
            pick(names.TRADE_NAMES, trade_name),
            pick(names.COMPANY_SUFFIX, suffix),
        )
        self.name = pc.if_else(
            pa.array(person), human, pc.if_else(pa.array(mei), joined(" ", mei_root, human), trade)
        )
        rank = pc.if_else(
            pa.array(p.email_rank > 0), pc.cast(pa.array(p.email_rank), pa.string()), ""
        )
        mailbox = joined(".", pick(names.FIRST_ASCII, first), pick(names.SURNAMES_ASCII, last))
        mei_tag = pc.if_else(pa.array(mei), ".mei", "")
        domain = pick(names.EMAIL_DOMAINS, p.email_domain)
        personal = join(mailbox, mei_tag, rank, "@", domain)
        shop = join(pick(names.TRADE_WORDS_ASCII, word), pick(names.TRADE_ASCII, trade_name))
        company = join("contato@", shop, rank, ".com.br")
        self.email = pc.if_else(human_like, personal, company).take(pa.array(p.email_from))
        self.phone = join("+", pc.cast(pa.array(p.phone), pa.string()))

        k = w.keys
        evp = _uuid_text(k.evp).take(pa.array(k.evp_row, mask=k.evp_row < 0))
        owner = pa.array(k.owner)
        kind = k.kind.astype(np.int64)
        tipo = schema.TIPO_CHAVE
        self.key = pc.case_when(
            pc.make_struct(
                pa.array((kind == tipo.index("CPF")) | (kind == tipo.index("CNPJ"))),
                pa.array(kind == tipo.index("EMAIL")),
                pa.array(kind == tipo.index("TELEFONE")),
            ),
            self.doc.take(owner),
            self.email.take(owner),
            self.phone.take(owner),
            evp,
        )
        self._device_number = _device_numbers(w.devices)

    def device_ids(self, physical: np.ndarray) -> pa.Array:
        """D-ids of physical devices, numbered in order of first registration."""
        ordinary, ring, count = self._device_number
        ring_dev = physical >= RING_DEVICE_BASE
        number = np.where(
            ring_dev,
            ring[np.where(ring_dev, physical - RING_DEVICE_BASE, 0)],
            ordinary[np.where(ring_dev, 0, physical)],
        )
        return ids("id_dispositivo", number, count)


def _device_numbers(d: Devices) -> tuple[np.ndarray, np.ndarray, int]:
    """Dense lookup tables physical device -> number (ordinary and ring devices), numbering
    devices in order of first registration; also the number of devices."""
    dev = d.device[np.lexsort((d.device, d.registered))]
    by_dev = np.argsort(dev, kind="stable")
    first = np.ones(dev.size, dtype=bool)
    first[by_dev[1:]] = dev[by_dev[1:]] != dev[by_dev[:-1]]
    numbered = dev[first]
    ring_dev = numbered >= RING_DEVICE_BASE
    # at least one slot each: device_ids looks both tables up before choosing
    ordinary = np.full(int(numbered[~ring_dev].max(initial=0)) + 1, -1, dtype=np.int64)
    ring = np.full(int((numbered[ring_dev] - RING_DEVICE_BASE).max(initial=0)) + 1, -1, np.int64)
    rank = np.arange(numbered.size, dtype=np.int64)
    ordinary[numbered[~ring_dev]] = rank[~ring_dev]
    ring[numbered[ring_dev] - RING_DEVICE_BASE] = rank[ring_dev]
    return ordinary, ring, int(numbered.size)
