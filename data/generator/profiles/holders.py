"""What each slow-layering holder has: one EVP key, 1-2 devices, logins on its payment days.

Deliberately plain: no shared devices, no ring-specific sessions, no night or new-device
rules, so that device and login data carry no laundering signal in this profile.
"""

from __future__ import annotations

import numpy as np

from data.generator import documents
from data.generator.accounts import KEY, Keys, residential_ips
from data.generator.arrays import offsets, weighted_pick
from data.generator.calendar import DAY, HOUR, MINUTE, Window
from data.generator.population import PERSON, PIX_KEYS_OPENED, People
from data.generator.tables import Devices, Logins, Txs
from data.schema import TIPO_AUTENTICACAO

AUTH = {name: i for i, name in enumerate(TIPO_AUTENTICACAO)}
BROWSER = 2  # index of "navegador" in TIPO_DISPOSITIVO
SECOND_DEVICE = 0.3
FAILED_BEFORE = 0.03  # share of logins preceded by a mistyped password
MOBILE_IP = 0.35  # share of logins from a carrier's shared (CGNAT) address


def evp_keys(rng: np.random.Generator, people: People, window: Window) -> Keys:
    """One random (EVP) key per holder, registered between opening and the window."""
    n = people.n
    lo = np.maximum(people.opened, PIX_KEYS_OPENED) + HOUR
    room = np.maximum(window.start - DAY - lo, HOUR)
    registered = lo + (rng.random(n) * room).astype(np.int64)
    return Keys(
        owner=np.arange(n, dtype=np.int64),
        kind=np.full(n, KEY["EVP"], np.int8),
        evp=documents.uuid4_bytes(rng, n),
        evp_row=np.arange(n, dtype=np.int64),
        registered=registered,
        status=np.zeros(n, np.int8),
        start=offsets(np.ones(n, dtype=np.int64)),
    )


def devices(rng: np.random.Generator, people: People, window: Window) -> Devices:
    """1-2 devices per holder (a phone; some a second phone or a browser), all registered
    before the window; device numbers follow holders, no device is shared."""
    n = people.n
    count = 1 + (rng.random(n) < SECOND_DEVICE)
    user = np.repeat(np.arange(n, dtype=np.int64), count)
    person = people.kind[user] == PERSON
    kind = np.where(
        person,
        rng.choice(3, user.size, p=[0.75, 0.22, 0.03]),
        rng.choice(3, user.size, p=[0.3, 0.1, 0.6]),
    ).astype(np.int8)
    room = np.maximum(window.start - DAY - people.opened[user], HOUR)
    registered = people.opened[user] + (rng.random(user.size) * room).astype(np.int64)
    order = np.lexsort((registered, user))
    status = np.where(rng.random(user.size) < 0.003, 2, 0).astype(np.int8)
    return Devices(
        device=np.arange(user.size, dtype=np.int64),
        user=user[order],
        kind=kind[order],
        registered=registered[order],
        status=status,
    )


def logins(
    rng: np.random.Generator,
    txs: Txs,
    people: People,
    devs: Devices,
    window: Window,
    target: int,
) -> Logins:
    """A login on every day a holder pays (at a random waking hour), app opens on other
    days up to about `target` rows, and a few failed passwords; sorted by time."""
    n = people.n
    day = (txs.ts - window.start) // DAY
    paid = np.unique(txs.src * window.days + day)
    user, d = paid // window.days, paid % window.days
    n_bg = max(0, round(target / (1 + FAILED_BEFORE)) - user.size)
    user = np.r_[user, weighted_pick(rng, np.sqrt(people.activity), n_bg)]
    d = np.r_[d, rng.integers(0, window.days, n_bg)]
    ts = window.start + d * DAY + rng.integers(7 * HOUR, 23 * HOUR, user.size)
    first = np.searchsorted(devs.user, np.arange(n))
    count = np.diff(np.r_[first, devs.user.size])
    row = first[user] + (rng.random(user.size) * count[user]).astype(np.int64)
    ips = residential_ips(rng, n + n // 40 + 1)
    ip = np.where(
        rng.random(user.size) < MOBILE_IP,
        ips[n + rng.integers(0, n // 40 + 1, user.size)],
        ips[user],
    )
    auth = np.where(
        devs.kind[row] == BROWSER,
        AUTH["senha"],
        rng.choice([AUTH["biometria"], AUTH["senha"], AUTH["pin"]], user.size, p=[0.55, 0.25, 0.2]),
    ).astype(np.int8)
    fail = np.flatnonzero(rng.random(user.size) < FAILED_BEFORE)
    f_ts = ts[fail] - rng.integers(10, 2 * MINUTE, fail.size)
    out = Logins(
        user=np.r_[user, user[fail]],
        ts=np.r_[ts, f_ts],
        device=devs.device[np.r_[row, row[fail]]],
        ip=np.r_[ip, ip[fail]],
        auth=np.r_[auth, np.full(fail.size, AUTH["senha"], np.int8)],
        ok=np.r_[np.ones(user.size, bool), np.zeros(fail.size, bool)],
    )
    out.reorder(np.argsort(out.ts, kind="stable"))
    return out
