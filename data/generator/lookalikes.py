"""Innocent look-alikes: legitimate groups whose money flows or shared devices resemble rings.

Five kinds (``schema.LOOKALIKE_TYPES``): merchants with their owner (large fan-in, weekly
sweep to the owner), payroll payers with their employees (inflow, then fan-out within
minutes), families sharing one phone (shared number, device and home IP), a person and their
own MEI company (shared phone, e-mail and device, money back and forth) and small
businesses with their owner (many small evening payments, passed on to owner and supplier).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.generator.arrays import lognormal_cents, offsets, repeat_index, roundish
from data.generator.calendar import DAY, HOUR, MINUTE, Window, hours_on_day, sample_times
from data.generator.population import (
    COMPANY,
    EMPLOYER,
    MEI,
    MERCHANT,
    PERSON,
    People,
    email_ranks,
)
from data.generator.tables import TX_TYPE, Txs
from data.schema import LOOKALIKE_TYPES

FAMILY_SHARE = 0.04  # of persons, in phone-sharing families
FAMILY_SIZES = (np.array([2, 3, 4, 5]), np.array([0.45, 0.3, 0.15, 0.1]))
MEI_BUSINESS_SHARE = 0.4  # of MEIs: small businesses; the others are "contas proprias"
INFORMAL_PER_MEI = 0.7  # informal sellers on a personal account, per MEI small business
T = {name: i for i, name in enumerate(LOOKALIKE_TYPES)}


@dataclass
class Groups:
    """Look-alike group structure plus the flat membership written as ground truth."""

    member: np.ndarray  # holder, one row per (group, member)
    group: np.ndarray  # group number
    gtype: np.ndarray  # index into LOOKALIKE_TYPES, per row
    fam_member: np.ndarray
    fam_group: np.ndarray
    employer: np.ndarray  # per employee row
    employee: np.ndarray
    salary: np.ndarray  # cents per month
    merchant: np.ndarray
    merchant_owner: np.ndarray
    business: np.ndarray
    business_owner: np.ndarray
    own_person: np.ndarray
    own_mei: np.ndarray

    def members(self) -> np.ndarray:
        return np.unique(self.member)


def make_groups(rng: np.random.Generator, people: People) -> Groups:
    """Choose look-alike groups among the holders; families and own accounts get shared
    contact data (this updates `people` in place)."""
    persons = np.flatnonzero(people.kind == PERSON)
    owners = people.owner[people.owner >= 0]
    free = rng.permutation(persons[~np.isin(persons, owners)])

    sizes = rng.choice(
        FAMILY_SIZES[0], size=int(persons.size * FAMILY_SHARE / 2.9) + 1, p=FAMILY_SIZES[1]
    )
    sizes = sizes[np.cumsum(sizes) <= free.size // 4]
    fam_member = free[: sizes.sum()]
    fam_group = repeat_index(sizes)
    free = free[sizes.sum() :]
    head = fam_member[offsets(sizes)[:-1]][fam_group]
    people.phone[fam_member] = people.phone[head]
    people.household[fam_member] = head
    people.community[fam_member] = people.community[head]
    people.name_c[fam_member] = people.name_c[head]
    people.email_rank[:] = email_ranks(
        people.kind, people.name_a, people.name_b, people.name_c, people.email_domain
    )

    employers = np.flatnonzero(people.kind == EMPLOYER)
    staff = np.clip(np.exp(rng.normal(np.log(14), 0.8, employers.size)), 4, 150).astype(np.int64)
    staff = staff[np.cumsum(staff) <= free.size // 3]
    employers = employers[: staff.size]
    employer = np.repeat(employers, staff)
    employee = free[: staff.sum()]
    salary = lognormal_cents(rng, employee.size, 2_800, 0.45, 1_518, 25_000)

    merchant = np.flatnonzero(people.kind == MERCHANT)
    mei = np.flatnonzero(people.kind == MEI)
    is_business = rng.random(mei.size) < MEI_BUSINESS_SHARE
    business, own_mei = mei[is_business], mei[~is_business]
    # informal sellers take payments on their personal CPF account and pass part of it to
    # a partner: a CPF fan-in with pass-through that is not a ring
    free = free[staff.sum() :]
    n_informal = min(int(business.size * INFORMAL_PER_MEI), free.size // 10)
    business_owner = np.r_[people.owner[business], free[n_informal : 2 * n_informal]]
    business = np.r_[business, free[:n_informal]]
    own_person = people.owner[own_mei]
    people.phone[own_mei] = people.phone[own_person]
    people.email_from[own_mei] = own_person

    n_fam = sizes.size
    first = n_fam + employers.size
    mer_ids = first + np.arange(merchant.size)
    biz_ids = mer_ids.size + first + np.arange(business.size)
    own_ids = mer_ids.size + biz_ids.size + first + np.arange(own_mei.size)
    blocks = [
        (fam_member, fam_group, "familia"),
        (employers, n_fam + np.arange(employers.size), "folha_pagamento"),
        (employee, n_fam + np.searchsorted(employers, employer), "folha_pagamento"),
        (merchant, mer_ids, "comerciante"),
        (people.owner[merchant], mer_ids, "comerciante"),
        (business, biz_ids, "pequeno_negocio"),
        (business_owner, biz_ids, "pequeno_negocio"),
        (own_person, own_ids, "contas_proprias"),
        (own_mei, own_ids, "contas_proprias"),
    ]
    return Groups(
        member=np.concatenate([b[0] for b in blocks]),
        group=np.concatenate([b[1] for b in blocks]),
        gtype=np.concatenate([np.full(b[0].size, T[b[2]], np.int8) for b in blocks]),
        fam_member=fam_member,
        fam_group=fam_group,
        employer=employer,
        employee=employee,
        salary=salary,
        merchant=merchant,
        merchant_owner=people.owner[merchant],
        business=business,
        business_owner=business_owner,
        own_person=own_person,
        own_mei=own_mei,
    )


def payroll(rng: np.random.Generator, g: Groups, people: People, window: Window) -> Txs:
    """Salaries on the 5th business day (and a 40% advance on the 20th for some payers), each
    batch paid within minutes after a client company's payment funds it."""
    paydays = window.paydays()
    employers = np.unique(g.employer)
    advance = employers[rng.random(employers.size) < 0.5]
    parts = []
    companies = np.flatnonzero(people.kind == COMPANY)
    for days, share in ((paydays, 1.0), (window.advance_days(), 0.4)):
        for day in days:
            payers = employers if share == 1.0 else advance
            start = hours_on_day(rng, np.full(payers.size, window.start + day * DAY), "business")
            rows = np.flatnonzero(np.isin(g.employer, payers))
            t0 = start[np.searchsorted(payers, g.employer[rows])]
            ts = t0 + rng.integers(5, 15 * MINUTE, rows.size)
            hired = people.opened[g.employee[rows]] + HOUR < ts  # paid once the account exists
            rows, ts = rows[hired], ts[hired]
            cents = (g.salary[rows] * share).astype(np.int64)
            tipo = np.where(rng.random(rows.size) < 0.7, 1, 0)
            parts.append(Txs.build(g.employer[rows], g.employee[rows], ts, cents, _tipo(tipo)))
            totals = np.bincount(np.searchsorted(payers, g.employer[rows]), weights=cents)
            lead = rng.integers(2 * HOUR, 30 * HOUR, payers.size)
            fund = (totals * rng.uniform(1.0, 1.3, payers.size)).astype(np.int64)
            client = rng.choice(companies, payers.size)
            parts.append(Txs.build(client, payers, start - lead, fund, "transferencia"))
    return Txs.concat(parts) if parts else Txs.empty()


