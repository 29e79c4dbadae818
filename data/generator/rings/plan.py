"""Planning rings (how many, which typology, which members, when) and planting them.

Members are drawn from ordinary people outside every look-alike group, so rings and
look-alikes are disjoint by construction. Taken-over and rented accounts are old accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.generator.accounts import IpPlan
from data.generator.calendar import DAY, HOUR, Window
from data.generator.config import GeneratorConfig
from data.generator.lookalikes import Groups
from data.generator.population import COMPANY, MERCHANT, PERSON, People
from data.generator.rings import flows, operated
from data.generator.rings.base import RingEvents, RingSpec
from data.generator.tables import RING, Devices, Logins, Txs
from data.schema import TYPOLOGIES

TYPOLOGY_FUNCTIONS: dict[str, Callable[[np.random.Generator, RingSpec], RingEvents]] = {
    "fan_in": flows.fan_in,
    "fan_out": flows.fan_out,
    "layering_chain": flows.layering_chain,
    "cycle": flows.cycle,
    "scatter_gather": flows.scatter_gather,
    "mule_farm": operated.mule_farm,
    "account_takeover": operated.account_takeover,
    "rented_account": operated.rented_account,
}
# Member count range, victims a ring may need, and how long its activity can last (days).
SIZES = {
    "fan_in": (3, 8),
    "fan_out": (5, 20),
    "layering_chain": (4, 14),
    "cycle": (3, 8),
    "scatter_gather": (5, 22),
    "mule_farm": (8, 40),
    "account_takeover": (3, 12),
    "rented_account": (4, 16),
}
VICTIMS = {
    "fan_in": 48,
    "fan_out": 10,
    "layering_chain": 20,
    "cycle": 5,
    "scatter_gather": 13,
    "mule_farm": 160,
    "account_takeover": 0,
    "rented_account": 128,
}
SPAN_DAYS = {
    "fan_in": 5,
    "fan_out": 20,
    "layering_chain": 26,
    "cycle": 26,
    "scatter_gather": 24,
    "mule_farm": 24,
    "account_takeover": 22,
    "rented_account": 34,
}
OLD_ACCOUNT_TYPOLOGIES = ("account_takeover", "rented_account")
RING_DEVICE_BASE = 1 << 40  # ring devices live above ordinary device numbers


def mean_size(typology: str) -> float:
    lo, hi = SIZES[typology]
    return (hi - lo) / np.log(hi / lo) if hi > lo else lo


def ring_counts(cfg: GeneratorConfig, n_users: int) -> dict[str, int]:
    """Rings per typology: the member budget split by the mix, at least one per active one."""
    active = cfg.active_typologies()
    weights = np.array([cfg.typology_mix[t] for t in active], dtype=float)
    weights /= weights.sum()
    per_member = float(np.dot(weights, [mean_size(t) for t in active]))
    total = max(len(active), round(cfg.ring_share * n_users / per_member))
    if cfg.ring_share == 0:
        return dict.fromkeys(active, 0)
    raw = weights * total
    counts = np.maximum(np.floor(raw).astype(int), 1)
    for i in np.argsort(-(raw - np.floor(raw)), kind="stable")[: max(0, total - counts.sum())]:
        counts[i] += 1
    return dict(zip(active, counts.tolist(), strict=True))


def plan_rings(
    rng: np.random.Generator,
    cfg: GeneratorConfig,
    people: People,
    groups: Groups,
    window: Window,
    limits: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> list[RingSpec]:
    """Choose each ring's typology, members, victims, cash-out shops and start time."""
    counts = ring_counts(cfg, people.n)
    typ = [t for t in TYPOLOGIES for _ in range(counts.get(t, 0))]
    typ = [typ[i] for i in rng.permutation(len(typ))]
    # when the one-ring-per-typology floor exceeds the member budget, keep rings small
    tight = sum(counts[t] * mean_size(t) for t in counts) > 1.5 * cfg.ring_share * people.n
    sizes = []
    for t in typ:
        lo, hi = SIZES[t]
        top = lo + (hi - lo) * 0.3 if tight else float(hi)
        sizes.append(int(np.floor(np.exp(rng.uniform(np.log(lo), np.log(top + 1))))))
    members = _draw_members(rng, people, groups, window, typ, sizes)
    keep = [i for i, m in enumerate(members) if m.size >= SIZES[typ[i]][0]]
    typ, members = [typ[i] for i in keep], [members[i] for i in keep]
    in_ring = np.zeros(people.n, dtype=bool)
    in_ring[np.concatenate([np.zeros(0, np.int64), *members])] = True
    victim_pool = np.flatnonzero(
        (people.kind == PERSON) & ~in_ring & (people.opened < window.start)
    )
    merchants = np.flatnonzero(people.kind == MERCHANT)
    companies = np.flatnonzero(people.kind == COMPANY)
    daily, per_tx, _ = limits
    specs = []
    for i, (t, mem) in enumerate(zip(typ, members, strict=True)):
        last_day = max(2, window.days - SPAN_DAYS[t] - 1)
        t0 = window.start + int(rng.integers(1, last_day)) * DAY + 8 * HOUR
        victims = rng.choice(victim_pool, size=min(VICTIMS[t], victim_pool.size), replace=False)
        specs.append(
            RingSpec(
                ring=i,
                typology=t,
                members=mem,
                victims=victims,
                victim_per_tx=per_tx[victims],
                cashout=rng.choice(merchants, size=min(3, merchants.size), replace=False),
                exits=rng.choice(companies, size=min(2, companies.size), replace=False),
                t0=t0,
                t1=window.end,
                daily_limit=daily[mem],
                per_tx_limit=per_tx[mem],
            )
        )
    return specs


