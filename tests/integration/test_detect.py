"""Ring detection against the real Neo4j + GDS: GDS WCC agrees with networkx, the GDS run
finds what the pure core finds, ids are stable across runs, a failed run keeps the previous
rings, runs cannot overlap, and a dry run writes nothing."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from detectors import export, linked, pipeline, store
from detectors.config import DetectionConfig
from detectors.run import detect_once
from graph.queries import inline
from tests.unit.test_detect_rings import world

pytestmark = pytest.mark.integration

WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def _load(gateway, inputs) -> None:
    """Write a hand-built world (accounts, PIX edges, identifiers, one fraud) to Neo4j."""
    gateway.query(inline(WIPE))
    tr = inputs.transfers
    accounts = sorted(set(tr["src"]) | set(tr["dst"]) | set(inputs.identifiers["account"]))
    opened = inputs.accounts.set_index("account")["opened"]
    gateway.query(
        inline(
            "UNWIND $rows AS r CREATE (a:Account {id_usuario: r.id}) SET a.data_cadastro = "
            "CASE WHEN r.opened IS NULL THEN localdatetime('2019-01-01T00:00')"
            " ELSE localdatetime(r.opened) END"
        ),
        {"rows": [{"id": a, "opened": opened[a].isoformat() if a in opened else None}
                  for a in accounts]},
    )  # fmt: skip
    rows = [
        {"s": s, "d": d, "ts": t.isoformat(), "v": float(v), "id": f"T{i:06d}"}
        for i, (s, d, t, v) in enumerate(tr[["src", "dst", "ts", "amount"]].itertuples(index=False))
    ]
    gateway.query(
        inline(
            "UNWIND $rows AS r MATCH (s:Account {id_usuario: r.s}), (d:Account {id_usuario: r.d}) "
            "CREATE (s)-[:PIX {id_transacao: r.id, valor: r.v, timestamp: localdatetime(r.ts), "
            "status: 'concluida'}]->(d) "
            "CREATE (:Transaction {id_transacao: r.id, valor: r.v, timestamp: localdatetime(r.ts)})"
        ),
        {"rows": rows},
    )
    ids = inputs.identifiers
    link_identifier = {
        "device": "UNWIND $rows AS r MATCH (a:Account {id_usuario: r.a}) "
        "MERGE (x:Device {id_dispositivo: r.i}) MERGE (a)-[:REGISTERED_DEVICE]->(x)",
        "phone": "UNWIND $rows AS r MATCH (a:Account {id_usuario: r.a}) "
        "MERGE (x:Phone {number: r.i}) MERGE (a)-[:HAS_PHONE]->(x)",
    }
    for kind, cypher in link_identifier.items():
        part = ids[ids["kind"] == kind]
        pairs = zip(part["account"], part["identifier"], strict=True)
        gateway.query(inline(cypher), {"rows": [{"a": a, "i": i} for a, i in pairs]})
    first_into_a = next(r["id"] for r in rows if r["d"] == "A")
    gateway.query(
        inline(
            "MATCH (t:Transaction {id_transacao: $id}) "
            "CREATE (:Fraud {id_fraude: 'F000001', status: 'confirmada'})-[:REPORTS]->(t)"
        ),
        {"id": first_into_a},
    )


@pytest.fixture(scope="module")
def loaded(gateway):
    inputs = world()
    _load(gateway, inputs)
    yield inputs
    gateway.query(inline(WIPE))


def _rings(gateway) -> dict[str, tuple[set[str], str]]:
    rows = gateway.query(
        inline(
            "MATCH (g:Ring) RETURN g.ring_id AS id, g.status AS status, "
            "COLLECT { MATCH (g)<-[:MEMBER_OF]-(a) RETURN a.id_usuario } AS members"
        )
    ).rows
    return {r["id"]: (set(r["members"]), r["status"]) for r in rows}


def _clear_results(gateway) -> None:
    gateway.query(
        inline("MATCH (n) WHERE n:Ring OR n:DetectionRun OR n:DetectionLock DETACH DELETE n")
    )


def test_linked_clusters_agree_with_networkx(loaded):
    """Linked-account clusters of the exported identifiers equal networkx components of the
    same links."""
    ids = loaded.identifiers
    got = linked.components(ids, DetectionConfig())
    graph = nx.Graph()
    graph.add_edges_from(zip(ids["account"], ids["kind"] + ":" + ids["identifier"], strict=True))
    expected = sorted(
        sorted(a for a in comp if ":" not in a) for comp in nx.connected_components(graph)
    )
    assert sorted(got.groupby("cluster")["account"].apply(sorted).tolist()) == expected


def test_gds_run_finds_the_rings_the_pure_core_finds(gateway, loaded):
    """Exported from Neo4j and run with GDS, detection yields the same rings as in memory."""
    cfg = DetectionConfig()
    over_neo4j = pipeline.run(gateway, cfg, use_gds=True)
    in_memory = pipeline.find_rings(loaded, cfg)

    def groups(result):
        rings = result.rings[result.rings["kind"] == "ring"]
        return sorted(sorted(m) for m in rings["members"])

    assert groups(over_neo4j) == groups(in_memory)
    assert {"A", "B", "C", "D", "E"} in [set(g) for g in groups(over_neo4j)]


def test_a_run_over_two_windows_reports_each_ring_once(gateway, loaded):
    """With windows shorter than the history (8 days, overlapping by 7, over 9 days), the run
    covers it in two windows; every ring of the one-window run is among the rings found, and
    no ring is reported twice."""
    one = pipeline.run(gateway, DetectionConfig(), use_gds=True)
    two = pipeline.run(gateway, DetectionConfig(window_days=8, trace_max_days=7), use_gds=True)
    assert two.counts["windows"] == 2
    found = [set(m) for m in two.rings[two.rings["kind"] == "ring"]["members"]]
    for ring in one.rings[one.rings["kind"] == "ring"]["members"]:
        assert any(len(set(ring) & f) / len(set(ring) | f) >= 0.5 for f in found)
    for i, a in enumerate(found):
        assert all(len(a & b) / len(a | b) < 0.5 for b in found[i + 1 :])


def _pair_key(tr: pd.DataFrame) -> pd.Series:
    """Each transfer's unordered account pair as one string."""
    low = tr["src"].where(tr["src"] < tr["dst"], tr["dst"])
    return low + "|" + tr["dst"].where(tr["src"] < tr["dst"], tr["src"])