def _tipo(agendado: np.ndarray) -> np.ndarray:
    """Map a 0/1 flag to transferencia/agendado codes."""
    return np.where(agendado == 1, TX_TYPE["agendado"], TX_TYPE["transferencia"]).astype(np.int8)


def family_transfers(rng: np.random.Generator, g: Groups, window: Window) -> Txs:
    """Parents sending allowances and members splitting bills, about monthly per member."""
    n = int(g.fam_member.size * 3 * window.days / 90)
    if n == 0 or g.fam_member.size < 2:
        return Txs.empty()
    sizes = np.bincount(g.fam_group)
    start = offsets(sizes)
    row = rng.integers(0, g.fam_member.size, n)
    fam = g.fam_group[row]
    # the family head sends most of it
    src = np.where(rng.random(n) < 0.6, g.fam_member[start[fam]], g.fam_member[row])
    other = start[fam] + (row - start[fam] + 1 + rng.integers(0, 4, n)) % sizes[fam]
    dst = g.fam_member[other]
    dst = np.where(
        dst == src, g.fam_member[start[fam] + (other - start[fam] + 1) % sizes[fam]], dst
    )
    cents = roundish(rng, lognormal_cents(rng, n, 150, 1.0, 5, 5_000), 0.6)
    ts = sample_times(rng, window, n, "p2p")
    return Txs.build(src, dst, ts, cents, "transferencia")


