"""Account holders: people and companies, where they live, when they opened the account.

One account per CPF/CNPJ holder (``usuarios.cpf_cnpj`` is unique). Holders are kept as parallel
numpy arrays indexed by an internal holder number; ids and strings are made by the writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from data.generator import documents, names
from data.generator.arrays import offsets, rank_in_group
from data.generator.calendar import DAY, EPOCH, HOUR, Window

PERSON, MEI, MERCHANT, EMPLOYER, COMPANY = 0, 1, 2, 3, 4
# Shares of all accounts by kind (persons take the rest). MEIs are split between small
# businesses and the own-company accounts of "contas_proprias".
KIND_SHARES = {MERCHANT: 0.0075, EMPLOYER: 0.0025, COMPANY: 0.01, MEI: 0.025}
MEI_BUSINESS_SHARE = 0.4  # of MEIs: small businesses with customers; the rest own accounts
MEAN_COMMUNITY = 80  # people per neighbourhood, the unit of "people who pay each other"
# Registration of Pix keys opened on 2020-10-05; no key is older.
PIX_KEYS_OPENED = int((datetime(2020, 10, 5) - EPOCH).total_seconds())


@dataclass
class People:
    """All account holders; index i is holder i everywhere in the generator."""

    kind: np.ndarray  # int8, PERSON..COMPANY
    doc: np.ndarray  # int64 CPF (11 digits) or CNPJ (14 digits)
    name_a: np.ndarray  # int16: first name, or trade word
    name_b: np.ndarray  # int16: middle surname, or trade name
    name_c: np.ndarray  # int16: last surname, or company suffix
    owner: np.ndarray  # int64: the person owning a MEI/merchant/small business, else -1
    phone: np.ndarray  # int64 55DD9XXXXXXXX
    email_domain: np.ndarray  # int8 index into names.EMAIL_DOMAINS
    email_rank: np.ndarray  # int32 disambiguating suffix of the e-mail local part
    email_from: np.ndarray  # int64: holder whose e-mail this account shows (itself or owner)
    community: np.ndarray  # int32 neighbourhood
    household: np.ndarray  # int64, shared by a phone-sharing family, else own index
    opened: np.ndarray  # int64 seconds, account opening (usuarios.data_cadastro)
    activity: np.ndarray  # float64 relative propensity to pay

    @property
    def n(self) -> int:
        return int(self.kind.size)

    def is_person(self) -> np.ndarray:
        return self.kind == PERSON

    def by_community(self) -> tuple[np.ndarray, np.ndarray]:
        """Holders sorted by community and the start offset of each community."""
        order = np.argsort(self.community, kind="stable")
        counts = np.bincount(self.community, minlength=int(self.community.max()) + 1)
        return order, offsets(counts)


def kind_counts(n: int) -> dict[int, int]:
    """How many holders of each kind a population of n accounts has."""
    counts = {k: max(2, round(n * s)) for k, s in KIND_SHARES.items()}
    counts[PERSON] = n - sum(counts.values())
    return counts


def make_people(rng: np.random.Generator, n: int, window: Window) -> People:
    """Draw n holders: kinds, valid documents, names, phones, places and opening dates."""
    counts = kind_counts(n)
    kind = np.concatenate([np.full(counts[k], k, np.int8) for k in sorted(counts)])
    kind = kind[rng.permutation(n)]
    person = kind == PERSON
    n_person = int(person.sum())

    doc = np.empty(n, dtype=np.int64)
    doc[person] = documents.new_cpfs(rng, n_person)
    doc[~person] = documents.new_cnpjs(rng, n - n_person)

    name_a = np.where(
        person,
        rng.integers(0, len(names.FIRST_NAMES), n),
        rng.integers(0, len(names.TRADE_WORDS), n),
    ).astype(np.int16)
    name_b = np.where(
        person,
        _zipf_index(rng, len(names.SURNAMES), n),
        rng.integers(0, len(names.TRADE_NAMES), n),
    ).astype(np.int16)
    name_c = np.where(
        person,
        _zipf_index(rng, len(names.SURNAMES), n),
        rng.integers(0, len(names.COMPANY_SUFFIX), n),
    ).astype(np.int16)

    # Every MEI, merchant and small business belongs to a distinct person.
    owned = np.flatnonzero(np.isin(kind, [MEI, MERCHANT]))
    owner = np.full(n, -1, dtype=np.int64)
    owner[owned] = rng.choice(np.flatnonzero(person), size=owned.size, replace=False)
    name_a[kind == MEI] = name_a[owner[kind == MEI]]
    name_b[kind == MEI] = name_b[owner[kind == MEI]]
    name_c[kind == MEI] = name_c[owner[kind == MEI]]

    n_comm = max(1, n // MEAN_COMMUNITY)
    comm_ddd = documents.DDD[
        rng.choice(documents.DDD.size, n_comm, p=documents.DDD_WEIGHT / documents.DDD_WEIGHT.sum())
    ]
    community = rng.integers(0, n_comm, n).astype(np.int32)
    community[owned] = community[owner[owned]]
    phone = documents.new_phones(rng, comm_ddd[community])

    email_domain = rng.integers(0, len(names.EMAIL_DOMAINS), n).astype(np.int8)
    email_from = np.arange(n, dtype=np.int64)
    email_rank = email_ranks(kind, name_a, name_b, name_c, email_domain)

    opened = _opening_times(rng, kind, window)
    owners = owner[owned]
    opened[owners] = np.minimum(opened[owners], window.start - 90 * DAY)
    opened[owned] = np.clip(opened[owned], opened[owners] + 30 * DAY, window.start - DAY)
    activity = np.exp(rng.normal(0.0, 1.0, n))
    return People(
        kind=kind,
        doc=doc,
        name_a=name_a,
        name_b=name_b,
        name_c=name_c,
        owner=owner,
        phone=phone,
        email_domain=email_domain,
        email_rank=email_rank,
        email_from=email_from,
        community=community,
        household=np.arange(n, dtype=np.int64),
        opened=opened,
        activity=activity,
    )


def _zipf_index(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    """Indices skewed towards the head of a list (common surnames are very common)."""
    w = 1.0 / np.arange(1, size + 1) ** 0.8
    return rng.choice(size, size=n, p=w / w.sum())


_SAME_DOMAIN = np.array([names.EMAIL_DOMAINS.index(d) for d in names.EMAIL_DOMAINS])


def email_ranks(
    kind: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, domain: np.ndarray
) -> np.ndarray:
    """A per-address counter so that holders with equal names get distinct e-mails: people
    and MEIs use first.last@domain, other companies contato@tradename.com.br."""
    family = np.where(kind == PERSON, 0, np.where(kind == MEI, 1, 2)).astype(np.int64)
    domain = _SAME_DOMAIN[domain]  # the domain list repeats popular domains as weights
    company = family == 2
    key = (
        family * 10**12
        + a.astype(np.int64) * 10**8
        + np.where(company, b, c).astype(np.int64) * 10**3
        + np.where(company, 0, domain)
    )
    order = np.argsort(key, kind="stable")
    rank = np.empty(kind.size, dtype=np.int32)
    rank[order] = rank_in_group(key[order])
    return rank


def _opening_times(rng: np.random.Generator, kind: np.ndarray, window: Window) -> np.ndarray:
    """Account ages: mostly years old, some months, a few opened inside the window."""
    n = kind.size
    age_days = np.where(
        rng.random(n) < 0.62,
        rng.uniform(365, 8 * 365, n),
        rng.uniform(20, 365, n),
    )
    age_days = np.where(kind == PERSON, age_days, age_days * 1.5 + 200)
    opened = window.start - (age_days * DAY).astype(np.int64)
    fresh = (rng.random(n) < 0.04) & (kind == PERSON)
    opened[fresh] = window.start + rng.integers(0, (window.days - 3) * DAY, int(fresh.sum()))
    # accounts open in branch/app hours
    midnight = opened - opened % DAY
    return midnight + rng.integers(8 * HOUR, 22 * HOUR, n)
