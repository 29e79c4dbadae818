"""Planted rings: each typology function on a hand-made spec, and rings in a whole world."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from _generator_support import read, read_truth, world, write

from data import schema
from data.generator.calendar import DAY, HOUR, MINUTE
from data.generator.rings.base import RingEvents, RingSpec
from data.generator.rings.plan import TYPOLOGY_FUNCTIONS
from data.generator.tables import DRAIN, ORDINARY, RING, TX_TYPE, VICTIM

T0 = 1_745_000_000 - 1_745_000_000 % DAY + 8 * HOUR
MEMBERS = 100  # members are numbered from here; victims from 1000, shops 500, exits 600


def spec(typology: str, size: int) -> RingSpec:
    members = np.arange(MEMBERS, MEMBERS + size)
    return RingSpec(
        ring=0,
        typology=typology,
        members=members,
        victims=np.arange(1_000, 1_200),
        victim_per_tx=np.full(200, 500_000),
        cashout=np.array([500, 501, 502]),
        exits=np.array([600, 601]),
        t0=T0,
        t1=T0 + 60 * DAY,
        daily_limit=np.full(size, 500_000),
        per_tx_limit=np.full(size, 500_000),
    )


def run(typology: str, size: int, seed: int = 0) -> RingEvents:
    return TYPOLOGY_FUNCTIONS[typology](np.random.default_rng(seed), spec(typology, size))


def internal(ev: RingEvents) -> pd.DataFrame:
    """Transfers between members, in time order."""
    t = ev.txs
    df = pd.DataFrame(
        {"src": t.src, "dst": t.dst, "ts": t.ts, "cents": t.cents, "origin": t.origin}
    )
    inside = df.src.between(MEMBERS, 499) & df.dst.between(MEMBERS, 499)
    return df[inside].sort_values("ts")


@pytest.mark.parametrize("typology", schema.TYPOLOGIES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_members_of_a_ring_are_linked(typology: str, seed: int) -> None:
    """Every member is connected to the others by money flows or a shared device/IP."""
    lo_hi = {"mule_farm": 24, "fan_in": 6, "cycle": 7, "account_takeover": 9}
    size = lo_hi.get(typology, 10)
    ev = run(typology, size, seed)
    g = nx.Graph()
    g.add_nodes_from(range(MEMBERS, MEMBERS + size))
    flows = internal(ev)
    g.add_edges_from(zip(flows.src, flows.dst, strict=True))
    for col in (ev.devices.device, ev.txs.ip[ev.txs.src >= MEMBERS]):
        holders = ev.devices.user if col is ev.devices.device else ev.txs.src[ev.txs.src >= MEMBERS]
        for value in np.unique(col[col >= 0]):
            users = np.unique(holders[col == value])
            g.add_edges_from((users[0], u) for u in users[1:])
    assert nx.is_connected(g)


def test_fan_in_collects_from_many_victims_within_hours() -> None:
    """Many distinct victims pay the collector within a few days, and it passes the money on
    to every runner (members: collector, 4 runners, boss)."""
    t = run("fan_in", 6).txs
    paid = (t.origin == VICTIM) & (t.dst == MEMBERS)
    assert np.unique(t.src[paid]).size >= 6
    assert t.ts[paid].max() - t.ts[paid].min() < 3 * DAY
    passed = (t.src == MEMBERS) & (t.origin == RING)
    assert set(t.dst[passed].tolist()) == set(range(MEMBERS + 1, MEMBERS + 5))


def test_fan_out_splits_within_minutes() -> None:
    """The hub pays every spoke within an hour of its inflow."""
    size = 10
    t = run("fan_out", size).txs
    first_in = t.ts[(t.origin == VICTIM) & (t.dst == MEMBERS)].min()
    out = (t.src == MEMBERS) & (t.ts < first_in + 2 * HOUR)
    assert set(t.dst[out].tolist()) == set(range(MEMBERS + 1, MEMBERS + size - 1))


def test_layering_chain_hops_are_minutes_apart_and_shrink() -> None:
    """A victim's money reaches the exit in 3 to 5 hops, each minutes later and a bit smaller."""
    size = 9
    flows = internal(run("layering_chain", size))
    exit_ = MEMBERS + size - 1
    episodes = 0
    for _, hop in flows[flows.src == MEMBERS].iterrows():
        path = [hop]
        while path[-1].dst != exit_:
            nxt = flows[(flows.src == path[-1].dst) & (flows.ts > path[-1].ts)].iloc[0]
            path.append(nxt)
        gaps = np.diff([h.ts for h in path])
        assert 3 <= len(path) <= 5
        assert (gaps >= 2 * MINUTE).all() and (gaps <= 20 * MINUTE).all()
        assert all(b.cents <= a.cents for a, b in zip(path, path[1:], strict=False))
        episodes += 1
    assert episodes >= 2


def test_cycle_returns_to_its_origin() -> None:
    """Money that leaves the origin comes back to it through the other members."""
    flows = internal(run("cycle", 5))
    assert (flows.dst == MEMBERS).any() and (flows.src == MEMBERS).any()
    back = flows[flows.dst == MEMBERS].ts.min()
    assert flows[flows.src == MEMBERS].ts.min() < back


