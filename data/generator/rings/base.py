"""What a typology function receives (`RingSpec`) and how it records a ring's activity.

A typology function is pure: ``f(rng, spec) -> RingEvents``. It may only touch its own
members, the victims and cash-out merchants it was given, and devices/IPs it creates itself
(numbered locally from 0; the planter maps them to global ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from data.generator.calendar import DAY, HOUR, MINUTE, is_night
from data.generator.tables import DRAIN, RING, TX_TYPE, VICTIM, Devices, Logins, Txs
from data.schema import TIPO_AUTENTICACAO, TIPO_DISPOSITIVO

AUTH = {name: i for i, name in enumerate(TIPO_AUTENTICACAO)}
DEV = {name: i for i, name in enumerate(TIPO_DISPOSITIVO)}
NIGHT_CAP = 100_000  # R$1,000 per transfer for individuals, 20h-6h
SAQUE_DAY, SAQUE_NIGHT = 50_000, 10_000  # Pix Saque caps: R$500 by day, R$100 at night


@dataclass(frozen=True)
class RingSpec:
    """One planned ring: who is in it, when it acts, who it may victimise."""

    ring: int
    typology: str
    members: np.ndarray  # holder indices, roles by position (see each typology)
    victims: np.ndarray  # distinct ordinary holders it may take money from
    victim_per_tx: np.ndarray  # cents, each victim's own per-transfer limit
    cashout: np.ndarray  # merchants where members withdraw cash (Pix Saque)
    exits: np.ndarray  # companies the bulk leaves through (brokers, betting, crypto desks)
    t0: int  # start of activity
    t1: int  # activity must end before this (window end)
    daily_limit: np.ndarray  # cents, per member (account takeover drains within it)
    per_tx_limit: np.ndarray  # cents, per member


@dataclass
class RingEvents:
    """A ring's transactions, extra logins, device bindings and account-opening changes."""

    txs: Txs
    logins: Logins
    devices: Devices
    ip_datacenter: list[bool]  # per local IP: hosting/VPN address rather than residential
    n_devices: int  # local devices are numbered 0..n_devices-1
    opened: dict[int, int] = field(default_factory=dict)  # holder -> new opening time
    only_ring_devices: list[int] = field(default_factory=list)  # holders with no own phone
    home_ip: dict[int, int] = field(default_factory=dict)  # holder -> local IP they live on


