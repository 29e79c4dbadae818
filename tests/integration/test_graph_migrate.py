"""The USED_DEVICE summaries the loaders keep (one per account and device that logged in):
readers that use them return what walking every login returned, and `ringwatch graph
migrate` builds them for a graph loaded before the loaders kept them."""

from __future__ import annotations

import pytest

from graph import migrations
from graph.gateway import apply_schema
from graph.queries import inline
from ingest.bulk import load_directory
from ringwatch.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

FIXTURES = PROJECT_ROOT / "data" / "fixtures"
WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"

# What the readers did before the summaries existed: walk every login.
TAKEOVERS_BY_WALK = """
MATCH (bad:Login {status: 'falha'})-[:BY]->(a:Account)
WITH a, count(bad) AS total_failures WHERE total_failures >= $min_failures
MATCH (a)<-[:BY]-(ok:Login {status: 'sucesso'})-[:ON_DEVICE]->(d:Device)
WHERE NOT EXISTS {
  MATCH (a)<-[:BY]-(prev:Login {status: 'sucesso'})-[:ON_DEVICE]->(d)
  WHERE prev.timestamp < ok.timestamp
}
  AND EXISTS {
  MATCH (a)<-[:BY]-(older:Login {status: 'sucesso'})
  WHERE older.timestamp < ok.timestamp - duration({hours: 24})
}
CALL (a, ok) {
  MATCH (a)<-[:BY]-(bad:Login {status: 'falha'})
  WHERE ok.timestamp - duration({hours: 24}) <= bad.timestamp < ok.timestamp
  RETURN count(bad) AS failures
}
WITH a, ok, failures WHERE failures >= $min_failures
RETURN a.id_usuario AS account, max(failures) AS failures,
       toString(min(ok.timestamp)) AS new_device_at
"""
LINKS_BY_WALK = """
MATCH (a:Account)<-[:BY]-(l:Login)-[:ON_DEVICE]->(d:Device)
RETURN a.id_usuario AS id_usuario, d.id_dispositivo AS device,
       min(datetime({datetime: l.timestamp, timezone: 'UTC'}).epochSeconds) AS first_seen,
       count(l) AS logins, sum(CASE WHEN l.status = 'falha' THEN 1 ELSE 0 END) AS failed
"""
DEVICE_ACCOUNTS_BY_WALK = """
MATCH (d:Device)
CALL (d) {
  MATCH (d)<-[:REGISTERED_DEVICE]-(a:Account) RETURN a
  UNION
  MATCH (d)<-[:ON_DEVICE]-(:Login)-[:BY]->(a:Account) RETURN a
}
RETURN d.id_dispositivo AS device, a.id_usuario AS account
"""
LINKS_BY_SUMMARY = """
MATCH (a:Account)-[u:USED_DEVICE]->(d:Device)
RETURN a.id_usuario AS id_usuario, d.id_dispositivo AS device,
       datetime({datetime: u.first_seen, timezone: 'UTC'}).epochSeconds AS first_seen,
       u.logins AS logins, u.failed AS failed
"""


def rows(result) -> list[tuple]:
    return sorted(tuple(r.values()) for r in result.rows)


@pytest.fixture(scope="module")
def loaded(gateway):
    gateway.query(inline(WIPE))
    load_directory(gateway, FIXTURES, progress=False)
    return gateway


def test_summaries_match_the_logins_they_summarise(loaded):
    """Each account's USED_DEVICE to a device holds the first login, the logins and the
    failures that its Login nodes give."""
    by_walk = rows(loaded.query(inline(LINKS_BY_WALK), mode="read"))
    assert len(by_walk) > 100  # the fixtures log in from many devices
    assert rows(loaded.query(inline(LINKS_BY_SUMMARY), mode="read")) == by_walk


def test_takeover_and_shared_device_queries_return_what_the_login_walk_returned(loaded):
    """Detection's takeover logins and shared devices, read from the summaries, equal the
    old queries that walked every login (the fixtures hold planted takeovers)."""
    params = {"min_failures": 2}
    walked = rows(loaded.query(inline(TAKEOVERS_BY_WALK), params, mode="read"))
    assert walked  # the fixtures exercise the query
    assert rows(loaded.query("detectors/takeover_logins", params, mode="read")) == walked
    pairs = rows(loaded.query(inline(DEVICE_ACCOUNTS_BY_WALK), mode="read"))
    shared = loaded.query("detectors/identifiers_devices", {"device_cap": 10_000}, mode="read")
    found = sorted((r["identifier"], a) for r in shared.rows for a in r["accounts"])
    linked: dict[str, list[str]] = {}
    for device, account in pairs:
        linked.setdefault(device, []).append(account)
    expected = sorted((d, a) for d, held in linked.items() if len(held) >= 2 for a in held)
    assert expected and found == expected


def test_migrate_rebuilds_the_summaries_of_an_older_graph(loaded):
    """With the summaries deleted (a graph an older ringwatch loaded), applying the schema
    stops with the command to run; the backfill, in pages smaller than the accounts, then
    gives back the same graph, and running it again changes nothing."""
    before = {r["item"]: r["value"] for r in loaded.query("admin/graph_fingerprint").rows}
    assert before["rels:USED_DEVICE"] > 100
    loaded.query(inline("MATCH ()-[u:USED_DEVICE]->() DELETE u"))
    with pytest.raises(migrations.GraphModelOutdated, match="ringwatch graph migrate"):
        apply_schema(loaded)
    seen: list[int] = []
    written = migrations.backfill_used_device(loaded, page=37, progress=lambda n, _: seen.append(n))
    assert written == before["rels:USED_DEVICE"] and len(seen) > 2
    assert seen == sorted(seen) and seen[-1] == before["nodes:Account"]
    apply_schema(loaded)  # no longer outdated
    after = {r["item"]: r["value"] for r in loaded.query("admin/graph_fingerprint").rows}
    assert after == before
    migrations.backfill_used_device(loaded)
    again = {r["item"]: r["value"] for r in loaded.query("admin/graph_fingerprint").rows}
    assert again == before
