"""The authentication log: a login before every payment session, app opens in between, the
occasional mistyped password, and where each login came from (device and IP).

Ordinary holders log in from their newest device (sometimes an older one) and from home,
a mobile carrier's shared CGNAT address, their office or a VPN. Ring sessions use the
devices and IPs their typology forced on them.
"""

from __future__ import annotations

import numpy as np

from data.generator.accounts import IpPlan
from data.generator.arrays import weighted_pick
from data.generator.calendar import HOUR, MINUTE, Window, sample_times
from data.generator.population import People
from data.generator.tables import REFUND, Devices, Logins, Txs
from data.generator.traffic import after_opening
from data.schema import TIPO_AUTENTICACAO, TIPO_DISPOSITIVO

AUTH = {name: i for i, name in enumerate(TIPO_AUTENTICACAO)}
BROWSER = TIPO_DISPOSITIVO.index("navegador")
SESSION_GAP = 10 * MINUTE  # payments closer than this share one login
FAILED_BEFORE = 0.03  # share of logins preceded by a mistyped password


def binding_at(devices: Devices, user: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Row of the holder's newest device registered at or before ts (-1 if none)."""
    keys = (devices.user << 32) | devices.registered
    want = (user << 32) | ts
    order = np.argsort(want)  # sorted needles make the search cache-friendly
    row = np.empty(user.size, dtype=np.int64)
    row[order] = np.searchsorted(keys, want[order], side="right") - 1
    ok = (row >= 0) & (devices.user[np.maximum(row, 0)] == user)
    return np.where(ok, row, -1)


def first_binding(devices: Devices, user: np.ndarray) -> np.ndarray:
    """Row of each holder's oldest device (bindings are sorted by holder, then time)."""
    start = np.searchsorted(devices.user, np.arange(int(user.max(initial=0)) + 1))
    return start[user]


def choose_devices(
    rng: np.random.Generator, devices: Devices, user: np.ndarray, ts: np.ndarray
) -> np.ndarray:
    """Binding rows used at each login: usually the newest, sometimes an older device."""
    newest = binding_at(devices, user, ts)
    first = first_binding(devices, user)
    older = first + (rng.random(user.size) * (newest - first + 1)).astype(np.int64)
    return np.where(rng.random(user.size) < 0.85, newest, np.minimum(older, newest))


def choose_ips(
    rng: np.random.Generator, ips: IpPlan, user: np.ndarray, ts: np.ndarray
) -> np.ndarray:
    """Where a login comes from: home, carrier CGNAT, office in office hours, or a VPN."""
    n = user.size
    u = rng.random(n)
    out = ips.home[user].copy()
    mobile = u >= 0.55
    out[mobile] = ips.cgnat[rng.integers(0, ips.cgnat.size, int(mobile.sum()))]
    hour = (ts % 86_400) // HOUR
    office = (ips.office[user] >= 0) & (hour >= 9) & (hour < 18) & (u >= 0.45) & (u < 0.6)
    out[office] = ips.office[user[office]]
    vpn = ips.vpn_user[user] & (rng.random(n) < 0.5)
    out[vpn] = ips.vpn[rng.integers(0, ips.vpn.size, int(vpn.sum()))]
    return out


def sessions_for(txs: Txs) -> tuple[np.ndarray, np.ndarray]:
    """Indices of transactions that open a new session (others reuse the previous login),
    and for every transaction the index of the transaction whose session it uses."""
    payer = txs.origin != REFUND
    idx = np.flatnonzero(payer)
    order = idx[np.argsort((txs.src[idx] << 26) | (txs.ts[idx] - txs.ts.min(initial=0)))]
    src, ts, dev = txs.src[order], txs.ts[order], txs.device[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (src[1:] != src[:-1]) | (ts[1:] - ts[:-1] > SESSION_GAP) | (dev[1:] != dev[:-1])
    opener = np.maximum.accumulate(np.where(new, np.arange(order.size), 0))
    uses = np.full(len(txs), -1, dtype=np.int64)
    uses[order] = order[opener]
    return order[new], uses


def build_logins(
    rng: np.random.Generator,
    txs: Txs,
    people: People,
    devices: Devices,
    ips: IpPlan,
    window: Window,
    ring_logins: Logins,
    target: int,
) -> tuple[Logins, np.ndarray]:
    """All logins, and for each transaction the device binding row its session used."""
    s_user, s_ts, s_row, s_ip, tx_row = _session_logins(rng, txs, people, devices, ips, window)
    n_bg = max(0, int((target - s_user.size - len(ring_logins)) / (1 + FAILED_BEFORE)))
    b_user, b_ts, b_row, b_ip = _background_logins(rng, n_bg, people, devices, ips, window)
    user, ts = np.concatenate([s_user, b_user]), np.concatenate([s_ts, b_ts])
    row, ip = np.concatenate([s_row, b_row]), np.concatenate([s_ip, b_ip])
    del s_user, s_ts, s_row, s_ip, b_user, b_ts, b_row, b_ip
    auth = _auth(rng, devices, ts, row, window)
    fail = np.flatnonzero(rng.random(user.size) < FAILED_BEFORE)
    f_ts = np.maximum(
        ts[fail] - rng.integers(10, 2 * MINUTE, fail.size), devices.registered[row[fail]]
    )
    n_ok, n_fail = user.size, fail.size
    logins = Logins(
        user=np.concatenate([user, user[fail], ring_logins.user]),
        ts=np.concatenate([ts, f_ts, ring_logins.ts]),
        device=np.concatenate([devices.device[row], devices.device[row[fail]], ring_logins.device]),
        ip=np.concatenate([ip, ip[fail], ring_logins.ip]),
        auth=np.concatenate([auth, np.full(n_fail, AUTH["senha"], np.int8), ring_logins.auth]),
        ok=np.concatenate([np.ones(n_ok, bool), np.zeros(n_fail, bool), ring_logins.ok]),
    )
    return logins, tx_row


def _session_logins(
    rng: np.random.Generator,
    txs: Txs,
    people: People,
    devices: Devices,
    ips: IpPlan,
    window: Window,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One login a few minutes before each payment session; returns the logins' holder, time,
    binding row and IP, and for every transaction the binding row of its session."""
    openers, uses = sessions_for(txs)
    user = txs.src[openers]
    ts = np.maximum(txs.ts[openers] - rng.integers(5, 5 * MINUTE, openers.size), window.start)
    ts = np.maximum(ts, people.opened[user])
    forced_dev = txs.device[openers]
    row = choose_devices(rng, devices, user, ts)
    forced_row = _forced_rows(devices, user, forced_dev, txs.ts[openers])
    row = np.where(forced_dev >= 0, forced_row, row)
    row = np.where(row >= 0, row, first_binding(devices, user))
    ts = np.maximum(ts, devices.registered[row])
    ip = np.where(txs.ip[openers] >= 0, txs.ip[openers], choose_ips(rng, ips, user, ts))
    opener_row = np.full(len(txs), -1, dtype=np.int64)
    opener_row[openers] = row
    tx_row = np.where(uses >= 0, opener_row[np.maximum(uses, 0)], -1)
    return user, ts, row, ip, tx_row


def _background_logins(
    rng: np.random.Generator,
    n: int,
    people: People,
    devices: Devices,
    ips: IpPlan,
    window: Window,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """App opens without a payment (checking the balance), more often by active holders."""
    user = _weighted(rng, np.sqrt(people.activity), n)
    ts = sample_times(rng, window, n, "login")
    ts, fits = after_opening(ts, people.opened[user] + HOUR, window)
    user, ts = user[fits], ts[fits]
    row = choose_devices(rng, devices, user, ts)
    row = np.where(row >= 0, row, first_binding(devices, user))
    ts = np.maximum(ts, devices.registered[row])
    return user, ts, row, choose_ips(rng, ips, user, ts)


def _forced_rows(
    devices: Devices, user: np.ndarray, device: np.ndarray, ts: np.ndarray
) -> np.ndarray:
    """Binding row of a forced (ring) device for the holder, -1 when not forced."""
    forced = np.flatnonzero(device >= 0)
    out = np.full(user.size, -1, dtype=np.int64)
    if forced.size == 0:
        return out
    sel = np.flatnonzero(devices.device >= 1 << 40)
    key = devices.user[sel] * (1 << 20) + (devices.device[sel] - (1 << 40))
    order = np.argsort(key, kind="stable")
    want = user[forced] * (1 << 20) + (device[forced] - (1 << 40))
    pos = np.searchsorted(key[order], want)
    out[forced] = sel[order[np.minimum(pos, order.size - 1)]]
    return out


def _weighted(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    return weighted_pick(rng, weights, n)


def _auth(
    rng: np.random.Generator, devices: Devices, ts: np.ndarray, row: np.ndarray, window: Window
) -> np.ndarray:
    """Biometrics/PIN/password by device kind; the first login on a device enrolled inside
    the window is confirmed by SMS."""
    browser = devices.kind[row] == BROWSER
    mobile_auth = rng.choice(
        [AUTH["biometria"], AUTH["senha"], AUTH["pin"]], row.size, p=[0.55, 0.25, 0.2]
    )
    auth = np.where(browser, AUTH["senha"], mobile_auth).astype(np.int8)
    fresh = np.flatnonzero(devices.registered[row] >= window.start)
    order = fresh[np.lexsort((ts[fresh], row[fresh]))]
    first = np.ones(order.size, dtype=bool)
    first[1:] = row[order][1:] != row[order][:-1]
    auth[order[first]] = AUTH["sms"]
    return auth
