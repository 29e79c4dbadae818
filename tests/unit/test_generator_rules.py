"""Pix rules and everyday realism: limits respected by ordinary payers, heavy tails, rhythms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _generator_support import world

from data.generator import World
from data.generator.calendar import DAY, HOUR, is_night, night_period
from data.generator.config import BASE_ROWS, GeneratorConfig
from data.generator.population import PERSON
from data.generator.tables import ORDINARY, VICTIM

SCALE = 0.3


@pytest.fixture(scope="module")
def w() -> World:
    return world(scale=SCALE)


def ordinary_payments(w: World) -> np.ndarray:
    """Completed payments whose payer is not a ring member."""
    member = np.zeros(w.people.n, dtype=bool)
    member[w.planted.member] = True
    return (w.txs.status != 1) & ~member[w.txs.src] & np.isin(w.txs.origin, [ORDINARY, VICTIM])


def test_night_limit_is_respected_by_ordinary_individuals(w: World) -> None:
    """Between 20h and 6h an ordinary individual sends at most R$1,000 per transfer and night."""
    t = w.txs
    night = ordinary_payments(w) & is_night(t.ts) & (w.people.kind[t.src] == PERSON)
    assert night.sum() > 100
    assert t.cents[night].max() <= 100_000
    per_night = pd.Series(t.cents[night]).groupby([t.src[night], night_period(t.ts[night])]).sum()
    assert per_night.max() <= 100_000


def test_new_device_limit_is_respected_by_ordinary_payers(w: World) -> None:
    """From a device first used less than 24 h earlier, ordinary payers send at most R$200 per
    transfer and R$1,000 per day."""
    t, row = w.txs, w.tx_device
    new = (row >= 0) & (t.ts - w.devices.registered[np.maximum(row, 0)] < DAY)
    sel = ordinary_payments(w) & new
    assert sel.sum() > 10
    assert t.cents[sel].max() <= 20_000
    assert pd.Series(t.cents[sel]).groupby([t.src[sel], t.ts[sel] // DAY]).sum().max() <= 100_000


def test_own_limits_are_respected_by_ordinary_payers(w: World) -> None:
    """Ordinary payers stay within their per-transfer and daily limits."""
    t = w.txs
    sel = ordinary_payments(w)
    assert (t.cents[sel] <= w.per_tx[t.src[sel]]).all()
    daily = pd.Series(t.cents[sel]).groupby([t.src[sel], t.ts[sel] // DAY]).sum()
    limit = w.daily[daily.index.get_level_values(0).to_numpy()]
    assert (daily.to_numpy() <= limit).all()


def test_amounts_are_heavy_tailed() -> None:
    """The top 1% of amounts is far above the median, and the largest is orders above it."""
    cents = world(scale=1).txs.cents
    median, p99 = np.percentile(cents, [50, 99])
    assert p99 > 20 * median
    assert cents.max() > 1_000 * median


def test_weekly_daily_and_payday_rhythms(w: World) -> None:
    """Sundays are quieter than Fridays, small hours are quiet, and salary day is busy."""
    ts = w.txs.ts
    weekday = (ts // DAY + 3) % 7  # 0 = Monday
    counts = np.bincount(weekday, minlength=7)
    assert counts[6] < 0.8 * counts[4]
    hour = (ts % DAY) // HOUR
    assert np.isin(hour, [2, 3, 4]).mean() < 0.02
    per_day = np.bincount((ts - w.window.start) // DAY, minlength=w.window.days)
    assert per_day[w.window.paydays()].mean() > 1.3 * np.median(per_day)


def test_salaries_are_paid_on_paydays(w: World) -> None:
    """Payments from payroll payers to their employees happen on salary or advance days."""
    g, t = w.groups, w.txs
    pairs = pd.MultiIndex.from_arrays([g.employer, g.employee])
    paid = pd.MultiIndex.from_arrays([t.src, t.dst]).isin(pairs)
    days = set(w.window.paydays().tolist()) | set(w.window.advance_days().tolist())
    assert paid.sum() > 100
    assert set(((t.ts[paid] - w.window.start) // DAY).tolist()) <= days


def test_row_counts_match_the_defaults_and_grow_linearly() -> None:
    """At scale 1 each dataset is within 10% of docs/domain.md's default; scale 0.5 is half."""
    one, half = world(scale=1), world(scale=0.5)

    def counts(w: World) -> dict[str, int]:
        return {
            "transacoes_pix": len(w.txs),
            "chaves_pix": w.keys.owner.size,
            "usuarios": w.people.n,
            "dispositivos": len(w.devices),
            "fraudes": w.fraudes.tx.size,
            "limites_transacoes": w.daily.size,
            "log_autenticacao": len(w.logins),
        }

    for (name, n1), n_half in zip(counts(one).items(), counts(half).values(), strict=True):
        assert abs(n1 - BASE_ROWS[name]) <= 0.1 * BASE_ROWS[name], (name, n1)
        assert abs(n_half - n1 / 2) <= 0.1 * n1 / 2, (name, n_half, n1)
    assert GeneratorConfig(scale=2).rows("transacoes_pix") == 100_000
