"""Typologies recognisable by who operates the accounts: devices, IPs, account history.

mule_farm, account_takeover and rented_account. Same contract as `flows`: pure functions of
a numpy Generator and a `RingSpec`, returning `RingEvents`.
"""

from __future__ import annotations

import itertools

import numpy as np

from data.generator.calendar import DAY, HOUR, MINUTE
from data.generator.rings.base import (
    Ledger,
    RingEvents,
    RingSpec,
    amounts,
    day_of,
    later,
    scam_time,
    skim,
)
from data.generator.tables import DRAIN


def mule_farm(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """Many accounts, mostly opened in the last weeks, run from a few shared phones and IPs;
    each receives a few victim payments and forwards them to a sink within the hour
    (members: mules..., sink(s))."""
    led = Ledger(rng, spec)
    m = spec.members
    n_sinks = 1 if m.size < 20 else 2
    mules, sinks = m[:-n_sinks], m[-n_sinks:]
    n_dev = int(np.clip(m.size // 8, 1, 4))
    ips = [led.ip(datacenter=rng.random() < 0.5) for _ in range(int(rng.integers(1, 4)))]
    farm_since = spec.t0 - int(rng.uniform(30, 50) * DAY)
    devices = [
        led.device([], farm_since, str(rng.choice(["android", "android", "ios"])))
        for _ in range(n_dev)
    ]
    for i, u in enumerate(m):
        u = int(u)
        fresh = rng.random() < 0.85
        first_seen = spec.t0 - int(rng.uniform(1, 10) * DAY)
        if fresh:
            first_seen = (
                day_of(spec.t0 - int(rng.uniform(2, 40) * DAY)) + int(rng.integers(9, 21)) * HOUR
            )
            led.opened[u] = first_seen
            led.only_ring_devices.append(u)
        d = devices[i % n_dev]
        led.bind(d, u, first_seen)
        if rng.random() < 0.25 and n_dev > 1:  # the operator also opens it on a second phone
            led.bind(devices[(i + 1) % n_dev], u, first_seen + int(rng.integers(HOUR, 5 * DAY)))
        ip = ips[i % len(ips)]
        led.session[u] = (d, ip)
        if fresh:
            led.home_ip[u] = ip
    span = int(rng.uniform(7, 21) * DAY)
    used = 0
    sink_gets = dict.fromkeys(sinks.tolist(), 0)
    for mule in mules:
        sink = int(rng.choice(sinks))
        t_test = later(
            rng, max(spec.t0 - 2 * DAY, led.opened.get(int(mule), spec.t0 - 5 * DAY)), HOUR, DAY
        )
        led.pay(int(mule), sink, min(t_test, spec.t0 - HOUR), int(rng.integers(100, 1_000)))
        for _ in range(int(rng.integers(1, 4))):
            if used >= spec.victims.size:
                break
            t = scam_time(rng, day_of(spec.t0 + int(rng.integers(0, span))))
            paid = int(amounts(rng, 1, 400, 0.7, 30, 3_000)[0])
            got = led.victim_pays(
                int(spec.victims[used]), int(mule), t, paid, qr=rng.random() < 0.3
            )
            used += 1
            sink_gets[sink] += led.pay(
                int(mule), sink, later(rng, t, 10 * MINUTE, 2 * HOUR), skim(rng, got, 0.95, 0.99)
            )
    for s, total in sink_gets.items():
        t = day_of(spec.t0) + span + int(rng.integers(10, 20)) * HOUR
        led.cash_out(int(s), t, total, max_n=4)
    return led.events()


def account_takeover(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """Failed logins, then a new phone gets in, then the balance is drained: small transfers
    while the device is new (R$200 each, R$1,000 a day), larger ones after 24 h. Mules pass
    it on (members: taken-over accounts..., mules..., [sink])."""
    led = Ledger(rng, spec)
    m = spec.members
    n_hijacked = int(np.clip(m.size // 3, 1, 4))
    hijacked, mules = m[:n_hijacked], m[n_hijacked:]
    sink = int(mules[-1]) if mules.size >= 3 else -1
    runners = mules[:-1] if sink >= 0 else mules
    ip = led.ip(datacenter=rng.random() < 0.6)
    phone = led.device([], spec.t0, "android")
    for u in runners:
        if rng.random() < 0.5:
            led.session[int(u)] = (-1, ip)
    received: dict[int, list[tuple[int, int]]] = {int(u): [] for u in runners}
    turn = itertools.cycle(rng.permutation(runners))  # every mule gets a share
    t = scam_time(rng, day_of(spec.t0))
    for i, acct in enumerate(hijacked):
        acct = int(acct)
        t_fail = t - int(rng.uniform(10, 40) * MINUTE)
        led.bind(phone, acct, t_fail)
        for _ in range(int(rng.integers(2, 8))):
            led.login(acct, t_fail, phone, ip, "senha", ok=False)
            t_fail += int(rng.integers(20, 5 * MINUTE))
        led.login(acct, t, phone, ip, "sms", ok=True)
        led.session[acct] = (phone, ip)
        t_d = later(rng, t, 2 * MINUTE, 10 * MINUTE)
        led.pay(
            acct,
            int(runners[i % runners.size]),
            t_d,
            int(rng.integers(150_000, 500_000)),
            origin=DRAIN,
            rejected=True,
        )
        for _ in range(int(rng.integers(3, 6))):  # new-device limit: <= R$200 each
            t_d = later(rng, t_d, MINUTE, 15 * MINUTE)
            r = int(next(turn))
            received[r].append(
                (t_d, led.pay(acct, r, t_d, int(rng.integers(15_000, 19_999)), origin=DRAIN))
            )
        balance = int(amounts(rng, 1, 3_000, 0.8, 500, 20_000)[0])
        t_d = t + DAY + int(rng.uniform(1, 8) * HOUR)
        while balance > 5_000 and t_d < spec.t1 - HOUR:
            cents = min(balance, int(spec.per_tx_limit[i]), int(spec.daily_limit[i]))
            r = int(next(turn))
            paid = led.pay(acct, r, t_d, cents, origin=DRAIN)
            received[r].append((led.last_t, paid))
            balance -= cents
            t_d += DAY + int(rng.integers(0, 4 * HOUR))
        t = later(rng, t, HOUR, 3 * DAY)
    sink_gets = 0
    for r, got in received.items():
        for t_in, cents in got:
            t_out = later(rng, t_in, 5 * MINUTE, HOUR)
            if sink >= 0:
                sink_gets += led.pay(r, sink, t_out, skim(rng, cents, 0.95, 0.99))
            else:
                led.cash_out(r, t_out, cents, max_n=1)
    if sink >= 0:
        led.cash_out(sink, later(rng, t, 2 * HOUR, DAY), sink_gets, max_n=4)
    return led.events()


def rented_account(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """Old, normal accounts handed to an operator (a new phone logs in days before), then for
    weeks pass victims' money to a controller within the hour (members: renters...,
    controller(s))."""
    led = Ledger(rng, spec)
    m = spec.members
    n_ctrl = 1 if m.size < 10 else 2
    renters, ctrls = m[:-n_ctrl], m[-n_ctrl:]
    ip = led.ip(datacenter=rng.random() < 0.4)
    phone = led.device([], spec.t0, "android")
    for u in renters:
        handed = spec.t0 - int(rng.uniform(1.2, 4) * DAY)
        led.bind(phone, int(u), handed)
        led.login(int(u), handed, phone, ip, "sms", ok=True)
        led.session[int(u)] = (phone, ip)
    for c in ctrls:
        if rng.random() < 0.7:
            led.session[int(c)] = (-1, ip)
    span = int(rng.uniform(10, 30) * DAY)
    used = 0
    ctrl_gets = dict.fromkeys(ctrls.tolist(), 0)
    for u in renters:
        for _ in range(int(rng.integers(2, 7))):
            if used >= spec.victims.size:
                break
            t = scam_time(rng, day_of(spec.t0 + int(rng.integers(0, span))))
            paid = int(amounts(rng, 1, 800, 0.7, 100, 5_000)[0])
            got = led.victim_pays(int(spec.victims[used]), int(u), t, paid)
            used += 1
            c = int(rng.choice(ctrls))
            ctrl_gets[c] += led.pay(
                int(u), c, later(rng, t, 5 * MINUTE, 90 * MINUTE), skim(rng, got, 0.9, 0.98)
            )
    for c, total in ctrl_gets.items():
        t = day_of(spec.t0) + span + int(rng.integers(10, 20)) * HOUR
        if len(ctrls) > 1 and c == int(ctrls[0]):
            total -= led.pay(c, int(ctrls[1]), t, total // 2)
        led.cash_out(c, t + HOUR, total, max_n=4)
    return led.events()
