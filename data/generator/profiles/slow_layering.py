"""The slow-layering world: laundering groups that move money over days to weeks, hidden in
day-level data where one-off payments are common and devices tell nothing.

Pipeline: holders, look-alike groups with their payments, everyday payments (regular pairs
and one-offs), laundering groups on accounts that also pay normally, then keys, limits,
fraud cases, devices and logins. Every stage has its own random stream, so the same config
always gives the same world; transactions carry day numbers until they are put in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.generator import accounts, population
from data.generator.calendar import DAY, HOUR, Window
from data.generator.config import GeneratorConfig
from data.generator.lookalikes import Groups
from data.generator.profiles import casework, everyday, holders, innocents, laundering
from data.generator.rings.plan import Planted
from data.generator.tables import RING, Devices, Logins, Txs
from data.generator.world import World

STAGES = (
    "people",
    "lookalikes",
    "everyday",
    "laundering",
    "order",
    "limits",
    "keys",
    "labels",
    "devices",
    "logins",
    "status",
)
PROFILE_SALT = 2  # keeps these streams apart from pix-fast's for the same seed
MIN_AGE_DAYS = 30  # every account is at least this old when the window opens
POPULARITY_SIGMA = 1.4  # spread of payees' popularity: a few hubs with many payers


@dataclass
class Plan:
    """The laundering groups and where each of their transfers ended up in `World.txs`."""

    groups: laundering.Laundering
    row: np.ndarray


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng([seed, PROFILE_SALT, STAGES.index(stage)])


def build_world(cfg: GeneratorConfig, progress: Callable[[str], None] = lambda _: None) -> World:
    """Build the slow-layering world; `progress` is told each stage's name as it starts."""
    return build_with_plan(cfg, progress)[0]