def test_a_window_is_told_its_pairs_transfers_outside_it(gateway, loaded):
    """For a window of days 3 to 6 of the 9-day history, the stored query gives each pair of
    the window its transfers outside the window (either direction), as counted from the
    transfers themselves; pairs without any outside are left out."""
    tr = loaded.transfers
    since, until = pd.Timestamp("2025-04-03"), pd.Timestamp("2025-04-06")
    inside = (tr["ts"] >= since) & (tr["ts"] < until)
    pair = _pair_key(tr)
    outside_counts = pair[~inside].value_counts()
    expected = {
        (s, d): int(outside_counts[k])
        for s, d, k in zip(tr["src"][inside], tr["dst"][inside], pair[inside], strict=True)
        if k in outside_counts.index and s != d
    }
    got = export.outside_pairs(gateway, since.isoformat(), until.isoformat())
    assert expected  # the world has relationships that cross the window's edges
    assert dict(zip(zip(got["src"], got["dst"], strict=True), got["transfers"], strict=True)) == (
        expected
    )


def test_a_window_is_told_its_accounts_pace_outside_it(gateway, loaded):
    """For a window of days 3 to 6 of the 9-day history, the stored query gives each account
    of the window its one-off counterparties outside the window (pairs with a single transfer
    in the whole history, in and out) and the days it was active before and after the window,
    as counted from the transfers themselves."""
    tr = loaded.transfers[loaded.transfers["src"] != loaded.transfers["dst"]]
    since, until = pd.Timestamp("2025-04-03"), pd.Timestamp("2025-04-06")
    inside = (tr["ts"] >= since) & (tr["ts"] < until)
    pair = _pair_key(tr)
    lone = tr[pair.map(pair.value_counts()).eq(1) & ~inside]
    held = set(tr["src"][inside]) | set(tr["dst"][inside])
    ends = (
        pd.concat(
            [
                tr[["src", "ts"]].set_axis(["a", "ts"], axis=1),
                tr[["dst", "ts"]].set_axis(["a", "ts"], axis=1),
            ]
        )
        .groupby("a")["ts"]
        .agg(["min", "max"])
    )
    day = pd.Timedelta(days=1)
    expected = {}
    for a in held:
        first, last = ends.loc[a, "min"], ends.loc[a, "max"]
        days = max((min(last, since) - first) / day, 0) + max((last - max(first, until)) / day, 0)
        ins, outs = int((lone["dst"] == a).sum()), int((lone["src"] == a).sum())
        if ins or outs or days:
            expected[a] = (ins, outs, round(days, 6))
    got = export.outside_pace(gateway, since.isoformat(), until.isoformat())
    assert any(v[0] or v[1] for v in expected.values())  # one-offs outside the window exist
    assert {
        a: (i, o, round(d, 6))
        for a, i, o, d in zip(
            got["account"], got["one_off_in"], got["one_off_out"], got["days"], strict=True
        )
    } == expected