def _draw_members(
    rng: np.random.Generator,
    people: People,
    groups: Groups,
    window: Window,
    typ: list[str],
    sizes: list[int],
) -> list[np.ndarray]:
    """Distinct members per ring: people with an account before the window and outside every
    look-alike group; taken-over and rented accounts come from accounts over a year old."""
    eligible = np.flatnonzero((people.kind == PERSON) & (people.opened < window.start))
    eligible = rng.permutation(eligible[~np.isin(eligible, groups.member)])
    old = people.opened[eligible] < window.start - 365 * DAY
    pools = {True: eligible[old], False: eligible[~old]}
    used = {True: 0, False: 0}
    members: list[np.ndarray] = []
    for t, size in zip(typ, sizes, strict=True):
        take: list[np.ndarray] = []
        for pool_key in (t in OLD_ACCOUNT_TYPOLOGIES, t not in OLD_ACCOUNT_TYPOLOGIES):
            n = min(size - sum(x.size for x in take), pools[pool_key].size - used[pool_key])
            take.append(pools[pool_key][used[pool_key] : used[pool_key] + n])
            used[pool_key] += n
        members.append(np.concatenate(take))
    return members


@dataclass
class Planted:
    """All rings' activity with global device numbers and IP addresses."""

    txs: Txs
    logins: Logins
    devices: Devices
    opened: dict[int, int]
    only_ring_devices: np.ndarray
    home_ip: dict[int, int]
    member: np.ndarray  # ground truth: holder
    ring: np.ndarray  # ground truth: ring number
    typology: list[str]  # per ring number


def plant_rings(rng: np.random.Generator, specs: list[RingSpec], ips: IpPlan) -> Planted:
    """Run every ring's typology function and map its local devices and IPs to global ones."""
    txs, logins, devices = [Txs.empty()], [Logins.empty()], [Devices.empty()]
    opened: dict[int, int] = {}
    home_ip: dict[int, int] = {}
    only: list[int] = []
    n_dev = n_res = n_dc = 0
    for spec, child in zip(specs, rng.spawn(len(specs)), strict=True):
        ev = TYPOLOGY_FUNCTIONS[spec.typology](child, spec)
        kind = np.array(ev.ip_datacenter, dtype=bool)
        local_ips = np.zeros(kind.size, dtype=np.int64)
        local_ips[kind] = ips.ring_datacenter[n_dc : n_dc + int(kind.sum())]
        local_ips[~kind] = ips.ring_residential[n_res : n_res + int((~kind).sum())]
        n_dc, n_res = n_dc + int(kind.sum()), n_res + int((~kind).sum())

        def dev(d: np.ndarray, base: int = RING_DEVICE_BASE + n_dev) -> np.ndarray:
            return np.where(d >= 0, d + base, -1)

        def ip(a: np.ndarray, table: np.ndarray = local_ips) -> np.ndarray:
            return np.where(a >= 0, table[np.maximum(a, 0)] if table.size else -1, -1)

        ev.txs.device, ev.txs.ip = dev(ev.txs.device), ip(ev.txs.ip)
        ev.logins.device, ev.logins.ip = dev(ev.logins.device), ip(ev.logins.ip)
        ev.devices.device = dev(ev.devices.device)
        n_dev += ev.n_devices
        txs.append(ev.txs)
        logins.append(ev.logins)
        devices.append(ev.devices)
        opened.update(ev.opened)
        only += ev.only_ring_devices
        home_ip.update({u: int(local_ips[a]) for u, a in ev.home_ip.items()})
    member = np.concatenate([s.members for s in specs]) if specs else np.zeros(0, np.int64)
    ring = np.concatenate([np.full(s.members.size, s.ring) for s in specs]) if specs else member
    return Planted(
        txs=Txs.concat(txs),
        logins=Logins.concat(logins),
        devices=Devices.concat(devices),
        opened=opened,
        only_ring_devices=np.array(sorted(only), dtype=np.int64),
        home_ip=home_ip,
        member=member,
        ring=ring,
        typology=[s.typology for s in specs],
    )


def raise_limits(
    rng: np.random.Generator,
    specs: list[RingSpec],
    txs: Txs,
    limits: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Members whose ring transfers exceed their limits asked for higher ones in time
    (a raise takes effect after 24 h), which leaves a trace in limites_transacoes."""
    daily, per_tx, updated = limits
    moving = (txs.origin == RING) & (txs.status == 0)
    src, day, cents = txs.src[moving], txs.ts[moving] // DAY, txs.cents[moving]
    if src.size == 0:
        return
    need_tx = np.zeros(daily.size, dtype=np.int64)
    np.maximum.at(need_tx, src, cents)
    key = src * 100_000 + day
    order = np.argsort(key)
    k, c = key[order], cents[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sums = np.add.reduceat(c, starts)
    need_day = np.zeros(daily.size, dtype=np.int64)
    np.maximum.at(need_day, k[starts] // 100_000, sums)
    t0 = np.full(daily.size, np.iinfo(np.int64).max)
    for s in specs:
        t0[s.members] = s.t0
    low = (need_day > daily) | (need_tx > per_tx)
    step = 500_000  # limits come in R$5,000 steps
    daily[low] = np.maximum(daily[low], -(-need_day[low] * 12 // 10 // step) * step)
    per_tx[low] = np.maximum(per_tx[low], -(-need_tx[low] * 12 // 10 // step) * step)
    per_tx[low] = np.minimum(per_tx[low], daily[low])
    updated[low] = t0[low] - (rng.uniform(1.5, 6, int(low.sum())) * DAY).astype(np.int64)