def build_with_plan(
    cfg: GeneratorConfig, progress: Callable[[str], None] = lambda _: None
) -> tuple[World, Plan]:
    """The world and its laundering plan (tests check the plan against the files)."""
    window = Window.from_datetime(cfg.start, cfg.days)

    def rng(stage: str) -> np.random.Generator:
        progress(stage)
        return stage_rng(cfg.seed, stage)

    r = rng("people")
    people = population.make_people(r, cfg.n_users, window)
    late = people.opened > window.start - MIN_AGE_DAYS * DAY
    age = r.integers(MIN_AGE_DAYS + 1, 400, int(late.sum())) * DAY
    people.opened[late] = window.start - age + r.integers(8 * HOUR, 22 * HOUR, age.size)

    inn = innocents.make_innocents(rng("lookalikes"), people, window)
    count = laundering.n_groups(cfg.scale)
    target = cfg.rows("transacoes_pix")
    n_everyday = max(target - len(inn.txs) - 8 * count, target // 10)
    n_one = round(everyday.ONE_OFF_SHARE * n_everyday)
    r = rng("everyday")
    popularity = np.exp(r.normal(0, POPULARITY_SIGMA, people.n))
    normal = Txs.concat(
        [
            inn.txs,
            everyday.regular_pairs(r, people.activity, popularity, n_everyday - n_one, cfg.days),
            everyday.one_offs(r, people.activity, n_one, cfg.days),
        ]
    )

    r = rng("laundering")
    # members: people outside the look-alikes, those with everyday payments first (tiny
    # worlds may run short of them)
    active = np.bincount(np.r_[normal.src, normal.dst], minlength=people.n) >= 2
    eligible = people.kind == population.PERSON
    eligible[inn.member] = False
    pool = np.r_[
        r.permutation(np.flatnonzero(eligible & active)), np.flatnonzero(eligible & ~active)
    ]
    plan = laundering.plan_groups(r, count, pool, cfg.days)
    dirty = Txs.build(
        plan.src, plan.dst, plan.day, plan.cents, everyday.tipos(r, plan.src.size), origin=RING
    )
    dirty.ring[:] = plan.tx_group
    # laundering pairs are one-off edges: no other payment between the two, either way
    n = people.n
    pair = np.minimum(normal.src, normal.dst) * n + np.maximum(normal.src, normal.dst)
    dirty_pair = np.minimum(plan.src, plan.dst) * n + np.maximum(plan.src, plan.dst)
    normal = normal.take(np.flatnonzero(~np.isin(pair, dirty_pair)))
    txs = Txs.concat([normal, dirty])
    del normal

    row = _put_in_order(rng("order"), txs, plan, len(txs) - len(dirty))
    txs.ts = window.start + txs.ts * DAY

    daily, per_tx, updated = accounts.make_limits(rng("limits"), people, _groups(inn), window)
    _cover_payments(txs, daily, per_tx)
    keys = holders.evp_keys(rng("keys"), people, window)
    fraudes = casework.make_fraudes(rng("labels"), txs, count, window)
    devs, logs = Devices.empty(), Logins.empty()
    r_dev, r_log = rng("devices"), rng("logins")
    if cfg.devices:
        devs = holders.devices(r_dev, people, window)
        logs = holders.logins(r_log, txs, people, devs, window, cfg.rows("log_autenticacao"))
    status = casework.user_status(rng("status"), n, txs, fraudes)
    confirmed = fraudes.tx[fraudes.status == casework.STATUS["confirmada"]]
    keys.status[txs.dst[confirmed]] = 2  # bloqueada; key i is holder i's only key
    world = World(
        config=cfg,
        window=window,
        people=people,
        groups=_groups(inn),
        keys=keys,
        devices=devs,
        daily=daily,
        per_tx=per_tx,
        limit_updated=updated,
        txs=txs,
        tx_key_src=txs.src,
        tx_key_dst=txs.dst,
        tx_device=np.full(len(txs), -1, dtype=np.int64),
        logins=logs,
        fraudes=fraudes,
        user_status=status,
        planted=_planted(plan),
    )
    return world, Plan(groups=plan, row=row)


def _put_in_order(
    rng: np.random.Generator, txs: Txs, plan: laundering.Laundering, first: int
) -> np.ndarray:
    """Sort by day, in random order within a day except that a group's transfers of one day
    keep their path order (ids follow this order); returns the laundering rows' positions."""
    u = rng.random(len(txs))
    rows = first + np.arange(plan.src.size)
    by_path = rows[np.lexsort((plan.seq, plan.day, plan.tx_group))]
    by_draw = rows[np.lexsort((u[rows], plan.day, plan.tx_group))]
    u[by_path] = u[by_draw]
    order = np.lexsort((u, txs.ts))
    txs.reorder(order)
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    return position[rows]


def _cover_payments(txs: Txs, daily: np.ndarray, per_tx: np.ndarray) -> None:
    """Raise limits (in place, to whole R$1,000) so that every payment fits its payer's."""
    step = 100_000
    biggest = np.zeros(daily.size, dtype=np.int64)
    np.maximum.at(biggest, txs.src, txs.cents)
    day_key = txs.src * 400 + txs.ts // DAY % 400
    keys, inverse = np.unique(day_key, return_inverse=True)
    per_day = np.bincount(inverse, weights=txs.cents).astype(np.int64)
    busiest = np.zeros(daily.size, dtype=np.int64)
    np.maximum.at(busiest, keys // 400, per_day)
    per_tx[:] = np.maximum(per_tx, -(-biggest // step) * step)
    daily[:] = np.maximum(np.maximum(daily, per_tx), -(-busiest // step) * step)


def _groups(inn: innocents.Innocents) -> Groups:
    """The look-alikes in the shape the writer and the limits expect."""
    z = np.zeros(0, dtype=np.int64)
    return Groups(
        member=inn.member,
        group=inn.group,
        gtype=inn.gtype,
        fam_member=z,
        fam_group=z,
        employer=inn.employer,
        employee=inn.employee,
        salary=inn.salary,
        merchant=z,
        merchant_owner=z,
        business=z,
        business_owner=z,
        own_person=z,
        own_mei=z,
    )


def _planted(plan: laundering.Laundering) -> Planted:
    """Ground truth in the writer's shape (no ring devices, logins or openings here)."""
    return Planted(
        txs=Txs.empty(),
        logins=Logins.empty(),
        devices=Devices.empty(),
        opened={},
        only_ring_devices=np.zeros(0, dtype=np.int64),
        home_ip={},
        member=plan.member,
        ring=plan.group,
        typology=plan.typology,
    )
