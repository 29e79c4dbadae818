"""What each holder has: Pix keys, devices, transaction limits and the IPs they log in from.

Keys follow the DICT rules: a holder's CPF/CNPJ key is their own document, at most one phone
and one e-mail key (a shared phone or e-mail can be registered by one account only), at most
5 keys per person and 20 per company.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.generator import documents
from data.generator.arrays import offsets, repeat_index
from data.generator.calendar import DAY, HOUR, MINUTE, Window
from data.generator.documents import unique_ints
from data.generator.lookalikes import Groups
from data.generator.population import PERSON, PIX_KEYS_OPENED, People
from data.generator.tables import Devices
from data.schema import TIPO_CHAVE, TIPO_DISPOSITIVO

KEY = {name: i for i, name in enumerate(TIPO_CHAVE)}
DEV = {name: i for i, name in enumerate(TIPO_DISPOSITIVO)}
PERSON_KEYS = (np.arange(1, 6), np.array([0.88, 0.09, 0.02, 0.007, 0.003]))
COMPANY_KEYS = (np.arange(1, 21), np.r_[[0.35, 0.25, 0.15, 0.08, 0.05], np.full(15, 0.12 / 15)])
# Relative chance of each key slot being chosen: document, phone, e-mail, then EVPs.
SLOT_WEIGHT = (3.0, 2.5, 1.5, 0.6)
RESIDENTIAL = np.array([177, 179, 186, 187, 189, 191, 200, 201], dtype=np.int64)
DATACENTER = np.array([23, 45, 104, 138, 185], dtype=np.int64)


@dataclass
class Keys:
    """Pix keys, sorted by owner; `start[h]:start[h+1]` are holder h's keys."""

    owner: np.ndarray  # int64 holder
    kind: np.ndarray  # int8 index into TIPO_CHAVE
    evp: np.ndarray  # (n_evp, 16) uint8 UUIDs; `evp_row` points into it, -1 for other kinds
    evp_row: np.ndarray
    registered: np.ndarray  # int64 seconds
    status: np.ndarray  # int8 index into STATUS_CHAVE
    start: np.ndarray  # offsets per holder (length n_holders + 1)

    def pick(self, rng: np.random.Generator, holders: np.ndarray) -> np.ndarray:
        """One key of each given holder, uniformly among that holder's keys."""
        lo, count = self.start[holders], np.diff(self.start)[holders]
        return lo + (rng.random(holders.size) * count).astype(np.int64)


def make_keys(rng: np.random.Generator, people: People, window: Window) -> Keys:
    """Draw each holder's keys: 1..5 for people, 1..20 for companies, at least one each."""
    person = people.kind == PERSON
    n_keys = np.where(
        person,
        rng.choice(PERSON_KEYS[0], people.n, p=PERSON_KEYS[1]),
        rng.choice(COMPANY_KEYS[0], people.n, p=COMPANY_KEYS[1] / COMPANY_KEYS[1].sum()),
    )
    # A shared phone/e-mail may be a key of one account only: its first holder.
    phone_free = _first_of(people.phone)
    email_free = people.email_from == np.arange(people.n)
    owner_parts, kind_parts = [], []
    for mask, slots in ((person, 8), (~person, 23)):
        h = np.flatnonzero(mask)
        w = np.tile(np.r_[SLOT_WEIGHT[:3], np.full(slots - 3, SLOT_WEIGHT[3])], (h.size, 1))
        w[:, 1] *= phone_free[h]
        w[:, 2] *= email_free[h]
        score = -np.log(rng.random(w.shape)) / np.where(w > 0, w, np.nan)
        score = np.where(np.isnan(score), np.inf, score)
        chosen = np.argsort(score, axis=1)
        k = np.minimum(n_keys[h], (w > 0).sum(axis=1))
        take = np.arange(slots)[None, :] < k[:, None]
        slot = chosen[take]
        owner_parts.append(np.repeat(h, k))
        doc_kind = KEY["CPF"] if slots == 8 else KEY["CNPJ"]
        kinds = np.array([doc_kind, KEY["TELEFONE"], KEY["EMAIL"]] + [KEY["EVP"]] * (slots - 3))
        kind_parts.append(kinds[slot].astype(np.int8))
    owner = np.concatenate(owner_parts)
    kind = np.concatenate(kind_parts)
    order = np.lexsort((kind, owner))
    owner, kind = owner[order], kind[order]
    is_evp = kind == KEY["EVP"]
    evp_row = np.full(owner.size, -1, dtype=np.int64)
    evp_row[is_evp] = np.arange(int(is_evp.sum()))

    opened = people.opened[owner]
    # accounts older than Pix registered their keys in the weeks after the launch
    wait = np.exp(rng.normal(np.log(20), 1.2, owner.size)).astype(np.int64) * DAY
    first = np.maximum(opened, PIX_KEYS_OPENED) + np.where(opened < PIX_KEYS_OPENED, wait, 0)
    first = first - first % DAY + rng.integers(7 * HOUR, 23 * HOUR, owner.size)
    first = np.maximum(first, opened + MINUTE)
    first = np.where(
        opened >= window.start, opened + rng.integers(60, 30 * MINUTE, owner.size), first
    )
    first = np.minimum(first, np.maximum(window.start - DAY, opened + 30 * MINUTE))
    later = first + (rng.random(owner.size) * np.maximum(window.start - first, 0)).astype(np.int64)
    start = offsets(np.bincount(owner, minlength=people.n))
    is_first = np.arange(owner.size) == start[owner]
    registered = np.where(is_first | (opened >= window.start), first, later)
    status = np.where(rng.random(owner.size) < 0.02, 1, 0).astype(np.int8)  # some 'inativa'
    return Keys(
        owner=owner,
        kind=kind,
        evp=documents.uuid4_bytes(rng, int(is_evp.sum())),
        evp_row=evp_row,
        registered=registered,
        status=status,
        start=start,
    )