def test_scatter_gather_has_one_source_and_one_sink() -> None:
    """The source pays the middles, the middles pay the sink, nobody else pays the sink."""
    size = 8
    flows = internal(run("scatter_gather", size))
    middles = set(range(MEMBERS + 1, MEMBERS + size - 1))
    assert set(flows[flows.src == MEMBERS].dst) == middles
    assert set(flows[flows.dst == MEMBERS + size - 1].src) == middles


def test_mule_farm_shares_few_devices_and_opens_recent_accounts() -> None:
    """A farm of 24 runs from at most 4 phones, and most members were opened shortly before."""
    ev = run("mule_farm", 24)
    assert np.unique(ev.devices.device).size <= 4
    assert set(ev.devices.user.tolist()) == set(range(MEMBERS, MEMBERS + 24))
    ages = T0 - np.array(list(ev.opened.values()))
    assert len(ev.opened) >= 0.6 * 24 and (ages < 45 * DAY).all()


def test_account_takeover_fails_then_drains_within_the_new_device_limit() -> None:
    """Failed logins come before the SMS login; while the device is new, completed drains are
    at most R$200 each and R$1,000 per day."""
    ev = run("account_takeover", 6)
    lg, t = ev.logins, ev.txs
    hijacked = MEMBERS
    mine = lg.user == hijacked
    ok_at = lg.ts[mine & lg.ok].min()
    assert (lg.ts[mine & ~lg.ok] < ok_at).all() and (~lg.ok[mine]).sum() >= 2
    seen = ev.devices.registered[ev.devices.user == hijacked].min()
    drains = (t.src == hijacked) & (t.origin == DRAIN) & (t.status == 0)
    young = drains & (t.ts - seen < DAY)
    assert young.any() and t.cents[young].max() <= 20_000 and t.cents[young].sum() <= 100_000
    assert (drains & (t.ts - seen >= DAY)).any()


def test_rented_accounts_get_an_operator_phone_before_passing_money() -> None:
    """A shared phone logs into the renters a day or more before they start passing money on,
    and most of what they receive leaves within the hour."""
    size = 8
    ev = run("rented_account", size)
    renters = np.arange(MEMBERS, MEMBERS + size - 1)
    assert np.unique(ev.devices.device).size == 1
    assert (T0 - ev.devices.registered >= DAY).all()
    t = ev.txs
    got = t.cents[(t.origin == VICTIM) & np.isin(t.dst, renters)].sum()
    passed = t.cents[(t.origin == RING) & np.isin(t.src, renters)].sum()
    assert 0.85 * got <= passed <= got


@pytest.fixture(scope="module")
def scale_one(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("scale1"), scale=1)


def test_every_typology_is_present_at_scale_one(scale_one: Path) -> None:
    """The ground truth at scale 1 has rings of all eight typologies, sized 3 to 40."""
    rings = read_truth(scale_one, schema.GROUND_TRUTH_RINGS)
    assert set(rings["tipologia"]) == set(schema.TYPOLOGIES)
    sizes = rings.groupby("ring_id").size()
    assert sizes.min() >= 3 and sizes.max() <= 40


def test_rings_are_groups_in_the_written_files(scale_one: Path) -> None:
    """In the files, each ring's members are linked by transfers, shared devices or IPs."""
    users = read(scale_one, schema.USUARIOS).set_index("cpf_cnpj")["id_usuario"]
    keys = read(scale_one, schema.CHAVES).set_index("chave_pix")["cpf_cnpj"]
    tx = read(scale_one, schema.TRANSACOES)
    src = users.loc[keys.loc[tx.chave_pix_origem]].to_numpy()
    dst = users.loc[keys.loc[tx.chave_pix_destino]].to_numpy()
    devices = read(scale_one, schema.DISPOSITIVOS)
    logs = read(scale_one, schema.LOGS)
    for _, ring in read_truth(scale_one, schema.GROUND_TRUTH_RINGS).groupby("ring_id"):
        members = set(ring.id_usuario)
        g = nx.Graph()
        g.add_nodes_from(members)
        inside = np.isin(src, list(members)) & np.isin(dst, list(members))
        g.add_edges_from(zip(src[inside], dst[inside], strict=True))
        for df, col in ((devices, "id_dispositivo"), (logs, "ip")):
            shared = df[df.id_usuario.isin(members)].groupby(col).id_usuario.unique()
            for holders in shared:
                g.add_edges_from((holders[0], h) for h in holders[1:])
        assert nx.is_connected(g), ring.ring_id.iloc[0]


def test_ring_members_also_behave_normally() -> None:
    """Most ring members also make or receive ordinary payments."""
    w = world(scale=1)
    ordinary = w.txs.origin == ORDINARY
    active = np.union1d(w.txs.src[ordinary], w.txs.dst[ordinary])
    assert np.isin(w.planted.member, active).mean() > 0.6
    assert (w.txs.tipo[w.txs.ring >= 0] == TX_TYPE["saque"]).any()


def test_a_world_without_rings_can_be_generated() -> None:
    """--ring-share 0 yields a clean world: no ring members and no ring transactions."""
    w = world(scale=0.1, ring_share=0.0)
    assert w.planted.member.size == 0 and (w.txs.ring < 0).all()
