"""Build a whole synthetic Pix world in memory: the pipeline from holders to fraud cases.

Each stage draws from its own random stream derived from the seed, so a change in one stage
does not reshuffle the others, and the same config always yields the same world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from data.generator import accounts, labels, limits, lookalikes, population, sessions, traffic
from data.generator.calendar import HOUR, Window
from data.generator.config import GeneratorConfig
from data.generator.labels import Fraudes
from data.generator.rings import plan
from data.generator.tables import Devices, Logins, Txs

STAGES = [
    "people",
    "groups",
    "limits",
    "rings",
    "ips",
    "plant",
    "raises",
    "keys",
    "devices",
    "traffic",
    "lookalikes",
    "sessions",
    "enforce",
    "labels",
    "status",
]


@dataclass
class World:
    """Everything the writer needs, as internal arrays (ids and strings are made on write)."""

    config: GeneratorConfig
    window: Window
    people: population.People
    groups: lookalikes.Groups
    keys: accounts.Keys
    devices: Devices
    daily: np.ndarray
    per_tx: np.ndarray
    limit_updated: np.ndarray
    txs: Txs  # sorted by time
    tx_key_src: np.ndarray
    tx_key_dst: np.ndarray
    tx_device: np.ndarray  # device binding row of each payment's session (-1: bank refund)
    logins: Logins  # sorted by time
    fraudes: Fraudes
    user_status: np.ndarray
    planted: plan.Planted


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """The random stream of one stage, independent of the other stages."""
    return np.random.default_rng([seed, STAGES.index(stage)])


def build_world(cfg: GeneratorConfig, progress: Callable[[str], None] = lambda _: None) -> World:
    """Run the whole pipeline; `progress` is told the name of each stage as it starts."""
    window = Window.from_datetime(cfg.start, cfg.days)

    def rng(stage: str) -> np.random.Generator:
        progress(stage)
        return stage_rng(cfg.seed, stage)

    people = population.make_people(rng("people"), cfg.n_users, window)
    groups = lookalikes.make_groups(rng("groups"), people)
    daily, per_tx, updated = accounts.make_limits(rng("limits"), people, groups, window)
    specs = plan.plan_rings(rng("rings"), cfg, people, groups, window, (daily, per_tx, updated))
    ips = accounts.make_ip_plan(rng("ips"), people, groups, 4 * len(specs) + 16)
    planted = plan.plant_rings(rng("plant"), specs, ips)
    for holder, t in planted.opened.items():
        people.opened[holder] = t
    fresh = planted.only_ring_devices
    people.activity[fresh] *= 0.15
    for holder, ip in planted.home_ip.items():
        ips.home[holder] = ip
    plan.raise_limits(rng("raises"), specs, planted.txs, (daily, per_tx, updated))
    updated = np.maximum(updated, people.opened)

    keys = accounts.make_keys(rng("keys"), people, window)
    own = accounts.make_devices(rng("devices"), people, groups, window)
    own = own.take(np.flatnonzero(~np.isin(own.user, fresh)))
    devices = Devices.concat([own, planted.devices])
    devices = devices.take(np.lexsort((devices.device, devices.registered, devices.user)))

    ordinary = _ordinary_traffic(
        rng("traffic"), rng("lookalikes"), cfg, people, groups, window, len(planted.txs)
    )
    ordinary.reorder(np.flatnonzero(ordinary.ts < window.end))
    txs = Txs.concat([ordinary, planted.txs])
    del ordinary

    logins, tx_row = sessions.build_logins(
        rng("sessions"),
        txs,
        people,
        devices,
        ips,
        window,
        planted.logins,
        cfg.rows("log_autenticacao"),
    )
    limits.enforce(rng("enforce"), txs, people, devices, tx_row, daily, per_tx)

    lr = rng("labels")
    lookalike = np.zeros(people.n, dtype=bool)
    lookalike[groups.member] = True
    fraudes = labels.make_fraudes(lr, cfg, txs, planted.typology, lookalike, window)
    refunds = labels.med_refunds(lr, fraudes, txs, window)
    txs = Txs.concat([txs, refunds])
    tx_row = np.r_[tx_row, np.full(len(refunds), -1, dtype=np.int64)]

    order = np.argsort(txs.ts, kind="stable")
    txs.reorder(order)
    tx_row = tx_row[order]
    position = np.empty(order.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    fraudes.tx = position[fraudes.tx]
    logins.reorder(np.argsort(logins.ts, kind="stable"))

    sr = rng("status")
    key_src = keys.pick(sr, txs.src)
    key_dst = keys.pick(sr, txs.dst)
    user_status = _user_status(sr, people.n, txs, fraudes, keys, key_dst)
    return World(
        config=cfg,
        window=window,
        people=people,
        groups=groups,
        keys=keys,
        devices=devices,
        daily=daily,
        per_tx=per_tx,
        limit_updated=updated,
        txs=txs,
        tx_key_src=key_src,
        tx_key_dst=key_dst,
        tx_device=tx_row,
        logins=logins,
        fraudes=fraudes,
        user_status=user_status,
        planted=planted,
    )


def _ordinary_traffic(
    r: np.random.Generator,
    g: np.random.Generator,
    cfg: GeneratorConfig,
    people: population.People,
    groups: lookalikes.Groups,
    window: Window,
    ring_txs: int = 0,
) -> Txs:
    """Everyday and look-alike payments, sized so that the total hits the target row count;
    payments of accounts opened inside the window are moved after the opening (rows that no
    longer fit get a time at or after the window end and are dropped by the caller)."""
    structured = [
        lookalikes.payroll(g, groups, people, window),
        lookalikes.family_transfers(g, groups, window),
        lookalikes.own_accounts(g, groups, window),
        lookalikes.small_businesses(g, groups, people, window),
        traffic.business_bills(r, people, window),
    ]
    target = cfg.rows("transacoes_pix")
    taken = sum(len(t) for t in structured) + ring_txs + groups.merchant.size * (window.days // 7)
    n_left = max(target - taken, target // 10)
    shop = traffic.purchases(
        r, people, window, round(n_left * traffic.PURCHASE_SHARE / (1 + traffic.REFUND_SHARE))
    )
    parts = [
        *structured,
        traffic.person_to_person(r, people, window, round(n_left * traffic.P2P_SHARE)),
        shop,
        traffic.cash_withdrawals(r, people, window, round(n_left * traffic.SAQUE_SHARE)),
        lookalikes.merchant_sweeps(g, groups, shop, window),
    ]
    del structured, shop
    txs = Txs.concat(parts)
    del parts
    earliest = np.maximum(people.opened[txs.src], people.opened[txs.dst]) + HOUR
    txs.ts, _ = traffic.after_opening(txs.ts, earliest, window)
    return txs


def _user_status(
    rng: np.random.Generator,
    n: int,
    txs: Txs,
    fraudes: Fraudes,
    keys: accounts.Keys,
    key_dst: np.ndarray,
) -> np.ndarray:
    """Account status at extraction: a few closed or blocked for unrelated reasons, and the
    receiving accounts (and keys) of confirmed cases blocked, as the bank would."""
    u = rng.random(n)
    status = np.where(u < 0.015, 2, np.where(u < 0.025, 1, 0)).astype(np.int8)
    confirmed = fraudes.tx[fraudes.status == labels.STATUS["confirmada"]]
    status[txs.dst[confirmed]] = 1
    keys.status[key_dst[confirmed]] = 2
    return status