def _first_of(values: np.ndarray) -> np.ndarray:
    """True for the first (lowest index) holder of each distinct value."""
    order = np.argsort(values, kind="stable")
    s = values[order]
    first = np.ones(values.size, dtype=bool)
    first[order[1:]] = s[1:] != s[:-1]
    return first


def make_devices(rng: np.random.Generator, people: People, g: Groups, window: Window) -> Devices:
    """Each holder's devices: a primary one from opening, some later ones (new phones, a web
    browser); families, own MEIs and small businesses also use a relative's/owner's phone."""
    n = people.n
    person = people.kind == PERSON
    primary_kind = np.where(
        person,
        rng.choice(3, n, p=[0.78, 0.2, 0.02]),
        rng.choice(3, n, p=[0.25, 0.15, 0.6]),
    )
    extra = rng.poisson(np.where(person, 0.38, 0.6))
    owner_x = repeat_index(extra)
    lo = people.opened[owner_x]
    span = np.maximum(window.end - lo - DAY, HOUR)
    extra_reg = lo + (rng.random(owner_x.size) ** 0.7 * span).astype(np.int64)
    extra_kind = rng.choice(3, owner_x.size, p=[0.55, 0.2, 0.25])

    user = np.r_[np.arange(n), owner_x]
    registered = np.r_[people.opened, extra_reg]
    kind = np.r_[primary_kind, extra_kind].astype(np.int8)
    device = np.arange(user.size, dtype=np.int64)

    # Shared phones: a non-head family member, an own MEI, a merchant or small business also
    # uses the head's/owner's primary device.
    head = people.household
    sharer = np.flatnonzero(head != np.arange(n))
    sharer = sharer[rng.random(sharer.size) < 0.8]
    linked = np.r_[g.own_mei, g.merchant, g.business]
    linked = linked[people.owner[linked] >= 0]
    sharer_all = np.r_[sharer, linked]
    lender = np.r_[head[sharer], people.owner[linked]]
    user = np.r_[user, sharer_all]
    registered = np.r_[
        registered, np.maximum(people.opened[sharer_all], people.opened[lender]) + 5 * MINUTE
    ]
    kind = np.r_[kind, kind[lender]]
    device = np.r_[device, lender]

    newer_mobile = _replaced(user, registered, kind)
    status = np.where(newer_mobile & (rng.random(user.size) < 0.6), 1, 0)
    status = np.where(rng.random(user.size) < 0.003, 2, status).astype(np.int8)
    order = np.lexsort((registered, user))
    return Devices(device=device, user=user, kind=kind, registered=registered, status=status).take(
        order
    )


