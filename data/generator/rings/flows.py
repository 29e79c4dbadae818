"""Typologies recognisable by the shape of their money flows.

fan_in, fan_out, layering_chain, cycle and scatter_gather. Each function is pure: it takes a
numpy Generator and a `RingSpec` and returns the ring's `RingEvents`. Roles follow the order
of ``spec.members``, documented per function.
"""

from __future__ import annotations

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
    split,
)


def fan_in(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """Many unrelated victims pay one collector within hours; the collector passes each
    batch on to runners, who hand it to a boss (members: collector, runners..., [boss])."""
    led = Ledger(rng, spec)
    m = spec.members
    collector = int(m[0])
    boss = int(m[-1]) if m.size >= 4 else -1
    runners = m[1:-1] if boss >= 0 else m[1:]
    led.share_operator(m, p_device=0.3, p_ip=0.5)
    k = int(np.clip(np.exp(rng.normal(np.log(11), 0.5)), 6, min(40, spec.victims.size)))
    victims = spec.victims[:k]
    days = int(rng.integers(1, 4))
    t_pay = np.sort(
        [scam_time(rng, day_of(spec.t0) + int(rng.integers(0, days)) * DAY) for _ in victims]
    )
    paid = amounts(rng, k, 600, 0.8, 50, 5_000)
    inflows: list[tuple[int, int]] = []
    for v, t, cents in zip(victims, t_pay, paid, strict=True):
        inflows.append((int(t), led.victim_pays(int(v), collector, int(t), int(cents))))
        if rng.random() < 0.2:  # "taxa de liberacao": the victim is asked to pay again
            t2 = later(rng, t, 30 * MINUTE, 3 * HOUR)
            inflows.append((t2, led.victim_pays(int(v), collector, t2, int(cents * 0.3))))
    inflows.sort()
    balance, boss_gets = 0, 0
    unused = list(rng.permutation(runners))  # every runner is used at least once
    for i, (t, cents) in enumerate(inflows):
        balance += cents
        must = len(inflows) - i <= len(unused)
        if not (must or balance > 200_000 or rng.random() < 0.35):
            continue
        t_fwd = later(rng, t, 3 * MINUTE, 40 * MINUTE)
        runner = int(unused.pop()) if unused else int(rng.choice(runners))
        sent = led.pay(collector, runner, t_fwd, skim(rng, balance, 0.9, 0.99))
        balance = 0
        t_run = later(rng, led.last_t, 10 * MINUTE, 3 * HOUR)
        if boss >= 0:
            boss_gets += led.pay(runner, boss, t_run, skim(rng, sent))
        else:
            led.cash_out(runner, t_run, sent)
    if boss >= 0:
        led.cash_out(boss, later(rng, inflows[-1][0], 2 * HOUR, DAY), boss_gets)
    return led.events()


def fan_out(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """A hub receives a large inflow and splits it to many spokes within minutes; spokes
    pass it to a sink or withdraw it (members: hub, spokes..., [sink])."""
    led = Ledger(rng, spec)
    m = spec.members
    hub = int(m[0])
    sink = int(m[-1]) if m.size >= 6 else -1
    spokes = m[1:-1] if sink >= 0 else m[1:]
    led.share_operator(m, p_device=0.3, p_ip=0.4)
    t = scam_time(rng, day_of(spec.t0))
    used = 0
    for episode in range(int(rng.integers(1, 4))):
        n_in = int(rng.integers(1, 4))
        total = 0
        for v in spec.victims[used : used + n_in]:
            t = later(rng, t, 5 * MINUTE, 2 * HOUR)
            total += led.victim_pays(
                int(v), hub, t, int(amounts(rng, 1, 3_000, 0.6, 1_000, 9_000)[0])
            )
        used += n_in
        chosen = _some(rng, spokes, everyone=episode == 0)
        t_split = later(rng, t, 2 * MINUTE, 15 * MINUTE)
        sink_gets = 0
        for spoke, part in zip(
            chosen, split(rng, skim(rng, total, 0.95, 0.99), chosen.size), strict=True
        ):
            t_split = later(rng, t_split, 20, 4 * MINUTE)
            got = led.pay(hub, int(spoke), t_split, int(part))
            t_on = later(rng, led.last_t, 10 * MINUTE, 3 * HOUR)
            if sink >= 0:
                sink_gets += led.pay(int(spoke), sink, t_on, skim(rng, got))
            else:
                led.cash_out(int(spoke), t_on, got)
        if sink >= 0:
            led.cash_out(sink, later(rng, t_split, 3 * HOUR, 12 * HOUR), sink_gets)
        t = later(rng, t, 2 * DAY, 6 * DAY)
    return led.events()


def _some(rng: np.random.Generator, accounts: np.ndarray, everyone: bool) -> np.ndarray:
    """All accounts (first episode), else a random 60-100% of them, in random order."""
    k = accounts.size if everyone else max(2, int(accounts.size * rng.uniform(0.6, 1.0)))
    return rng.choice(accounts, size=min(k, accounts.size), replace=False)


def chain_lengths(rng: np.random.Generator, n_middle: int) -> list[int]:
    """Split intermediaries into chains of 2..4 accounts (3..5 hops entry to exit)."""
    lo, hi = -(-n_middle // 4), max(1, n_middle // 2)
    k = int(rng.integers(lo, max(lo, hi) + 1))
    base, extra = divmod(n_middle, k)
    return [base + (i < extra) for i in range(k)]


def layering_chain(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """Money runs entry -> 2..4 intermediaries -> exit, minutes apart, shrinking a little at
    each hop; the ring reuses its chains a few times (members: entry, middles..., exit)."""
    led = Ledger(rng, spec)
    m = spec.members
    entry, exit_ = int(m[0]), int(m[-1])
    middles = m[1:-1]
    bounds = np.cumsum([0, *chain_lengths(rng, middles.size)])
    chains = [middles[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    led.share_operator(m, p_device=0.25, p_ip=0.4)
    t = scam_time(rng, day_of(spec.t0))
    used = 0
    for episode in range(max(len(chains), int(rng.integers(2, 6)))):
        n_in = int(rng.integers(1, 4))
        total = 0
        for v in spec.victims[used : used + n_in]:
            t = later(rng, t, 5 * MINUTE, 90 * MINUTE)
            total += led.victim_pays(
                int(v), entry, t, int(amounts(rng, 1, 1_500, 0.7, 200, 8_000)[0])
            )
        used += n_in
        hop_t, cents, prev = t, skim(rng, total), entry
        pick = episode if episode < len(chains) else int(rng.integers(0, len(chains)))
        for node in [*chains[pick], exit_]:
            hop_t = later(rng, hop_t, 2 * MINUTE, 20 * MINUTE)
            cents = skim(rng, led.pay(prev, int(node), hop_t, cents))
            hop_t, prev = led.last_t, int(node)
        led.cash_out(exit_, later(rng, hop_t, 30 * MINUTE, 6 * HOUR), cents)
        t = later(rng, t, 1 * DAY, 5 * DAY)
    return led.events()


def cycle(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """Money leaves an origin and returns to it through 2..5 other accounts; larger rings
    run two cycles through the same origin (members: origin, others...)."""
    led = Ledger(rng, spec)
    m = spec.members
    origin = int(m[0])
    rest = m[1:]
    if rest.size > 5:
        cut = int(rng.integers(2, rest.size - 1))
        loops = [rest[:cut], rest[cut:]]
    else:
        loops = [rest]
    led.share_operator(m, p_device=0.3, p_ip=0.4)
    t = scam_time(rng, day_of(spec.t0))
    for i in range(int(rng.integers(2, 5))):
        if i < spec.victims.size and rng.random() < 0.6:
            paid = int(amounts(rng, 1, 1_200, 0.6, 200, 5_000)[0])
            cents = skim(rng, led.victim_pays(int(spec.victims[i]), origin, t, paid))
        else:
            cents = int(amounts(rng, 1, 1_500, 0.6, 300, 8_000)[0])
        hop_t, prev = t, origin
        for node in [*loops[i % len(loops)], origin]:
            hop_t = later(rng, hop_t, 5 * MINUTE, 90 * MINUTE)
            cents = skim(rng, led.pay(prev, int(node), hop_t, cents), 0.98, 0.999)
            hop_t, prev = led.last_t, int(node)
        t = later(rng, t, 1 * DAY, 6 * DAY)
    return led.events()


def scatter_gather(rng: np.random.Generator, spec: RingSpec) -> RingEvents:
    """One source scatters victims' money over many middles within minutes; the middles
    send it on to one sink within hours (members: source, middles..., sink)."""
    led = Ledger(rng, spec)
    m = spec.members
    source, sink = int(m[0]), int(m[-1])
    middles = m[1:-1]
    led.share_operator(m, p_device=0.3, p_ip=0.5)
    t = scam_time(rng, day_of(spec.t0))
    used = 0
    for episode in range(int(rng.integers(1, 4))):
        n_in = int(rng.integers(1, 5))
        total = 0
        for v in spec.victims[used : used + n_in]:
            t = later(rng, t, 5 * MINUTE, 2 * HOUR)
            total += led.victim_pays(
                int(v), source, t, int(amounts(rng, 1, 2_000, 0.6, 500, 9_000)[0])
            )
        used += n_in
        chosen = _some(rng, middles, everyone=episode == 0)
        t_s, last = later(rng, t, 2 * MINUTE, 20 * MINUTE), t
        sink_gets = 0
        for mid, part in zip(
            chosen, split(rng, skim(rng, total, 0.96, 0.99), chosen.size), strict=True
        ):
            t_s = later(rng, t_s, 20, 5 * MINUTE)
            got = led.pay(source, int(mid), t_s, int(part))
            t_g = later(rng, led.last_t, 30 * MINUTE, 6 * HOUR)
            sink_gets += led.pay(int(mid), sink, t_g, skim(rng, got))
            last = max(last, t_g)
        led.cash_out(sink, later(rng, last, 1 * HOUR, 8 * HOUR), sink_gets)
        t = later(rng, t, 2 * DAY, 7 * DAY)
    return led.events()