def own_accounts(rng: np.random.Generator, g: Groups, window: Window) -> Txs:
    """A person and their MEI moving money both ways (about five times a window each)."""
    n = int(g.own_person.size * 5 * window.days / 90)
    if n == 0:
        return Txs.empty()
    pair = rng.integers(0, g.own_person.size, n)
    to_mei = rng.random(n) < 0.45
    src = np.where(to_mei, g.own_person[pair], g.own_mei[pair])
    dst = np.where(to_mei, g.own_mei[pair], g.own_person[pair])
    cents = roundish(rng, lognormal_cents(rng, n, 800, 0.9, 20, 30_000), 0.7)
    return Txs.build(src, dst, sample_times(rng, window, n, "business"), cents, "transferencia")


def small_businesses(rng: np.random.Generator, g: Groups, people: People, window: Window) -> Txs:
    """Neighbours paying a small business in the evening; weekly transfers to the owner and
    fortnightly payments to a supplier pass most of it on."""
    nb = g.business.size
    if nb == 0:
        return Txs.empty()
    order, start = people.by_community()
    size = np.diff(start)
    comm = people.community[g.business]
    n_cust = np.clip(np.exp(rng.normal(np.log(12), 0.6, nb)), 4, 80).astype(np.int64)
    per_cust = rng.geometric(0.6, n_cust.sum()) * window.days // 90 + 1
    biz_row = np.repeat(np.repeat(np.arange(nb), n_cust), per_cust)
    cust_seed = np.repeat(rng.integers(0, 1 << 30, n_cust.sum()), per_cust)
    c = comm[biz_row]
    cust = order[start[c] + cust_seed % size[c]]
    cust = np.where(cust == g.business[biz_row], g.business_owner[biz_row], cust)
    ts = sample_times(rng, window, biz_row.size, "evening")
    cents = lognormal_cents(rng, biz_row.size, 35, 0.8, 3, 800)
    qr = rng.random(biz_row.size) < 0.4
    tipo = np.where(qr, TX_TYPE["qrcode"], TX_TYPE["transferencia"]).astype(np.int8)
    sales = Txs.build(cust, g.business[biz_row], ts, cents, tipo)

    weeks = window.days // 7
    takings = np.bincount(biz_row, weights=cents, minlength=nb) / max(weeks, 1)
    w_biz = np.repeat(np.arange(nb), weeks)
    w_day = np.tile(np.arange(weeks) * 7, nb) + np.repeat(rng.integers(0, 7, nb), weeks)
    w_ts = hours_on_day(rng, window.start + w_day * DAY, "evening")
    owner_cents = (takings[w_biz] * rng.uniform(0.3, 0.6, w_biz.size)).astype(np.int64) + 100
    to_owner = Txs.build(
        g.business[w_biz], g.business_owner[w_biz], w_ts, owner_cents, "transferencia"
    )
    suppliers = np.flatnonzero(people.kind == COMPANY)
    supplier = rng.choice(suppliers, nb)
    f_rows = w_biz[w_day % 14 < 7]
    s_ts = hours_on_day(rng, window.start + w_day[w_day % 14 < 7] * DAY, "business")
    s_cents = (takings[f_rows] * rng.uniform(0.5, 0.9, f_rows.size)).astype(np.int64) + 100
    to_supplier = Txs.build(g.business[f_rows], supplier[f_rows], s_ts, s_cents, "transferencia")
    return Txs.concat([sales, to_owner, to_supplier])


def merchant_sweeps(rng: np.random.Generator, g: Groups, purchases: Txs, window: Window) -> Txs:
    """Each Monday a merchant moves most of last week's takings to its owner's own account."""
    if g.merchant.size == 0:
        return Txs.empty()
    pos = np.searchsorted(g.merchant, purchases.dst)
    pos = np.minimum(pos, g.merchant.size - 1)
    hit = g.merchant[pos] == purchases.dst
    monday_week = (purchases.ts[hit] // DAY + 3) // 7  # 1970-01-01 was a Thursday
    first = int(monday_week.min(initial=0))
    weeks = int(monday_week.max(initial=0)) - first + 1
    takings = np.bincount(
        pos[hit] * weeks + (monday_week - first),
        weights=purchases.cents[hit],
        minlength=g.merchant.size * weeks,
    )
    cell = np.flatnonzero(takings > 0)
    m, w = cell // weeks, cell % weeks
    midnight = ((w + first + 1) * 7 - 3) * DAY  # the following Monday
    keep = midnight < window.end
    m, midnight, amount = m[keep], midnight[keep], takings[cell][keep]
    ts = hours_on_day(rng, midnight, "business")
    cents = (amount * rng.uniform(0.7, 0.95, m.size)).astype(np.int64)
    return Txs.build(g.merchant[m], g.merchant_owner[m], ts, cents, "transferencia")