def _replaced(user: np.ndarray, registered: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """True for a mobile device of a holder who registered another mobile later."""
    mobile = kind != DEV["navegador"]
    last = np.full(int(user.max()) + 1, np.iinfo(np.int64).min)
    np.maximum.at(last, user[mobile], registered[mobile])
    return mobile & (registered < last[user])


def make_limits(
    rng: np.random.Generator, people: People, g: Groups, window: Window
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily and per-transaction limits in cents and their last update time, per holder."""
    n = people.n
    person = people.kind == PERSON
    daily_reais = np.where(
        person,
        rng.choice(
            [1_000, 2_000, 3_000, 5_000, 10_000, 20_000, 50_000],
            n,
            p=[0.08, 0.12, 0.1, 0.4, 0.18, 0.09, 0.03],
        ),
        rng.choice(
            [20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000],
            n,
            p=[0.2, 0.25, 0.25, 0.15, 0.1, 0.05],
        ),
    )
    daily = daily_reais.astype(np.int64) * 100
    payroll = np.bincount(g.employer, weights=g.salary, minlength=n).astype(np.int64)
    step = 100_000  # limits are set in whole R$1,000
    daily = np.maximum(daily, -(-(payroll * 3 // 2) // step) * step)
    ratio = rng.choice([1.0, 0.5, 0.2], n, p=[0.6, 0.3, 0.1])
    per_tx = np.maximum((daily * ratio).astype(np.int64), 50_000)
    per_tx = np.maximum(per_tx, np.where(person, 0, daily))
    u = rng.random(n)
    updated = np.where(
        u < 0.65,
        people.opened,
        people.opened
        + (rng.random(n) * np.maximum(window.start - people.opened, 0)).astype(np.int64),
    )
    recent = (u > 0.95) & (people.opened < window.start)
    updated[recent] = window.start + rng.integers(0, window.days * DAY, int(recent.sum()))
    return daily, per_tx, updated


@dataclass
class IpPlan:
    """Where holders log in from: a home IP per household, shared mobile-carrier (CGNAT)
    addresses, employers' office IPs and a few VPN exits."""

    home: np.ndarray  # per holder
    cgnat: np.ndarray  # pool
    vpn: np.ndarray  # pool
    vpn_user: np.ndarray  # bool per holder
    office: np.ndarray  # per holder: employer's office IP, -1 if not employed
    ring_residential: np.ndarray  # addresses reserved for rings' flats
    ring_datacenter: np.ndarray  # addresses reserved for rings' VPN/hosting exits


def residential_ips(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct residential/mobile IPv4 addresses (as integers) in Brazilian ISP ranges."""
    return _ips(rng, n, RESIDENTIAL)


def datacenter_ips(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct hosting/VPN IPv4 addresses."""
    return _ips(rng, n, DATACENTER)


def _ips(rng: np.random.Generator, n: int, blocks: np.ndarray) -> np.ndarray:
    per_block = (1 << 16) * 254
    r = unique_ints(rng, blocks.size * per_block, n, np.empty(0, dtype=np.int64))
    block, rest = r // per_block, r % per_block
    return (blocks[block] << 24) | ((rest // 254) << 8) | (rest % 254 + 1)


def make_ip_plan(rng: np.random.Generator, people: People, g: Groups, n_ring: int) -> IpPlan:
    """Assign home IPs (shared by a family), a CGNAT pool (~40 holders per address), offices,
    and reserve n_ring residential and n_ring datacenter addresses for the rings."""
    n = people.n
    pool = residential_ips(rng, n + n // 40 + 1 + n_ring)
    dc = datacenter_ips(rng, max(5, n // 500) + n_ring)
    home = pool[people.household]
    office = np.full(n, -1, dtype=np.int64)
    office[g.employee] = pool[g.employer]  # an employer's own address is its office
    return IpPlan(
        home=home,
        cgnat=pool[n : n + n // 40 + 1],
        vpn=dc[n_ring:],
        vpn_user=rng.random(n) < 0.01,
        office=office,
        ring_residential=pool[n + n // 40 + 1 :],
        ring_datacenter=dc[:n_ring],
    )
