"""Innocent look-alikes of the slow-layering world, with their traffic (times in day numbers).

- payroll (`folha_pagamento`): a company pays 10-60 employees on each salary day, a repeated
  fan-out;
- rent (`pequeno_negocio`): 1-4 tenants pay a landlord on a fixed day of every month;
- families (`familia`): 3-4 relatives paying each other, each around a small cycle, and now
  and then the same money going round the cycle within days;
- small shops (`pequeno_negocio`): fan-in from neighbours, most of them paying once, the
  takings passed on to the owner every two weeks (the hardest negative);
- merchants (`comerciante`): many customers, regulars among them, fortnightly sweeps to the
  owner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.generator.arrays import group_cumsum, offsets, repeat_index
from data.generator.calendar import Window
from data.generator.lookalikes import T as LOOK
from data.generator.population import EMPLOYER, MEI, MERCHANT, PERSON, People
from data.generator.profiles.everyday import (
    periodic_days,
    tipos,
    to_cents,
    truncated_lognormal,
)
from data.generator.tables import TX_TYPE, Txs

EMPLOYEE_SHARE = 0.04  # of persons, employed by a payroll payer
LANDLORD_SHARE = 0.006  # of persons
FAMILY_SHARE = 0.025  # of persons, in families of 3-4
SHOP_SHARE = 0.3  # of MEIs, small shops with walk-in customers
SHOP_ONE_OFF, MERCHANT_ONE_OFF = 0.8, 0.3  # share of customers who pay once
SWEEP_DAYS = 14


@dataclass
class Innocents:
    """Look-alike groups as flat membership (written as ground truth) plus their traffic."""

    member: np.ndarray
    group: np.ndarray
    gtype: np.ndarray  # index into LOOKALIKE_TYPES
    employer: np.ndarray  # per employee row (make_limits sizes payers' limits with these)
    employee: np.ndarray
    salary: np.ndarray  # cents per month
    txs: Txs


def make_innocents(rng: np.random.Generator, people: People, window: Window) -> Innocents:
    """Choose look-alike groups among the holders (disjoint) and draw their payments."""
    persons = np.flatnonzero(people.kind == PERSON)
    owners = people.owner[people.owner >= 0]
    free = rng.permutation(persons[~np.isin(persons, owners)])
    n_p, days = persons.size, window.days
    blocks: list[tuple[np.ndarray, np.ndarray, int]] = []  # (holders, local group, type)
    parts: list[Txs] = []

    employers = rng.permutation(np.flatnonzero(people.kind == EMPLOYER))
    staff = np.exp(rng.uniform(np.log(10), np.log(61), employers.size)).astype(np.int64)
    fits = np.cumsum(staff) <= max(EMPLOYEE_SHARE * n_p, staff[:1].sum())
    employers, staff = employers[fits], staff[fits]
    employer, employee = np.repeat(employers, staff), free[: staff.sum()]
    free = free[staff.sum() :]
    salary = to_cents(truncated_lognormal(rng, employee.size, 2_600, 0.45, 1_518, 15_000))
    paydays = window.paydays()
    row = np.tile(np.arange(employee.size), paydays.size)
    day = np.repeat(paydays, employee.size)
    cents = (salary[row] * rng.uniform(0.97, 1.03, row.size)).astype(np.int64)
    tipo = np.where(rng.random(row.size) < 0.6, TX_TYPE["agendado"], TX_TYPE["transferencia"])
    parts.append(Txs.build(employer[row], employee[row], day, cents, tipo.astype(np.int8)))
    gid = np.arange(employers.size)
    top = employers.size
    blocks += [
        (employers, gid, LOOK["folha_pagamento"]),
        (employee, gid[repeat_index(staff)], LOOK["folha_pagamento"]),
    ]

    n_lord = max(1, round(LANDLORD_SHARE * n_p))
    tenants = rng.integers(1, 5, n_lord)
    lord, free = free[:n_lord], free[n_lord:]
    tenant, free = free[: tenants.sum()], free[tenants.sum() :]
    lease = repeat_index(tenants)
    rent = to_cents(truncated_lognormal(rng, tenant.size, 1_300, 0.4, 500, 4_500))
    due = rng.integers(0, 10, tenant.size)  # day of month - 1
    firsts = np.array([i for i, d in enumerate(window.dates()) if d.day == 1], dtype=np.int64)
    row = np.tile(np.arange(tenant.size), firsts.size)
    day = np.repeat(firsts, tenant.size) + due[row]
    ok = day < days
    tipo = np.where(rng.random(tenant.size) < 0.5, TX_TYPE["agendado"], TX_TYPE["transferencia"])
    parts.append(
        Txs.build(tenant[row[ok]], lord[lease[row[ok]]], day[ok], rent[row[ok]], tipo[row[ok]])
    )
    gid, top = top + np.arange(n_lord), top + n_lord
    blocks += [(lord, gid, LOOK["pequeno_negocio"]), (tenant, gid[lease], LOOK["pequeno_negocio"])]

    sizes = rng.integers(3, 5, max(1, round(FAMILY_SHARE * n_p / 3.5)))
    family, free = free[: sizes.sum()], free[sizes.sum() :]
    parts.append(_family_payments(rng, family, sizes, days))
    gid, top = top + np.arange(sizes.size), top + sizes.size
    blocks.append((family, gid[repeat_index(sizes)], LOOK["familia"]))

    mei = np.flatnonzero(people.kind == MEI)
    shop = mei[rng.random(mei.size) < SHOP_SHARE]
    parts.append(_shop_payments(rng, shop, people.owner[shop], persons, days, 6, 30, SHOP_ONE_OFF))
    gid, top = top + np.arange(shop.size), top + shop.size
    blocks += [
        (shop, gid, LOOK["pequeno_negocio"]),
        (people.owner[shop], gid, LOOK["pequeno_negocio"]),
    ]
    merchant = np.flatnonzero(people.kind == MERCHANT)
    parts.append(
        _shop_payments(
            rng, merchant, people.owner[merchant], persons, days, 4, 60, MERCHANT_ONE_OFF
        )
    )
    gid = top + np.arange(merchant.size)
    blocks += [
        (merchant, gid, LOOK["comerciante"]),
        (people.owner[merchant], gid, LOOK["comerciante"]),
    ]

    return Innocents(
        member=np.concatenate([b[0] for b in blocks]),
        group=np.concatenate([b[1] for b in blocks]).astype(np.int64),
        gtype=np.concatenate([np.full(b[0].size, b[2], np.int8) for b in blocks]),
        employer=employer,
        employee=employee,
        salary=salary,
        txs=Txs.concat(parts),
    )


def _family_payments(
    rng: np.random.Generator, member: np.ndarray, sizes: np.ndarray, days: int
) -> Txs:
    """Each relative pays the next one round the family (a cycle) and some pay back, every
    pair a few times; once or twice the same money goes round the cycle within days."""
    fam = repeat_index(sizes)
    start = offsets(sizes)[:-1]
    nxt = start[fam] + (np.arange(member.size) - start[fam] + 1) % sizes[fam]
    back = rng.random(member.size) < 0.5
    src = np.r_[member, member[nxt][back]]
    dst = np.r_[member[nxt], member[back]]
    counts = rng.integers(2, 7, src.size)
    pair, day = periodic_days(rng, counts, days, jitter=0.35)
    base = truncated_lognormal(rng, src.size, 250, 0.9, 20, 3_000)
    reais = base[pair] * rng.uniform(0.9, 1.1, pair.size)
    regular = Txs.build(src[pair], dst[pair], day, to_cents(reais), tipos(rng, pair.size))

    episodes = rng.integers(1, 3, sizes.size)
    ep_fam = repeat_index(episodes)
    hops = sizes[ep_fam]
    ep_row = repeat_index(hops)
    k = np.arange(ep_row.size) - offsets(hops)[:-1][ep_row]
    f = ep_fam[ep_row]
    e_src = member[start[f] + k]
    e_dst = member[start[f] + (k + 1) % sizes[f]]
    gap = np.where(k == 0, 0, rng.integers(0, 3, ep_row.size))
    first = rng.integers(0, max(1, days - 12), episodes.sum())
    e_day = np.minimum(first[ep_row] + group_cumsum(ep_row, gap), days - 1)
    amount = truncated_lognormal(rng, episodes.sum(), 300, 0.8, 50, 3_000)
    shrink = np.exp(group_cumsum(ep_row, np.log(rng.uniform(0.95, 1.0, ep_row.size))))
    e_cents = to_cents(amount[ep_row] * shrink)
    cycles = Txs.build(e_src, e_dst, e_day, e_cents, tipos(rng, ep_row.size))
    return Txs.concat([regular, cycles])


def _shop_payments(
    rng: np.random.Generator,
    shop: np.ndarray,
    owner: np.ndarray,
    customers: np.ndarray,
    days: int,
    lo: int,
    hi: int,
    one_off: float,
) -> Txs:
    """Customers (lo..hi per shop, heavy-tailed) paying by QR code, a share of them once and
    the rest 2-6 times; every two weeks most of the takings go to the owner."""
    if shop.size == 0:
        return Txs.empty()
    n_cust = np.exp(rng.uniform(np.log(lo), np.log(hi + 1), shop.size)).astype(np.int64)
    cust_shop = repeat_index(n_cust)
    cust = customers[rng.integers(0, customers.size, cust_shop.size)]
    visits = np.where(rng.random(cust.size) < one_off, 1, rng.integers(2, 7, cust.size))
    row = repeat_index(visits)
    s = cust_shop[row]
    day = rng.integers(0, days, row.size)
    cents = to_cents(truncated_lognormal(rng, row.size, 60, 0.9, 5, 1_500))
    qr = np.where(rng.random(row.size) < 0.7, TX_TYPE["qrcode"], TX_TYPE["transferencia"])
    sales = Txs.build(cust[row], shop[s], day, cents, qr.astype(np.int8))
    sales = sales.take(np.flatnonzero(sales.src != sales.dst))

    periods = days // SWEEP_DAYS
    takings = np.bincount(s, weights=cents, minlength=shop.size) / max(periods, 1)
    w = np.repeat(np.arange(shop.size), periods)
    w_day = np.tile(np.arange(periods) * SWEEP_DAYS + SWEEP_DAYS - 1, shop.size)
    w_cents = (takings[w] * rng.uniform(0.6, 0.9, w.size)).astype(np.int64) + 100
    tipo = np.full(w.size, TX_TYPE["transferencia"], np.int8)
    return Txs.concat([sales, Txs.build(shop[w], owner[w], w_day, w_cents, tipo)])