def test_companies_are_the_accounts_held_by_a_pj_holder(gateway, loaded):
    """The stored query lists the accounts whose holder is a company (tipo_pessoa PJ, as the
    loaders set it for a CNPJ), and not those held by a person or by no known holder."""
    gateway.query(
        inline(
            "MATCH (a:Account {id_usuario: 'A'}), (b:Account {id_usuario: 'B'}) "
            "CREATE (a)-[:HELD_BY]->(:Holder {cpf_cnpj: '11222333000181', tipo_pessoa: 'PJ'}) "
            "CREATE (b)-[:HELD_BY]->(:Holder {cpf_cnpj: '52998224725', tipo_pessoa: 'PF'})"
        )
    )
    try:
        assert list(export.companies(gateway)) == ["A"]
    finally:
        gateway.query(inline("MATCH (h:Holder) DETACH DELETE h"))


def test_dry_run_writes_nothing(gateway, loaded):
    """--dry-run streams the rings but creates no Ring or DetectionRun node."""
    _clear_results(gateway)
    lines: list[str] = []
    detect_once(gateway, DetectionConfig(), dry_run=True, say=lines.append)
    assert lines and '"kind": "ring"' in lines[0]
    count = gateway.query(
        inline("MATCH (n) WHERE n:Ring OR n:DetectionRun RETURN count(n) AS n")
    ).rows
    assert count[0]["n"] == 0


def test_ids_are_stable_and_decided_status_survives_a_new_run(gateway, loaded):
    """A second run over the same graph keeps every ring id; a confirmed ring stays confirmed."""
    _clear_results(gateway)
    detect_once(gateway, DetectionConfig(), say=lambda _: None)
    first = _rings(gateway)
    chain_id = next(rid for rid, (m, _) in first.items() if "A" in m)
    gateway.query(
        inline("MATCH (g:Ring {ring_id: $id}) SET g.status = 'confirmed'"), {"id": chain_id}
    )
    detect_once(gateway, DetectionConfig(), say=lambda _: None)
    second = _rings(gateway)
    assert {k: v[0] for k, v in second.items()} == {k: v[0] for k, v in first.items()}
    assert second[chain_id][1] == "confirmed"
    runs = gateway.query(inline("MATCH (r:DetectionRun) RETURN r.outcome AS o")).rows
    assert [r["o"] for r in runs] == ["succeeded", "succeeded"]


def test_failed_run_keeps_the_previous_rings(gateway, loaded):
    """A run failing after its writes but before commit changes nothing; a run failing in
    detection is recorded as failed and the rings stay."""
    _clear_results(gateway)
    detect_once(gateway, DetectionConfig(), say=lambda _: None)
    before = _rings(gateway)
    result = pipeline.find_rings(loaded, DetectionConfig())
    result.rings = result.rings.iloc[:1]  # a run that would retire most rings

    def boom() -> None:
        raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        store.write(gateway, "RUN-broken", result, DetectionConfig(), before_commit=boom)
    assert _rings(gateway) == before

    original = pipeline.run
    try:
        pipeline.run = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("export failed"))
        with pytest.raises(RuntimeError):
            detect_once(gateway, DetectionConfig(), say=lambda _: None)
    finally:
        pipeline.run = original
    assert _rings(gateway) == before
    outcomes = gateway.query(
        inline("MATCH (r:DetectionRun) RETURN r.outcome AS o, r.error AS e")
    ).rows
    assert sorted(r["o"] for r in outcomes) == ["failed", "succeeded"]
    assert any("export failed" in (r["e"] or "") for r in outcomes)


def test_a_second_run_cannot_start_while_one_holds_the_lock(gateway, loaded):
    """While a run holds the database lock, another run is refused; after it, runs work."""
    _clear_results(gateway)
    cfg = DetectionConfig()
    with store.run_lock(gateway, "RUN-holder", cfg), pytest.raises(store.LockBusy):
        detect_once(gateway, cfg, say=lambda _: None)
    detect_once(gateway, cfg, say=lambda _: None)
    running = gateway.query(
        inline("MATCH (r:DetectionRun) RETURN r.run_id AS id, r.outcome AS o ORDER BY r.started")
    ).rows
    assert pd.DataFrame(running)["o"].tolist() == ["running", "succeeded"]