class Ledger:
    """Collects one ring's activity while a typology function runs (rings are small)."""

    def __init__(self, rng: np.random.Generator, spec: RingSpec) -> None:
        self.rng, self.spec = rng, spec
        self._tx: list[tuple[int, int, int, int, int, int, int, int, int]] = []
        self._login: list[tuple[int, int, int, int, int, bool]] = []
        self._bind: list[tuple[int, int, int, int]] = []
        self.ips: list[bool] = []
        self.n_devices = 0
        self._device_kind: list[int] = []
        self.opened: dict[int, int] = {}
        self.only_ring_devices: list[int] = []
        self.home_ip: dict[int, int] = {}
        self.victim_limit = dict(
            zip(spec.victims.tolist(), spec.victim_per_tx.tolist(), strict=True)
        )
        self.last_t = spec.t0  # time of the last recorded transfer
        # holder -> (local device, local IP) their ring transfers are made from
        self.session: dict[int, tuple[int, int]] = {}

    def device(self, user_ids: np.ndarray | list[int], t: int, kind: str = "android") -> int:
        """A new physical device of the ring, registered for the given holders at time t."""
        d = self.n_devices
        self.n_devices += 1
        self._device_kind.append(DEV[kind])
        for u in user_ids:
            self.bind(d, int(u), t)
        return d

    def bind(self, d: int, user: int, t: int) -> None:
        """Register ring device d for a holder (first seen at time t)."""
        self._bind.append((d, int(user), int(t), self._device_kind[d]))

    def ip(self, datacenter: bool) -> int:
        """A new IP address used by the ring (residential, or a hosting/VPN exit)."""
        self.ips.append(datacenter)
        return len(self.ips) - 1

    def pay(
        self,
        src: int,
        dst: int,
        t: int,
        cents: int,
        tipo: str = "transferencia",
        origin: int = RING,
        device: int | None = None,
        ip: int | None = None,
        rejected: bool = False,
    ) -> int:
        """Record a transfer; ring transfers at night respect the R$1,000 individual cap.
        Device and IP default to the sender's ring session (if any), else their own."""
        own_device, own_ip = self.session.get(int(src), (-1, -1))
        device = own_device if device is None else device
        ip = own_ip if ip is None else ip
        cents = max(int(cents), 100)
        if origin in (RING, DRAIN) and cents > NIGHT_CAP and _night(t):
            # above the individuals' night limit the money waits for the morning
            t = day_of(int(t) + 4 * HOUR) + 6 * HOUR + int(self.rng.integers(0, 90 * MINUTE))
        t = min(int(t), self.spec.t1 - 1)
        self.last_t = t
        self._tx.append((int(src), int(dst), t, cents, TX_TYPE[tipo], origin, device, ip, rejected))
        return cents

    def victim_pays(self, victim: int, dst: int, t: int, cents: int, qr: bool = False) -> int:
        """A deceived holder pays the ring, as much as their own limits allow."""
        limit = self.victim_limit.get(int(victim), cents)
        if _night(t):
            limit = min(limit, NIGHT_CAP)
        if cents > limit:
            cents = int(limit * self.rng.uniform(0.85, 1.0))
        return self.pay(victim, dst, t, cents, "qrcode" if qr else "transferencia", VICTIM)

    def login(self, user: int, t: int, device: int, ip: int, auth: str, ok: bool = True) -> None:
        self._login.append((int(user), int(t), device, ip, AUTH[auth], ok))

    def cash_out(self, holder: int, t: int, cents: int, max_n: int = 3) -> int:
        """Take the money out: a few Pix Saques at the ring's shops, the bulk transferred to
        an exit company; returns the cents taken."""
        taken = 0
        for _ in range(int(self.rng.integers(0, max_n + 1))):
            if cents - taken < 2_000:
                break
            cap = SAQUE_NIGHT if _night(t) else SAQUE_DAY
            amount = min(cents - taken, int(cap * self.rng.uniform(0.6, 1.0)))
            shop = int(self.rng.choice(self.spec.cashout))
            taken += self.pay(holder, shop, t, amount, "saque")
            t += int(self.rng.integers(20 * MINUTE, 4 * HOUR))
        if cents - taken > 50_000 and self.spec.exits.size:
            rest = int((cents - taken) * self.rng.uniform(0.9, 1.0))
            taken += self.pay(holder, int(self.rng.choice(self.spec.exits)), t, rest)
        return taken

    def events(self) -> RingEvents:
        ring = self.spec.ring
        tx = np.array(self._tx, dtype=np.int64).reshape(-1, 9)
        txs = Txs.build(
            tx[:, 0],
            tx[:, 1],
            tx[:, 2],
            tx[:, 3],
            tx[:, 4].astype(np.int8),
            origin=tx[:, 5],
            ring=ring,
            device=tx[:, 6],
            ip=tx[:, 7],
            status=tx[:, 8],
        )
        lg = np.array(self._login, dtype=np.int64).reshape(-1, 6)
        logins = Logins(
            lg[:, 0], lg[:, 1], lg[:, 2], lg[:, 3], lg[:, 4].astype(np.int8), lg[:, 5] == 1
        )
        bd = np.array(self._bind, dtype=np.int64).reshape(-1, 4)
        devices = Devices(
            device=bd[:, 0],
            user=bd[:, 1],
            kind=bd[:, 3].astype(np.int8),
            registered=bd[:, 2],
            status=np.zeros(len(bd), dtype=np.int8),
        )
        return RingEvents(
            txs,
            logins,
            devices,
            self.ips,
            self.n_devices,
            self.opened,
            self.only_ring_devices,
            self.home_ip,
        )

    def share_operator(self, members: np.ndarray, p_device: float, p_ip: float) -> None:
        """Maybe let a few coordinating members act from one operator phone and/or address."""
        rng = self.rng
        if members.size < 2 or rng.random() > max(p_device, p_ip):
            return
        k = min(members.size, int(rng.integers(2, 4)))
        who = rng.choice(members, size=k, replace=False)
        since = self.spec.t0 - int(rng.uniform(1, 20) * DAY)
        device = self.device(who, since) if rng.random() < p_device / max(p_device, p_ip) else -1
        ip = self.ip(datacenter=rng.random() < 0.3)
        for u in who:
            self.session[int(u)] = (device, ip)


def _night(t: int) -> bool:
    return bool(is_night(np.array([int(t)]))[0])


def later(rng: np.random.Generator, t: int, lo: float, hi: float) -> int:
    """t plus a uniform delay between lo and hi seconds."""
    return int(t + rng.uniform(lo, hi))


def scam_time(rng: np.random.Generator, day_start: int) -> int:
    """A waking-hours moment on the given day (scams happen while victims are awake)."""
    hour = rng.choice([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21])
    return int(day_start + hour * HOUR + rng.integers(0, HOUR))


def day_of(t: int) -> int:
    """Midnight of the day containing t."""
    return t - t % DAY


def amounts(
    rng: np.random.Generator, n: int, median: float, sigma: float, lo: float, hi: float
) -> np.ndarray:
    """Heavy-tailed victim amounts in cents; half are round numbers like a typed-in Pix."""
    reais = np.clip(np.exp(rng.normal(np.log(median), sigma, n)), lo, hi)
    rounded = np.where(rng.random(n) < 0.5, np.round(reais / 50) * 50, reais)
    return np.maximum(np.round(rounded * 100), 1_000).astype(np.int64)


def split(rng: np.random.Generator, total: int, k: int) -> np.ndarray:
    """Split a sum of cents into k uneven positive parts."""
    shares = rng.dirichlet(np.full(k, 2.0))
    parts = np.floor(shares * total).astype(np.int64)
    parts[0] += total - parts.sum()
    return np.maximum(parts, 100)


def skim(rng: np.random.Generator, cents: int, lo: float = 0.97, hi: float = 0.995) -> int:
    """What is passed on after a mule keeps its cut."""
    return int(cents * rng.uniform(lo, hi))
