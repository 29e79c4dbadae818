"""Innocent look-alikes: legitimate groups that resemble rings in flows or shared devices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _generator_support import world

from data.generator import World
from data.generator.lookalikes import T
from data.generator.population import PERSON

SCALE = 0.3


@pytest.fixture(scope="module")
def w() -> World:
    return world(scale=SCALE)


def distinct(a: np.ndarray, b: np.ndarray) -> pd.Series:
    """Number of distinct counterparts per holder in `a`."""
    return pd.Series(b).groupby(a).nunique()


def test_all_five_kinds_of_lookalike_exist(w: World) -> None:
    """Merchants, payroll payers, families, own accounts and small businesses all appear."""
    assert set(np.unique(w.groups.gtype).tolist()) == set(T.values())


def test_merchants_and_payroll_have_large_fan_in_and_fan_out(w: World) -> None:
    """Merchants are paid by many distinct people; payroll payers pay many employees."""
    payers = distinct(w.txs.dst, w.txs.src)
    payees = distinct(w.txs.src, w.txs.dst)
    assert payers.reindex(w.groups.merchant).median() >= 20
    employers = np.unique(w.groups.employer)
    assert payees.reindex(employers).median() >= 8
    plain = np.flatnonzero(w.people.kind == PERSON)
    plain = plain[~np.isin(plain, w.groups.member) & ~np.isin(plain, w.planted.member)]
    everyday = payers.reindex(plain).dropna()
    assert payers.reindex(w.groups.business).median() > everyday.quantile(0.99)


def test_families_share_a_phone_and_a_device(w: World) -> None:
    """Members of a family show the same phone number, and most share a device."""
    g, p = w.groups, w.people
    phones = pd.Series(p.phone[g.fam_member]).groupby(g.fam_group).nunique()
    assert (phones == 1).all()
    d = w.devices
    fam_of = pd.Series(g.fam_group, index=g.fam_member)
    on_device = d.user[np.isin(d.user, g.fam_member)]
    dev = d.device[np.isin(d.user, g.fam_member)]
    per_device = pd.Series(fam_of.loc[on_device].to_numpy()).groupby(dev).agg(["size", "nunique"])
    shared = per_device[per_device["size"] > 1]
    assert (shared["nunique"] == 1).all()  # a shared family phone stays in the family
    assert shared.shape[0] >= 0.7 * phones.size


def test_own_accounts_share_contacts_and_move_money_both_ways(w: World) -> None:
    """A person and their own MEI show the same phone and e-mail, share a device, and pay
    each other in both directions."""
    g, p, t = w.groups, w.people, w.txs
    assert (p.phone[g.own_person] == p.phone[g.own_mei]).all()
    assert (p.email_from[g.own_mei] == g.own_person).all()
    dev = pd.Series(w.devices.device).groupby(w.devices.user).agg(set)
    assert all(dev[a] & dev[b] for a, b in zip(g.own_person, g.own_mei, strict=True))
    pairs = set(zip(t.src.tolist(), t.dst.tolist(), strict=True))
    both = [
        (a, b) in pairs and (b, a) in pairs for a, b in zip(g.own_person, g.own_mei, strict=True)
    ]
    assert np.mean(both) > 0.5


def test_merchant_takings_pass_through_to_the_owner(w: World) -> None:
    """Most of a merchant's weekly takings move on to its owner's personal account."""
    g, t = w.groups, w.txs
    inflow = pd.Series(t.cents).groupby(t.dst).sum().reindex(g.merchant).fillna(0)
    to_owner = pd.MultiIndex.from_arrays([t.src, t.dst]).isin(
        pd.MultiIndex.from_arrays([g.merchant, g.merchant_owner])
    )
    swept = pd.Series(t.cents[to_owner]).groupby(t.src[to_owner]).sum().reindex(g.merchant)
    ratio = (swept.fillna(0) / inflow.replace(0, np.nan)).dropna()
    assert 0.5 < ratio.median() < 1.0
