"""The REST API on a real uvicorn server (`ringwatch api` in a subprocess) against the real
Neo4j: tokens and roles, masking, problem details, stable cursor pagination, audited ring
decisions, synchronous transfer decisions (a planted ring member is blocked, a ring planted
after start is picked up by the cache refresh) and Prometheus metrics."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api import tokens
from graph.queries import inline
from ingest.bulk import load_directory
from ringwatch.settings import PROJECT_ROOT
from tests.integration.test_stream_load import WIPE, write_small_dataset

pytestmark = pytest.mark.integration

RING = "R990001"
MEMBER, MEMBER_KEY = "U0000002", "u1@x.com"  # the small dataset's second account
PLANT = """
UNWIND $rings AS ring
MATCH (a:Account {id_usuario: ring.member})
MERGE (r:Ring {ring_id: ring.id})
SET r.status = 'open', r.kind = 'ring', r.current = true, r.score = ring.score, r.size = 1
MERGE (a)-[:MEMBER_OF]->(r)
"""
NEW_RUN = """
MATCH (a:Account {id_usuario: $member})
MERGE (r:Ring {ring_id: $ring})
SET r.status = 'open', r.kind = 'ring', r.current = true, r.score = 0.8
MERGE (a)-[:MEMBER_OF]->(r)
CREATE (:DetectionRun {run_id: $ring, outcome: 'succeeded', ended: datetime()})
"""
DELETE_RING = "MATCH (r:Ring {ring_id: $ring}) DETACH DELETE r"
ALERT_COUNT = "MATCH (al:Alert {id_transacao: $id}) RETURN count(al) AS n"
AUDITED = """
MATCH (e:AuditEvent {action: 'decision', user: $user})
WHERE e.detail CONTAINS $ring
RETURN count(e) AS n, min(e.seq) AS seq
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alert_rows(count: int) -> list[dict[str, Any]]:
    """Alerts decided in groups of three at the same instant (ties on decided_at)."""
    base = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    rows = []
    for i in range(count):
        rows.append(
            {
                "alert_id": f"TA{i:06d}",
                "id_transacao": f"TA{i:06d}",
                "decision": "block" if i % 2 else "review",
                "score": 0.95 if i % 2 else 0.6,
                "rules": ["receiver_in_ring"] if i % 2 else ["velocity"],
                "reasons": [f"Reason {i}."],
                "ring_id": RING if i % 2 else None,
                "sender": "U0000005",
                "receiver": MEMBER if i % 2 else "U0000007",
                "amount": 10.0 + i,
                "transfer_time": "2025-03-02T10:00:00",
                "rules_version": "test",
                "engine_version": "decide-1",
                "decided_at": (base + timedelta(seconds=i // 3)).isoformat(),
            }
        )
    return rows


@pytest.fixture(scope="module")
def world(gateway, tmp_path_factory) -> Path:
    """The small dataset, 25 planted rings (R990001 holds U0000002) and 30 stored alerts."""
    directory = write_small_dataset(tmp_path_factory.mktemp("api") / "data")
    gateway.query(inline(WIPE))
    load_directory(gateway, directory, progress=False, say=lambda _: None)
    rings = [
        {"id": f"R99{n:04d}", "member": f"U{n + 1:07d}", "score": round(0.5 + n / 100, 2)}
        for n in range(1, 26)
    ]
    gateway.query(inline(PLANT), {"rings": rings})
    gateway.query("decide/write_alerts", {"rows": _alert_rows(30)})
    return directory


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Any]:
    """A tokens file with one token per role, an expired one and one to revoke."""
    path = tmp_path_factory.mktemp("tokens") / "api-tokens.toml"
    out: dict[str, Any] = {"path": path}
    for role in ("analyst", "investigator", "admin"):
        out[role], _ = tokens.add_token(path, f"{role}-bot", role)
    out["expired"], _ = tokens.add_token(
        path, "old-bot", "admin", days=1, now=datetime.now(UTC) - timedelta(days=2)
    )
    out["revoked"], out["revoked_entry"] = tokens.add_token(path, "gone-bot", "admin")
    return out


@pytest.fixture(scope="module")
def server(world, keys, tmp_path_factory) -> Iterator[str]:
    """`ringwatch api` on a free port, its caches checked every half second."""
    port = _free_port()
    models = tmp_path_factory.mktemp("models")
    log = (tmp_path_factory.mktemp("log") / "api.log").open("wb")
    command = [sys.executable, "-m", "ringwatch.cli", "api", "--port", str(port)]
    command += ["--tokens-file", str(keys["path"]), "--models-dir", str(models)]
    command += ["--refresh-check", "0.5"]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            assert process.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, "the API was not ready in 120 s"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).json().get("ready"):
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def call(
    server: str, method: str, path: str, token: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, server + path, headers=headers, timeout=30, **kwargs)


def ring_decision(server: str, token: str, path: str, decision: str, note: str) -> httpx.Response:
    return call(server, "POST", path, token, json={"decision": decision, "note": note})


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"urn:ringwatch:problem:{slug}" and body["status"] == status
    assert body["title"] and body["detail"] and body["instance"]
    return body


def transfer(n: int, dst: str, src: str = "u5@x.com") -> dict[str, Any]:
    return {
        "id_transacao": f"TX{n:08d}",
        "timestamp": "2025-03-02T10:15:00-03:00",
        "valor": 25.0,
        "chave_pix_origem": src,
        "chave_pix_destino": dst,
    }


def test_missing_bad_expired_and_revoked_tokens_get_401(server, keys):
    """No header, a malformed token, a well-formed unknown one, an expired one and one
    revoked while the server runs all get 401 problem details with WWW-Authenticate."""
    body = assert_problem(call(server, "GET", "/v1/rings"), 401, "unauthorized")
    assert "Authorization: Bearer" in body["detail"]
    forged = "rw_0123456789ab_" + "A" * 43
    for token in ("not-a-token", forged, keys["expired"]):
        response = call(server, "GET", "/v1/rings", token)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
    assert call(server, "GET", "/v1/rings", keys["revoked"]).status_code == 200
    tokens.revoke_token(keys["path"], keys["revoked_entry"].token_id)
    assert_problem(call(server, "GET", "/v1/rings", keys["revoked"]), 401, "unauthorized")


def test_personal_data_is_masked_for_analysts_only(server, keys, gateway):
    """A ring's members and an account's holder show CPF and name masked to an analyst and
    in full to an investigator, as in the app."""
    doc = gateway.query(
        inline("MATCH (:Account {id_usuario: $id})-[:HELD_BY]->(h) RETURN h.cpf_cnpj AS d"),
        {"id": MEMBER},
    ).rows[0]["d"]
    masked = call(server, "GET", f"/v1/rings/{RING}", keys["analyst"]).json()
    full = call(server, "GET", f"/v1/rings/{RING}", keys["investigator"]).json()
    assert full["members"][0]["cpf_cnpj"] == doc and full["members"][0]["nome"] == "Pessoa 1"
    assert masked["members"][0]["cpf_cnpj"] == f"***.{doc[3:6]}.{doc[6:9]}-**"
    assert masked["members"][0]["nome"] == "P***** 1"
    assert masked["member_count"] == 1 and masked["ring"]["ring_id"] == RING

    account = call(server, "GET", f"/v1/accounts/{MEMBER}", keys["analyst"]).json()
    assert account["cpf_cnpj"] == f"***.{doc[3:6]}.{doc[6:9]}-**"
    assert account["nome"] == "P***** 1" and doc not in str(account)
    assert [r["ring_id"] for r in account["rings"]] == [RING]
    account = call(server, "GET", f"/v1/accounts/{MEMBER}", keys["investigator"]).json()
    assert account["cpf_cnpj"] == doc and account["account"]["id_usuario"] == MEMBER


def test_unknown_ring_account_and_route_get_404(server, keys):
    """Missing ring, missing account and an unknown path are 404 problem details."""
    token = keys["analyst"]
    assert_problem(call(server, "GET", "/v1/rings/R000000", token), 404, "not-found")
    assert_problem(call(server, "GET", "/v1/accounts/U9999999", token), 404, "not-found")
    assert_problem(call(server, "GET", "/v1/nothing", token), 404, "not-found")
    response = ring_decision(
        server, keys["investigator"], "/v1/rings/R000000/decisions", "confirm", "x"
    )
    assert_problem(response, 404, "not-found")


def test_malformed_json_and_invalid_values_get_422(server, keys):
    """Broken JSON, a negative amount, an unknown field and a bad query value give 422
    validation problems naming the field; the server keeps working."""
    token = keys["analyst"]
    broken = httpx.post(
        server + "/v1/decisions",
        content=b'{"id_transacao": "T1", ',
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    body = assert_problem(broken, 422, "validation")
    assert "not valid JSON" in body["detail"] and body["errors"]
    negative = call(
        server, "POST", "/v1/decisions", token, json={**transfer(1, "u7@x.com"), "valor": -5}
    )
    body = assert_problem(negative, 422, "validation")
    assert body["errors"][0]["loc"] == ["body", "valor"] and "> 0" in body["detail"]
    extra = call(server, "POST", "/v1/decisions", token, json={**transfer(1, "u7@x.com"), "x": 1})
    assert_problem(extra, 422, "validation")
    bad_query = call(server, "GET", "/v1/alerts?decision=maybe", token)
    assert_problem(bad_query, 422, "validation")
    assert call(server, "GET", "/v1/alerts", token).status_code == 200


def test_ring_decisions_are_audited_and_forbidden_ones_get_403(server, keys, gateway):
    """An analyst may escalate but not confirm (403, nothing written); an investigator
    confirms: the ring's status changes, the decision is in its history and in the audit
    chain under the token's user."""
    ring = "R990003"
    refused = ring_decision(
        server, keys["analyst"], f"/v1/rings/{ring}/decisions", "confirm", "looks bad"
    )
    assert_problem(refused, 403, "forbidden")
    escalated = ring_decision(
        server, keys["analyst"], f"/v1/rings/{ring}/decisions", "escalate", "needs an investigator"
    )
    assert escalated.status_code == 201, escalated.text
    assert escalated.json()["status"] == "escalated"
    confirmed = ring_decision(
        server,
        keys["investigator"],
        f"/v1/rings/{ring}/decisions",
        "confirm",
        "shared device, 4-hop layering",
    )
    assert confirmed.status_code == 201, confirmed.text
    detail = call(server, "GET", f"/v1/rings/{ring}", keys["analyst"]).json()
    assert detail["ring"]["status"] == "confirmed"
    assert [d["decision"] for d in detail["decisions"]] == ["confirm", "escalate"]
    assert [d["user"] for d in detail["decisions"]] == ["investigator-bot", "analyst-bot"]
    for user in ("analyst-bot", "investigator-bot"):
        audited = gateway.query(inline(AUDITED), {"user": user, "ring": ring}).rows[0]
        assert audited["n"] == 1 and audited["seq"] >= 1
    empty_note = ring_decision(
        server, keys["investigator"], f"/v1/rings/{ring}/decisions", "dismiss", "   "
    )
    assert_problem(empty_note, 422, "validation")


def _walk(server: str, token: str, path: str, limit: int, between: Any = None) -> list[str]:
    """Every item id of a list endpoint, page by page; ``between`` runs after page 1."""
    ids: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = call(server, "GET", path, token, params=params).json()
        ids += [item.get("alert_id") or item["ring_id"] for item in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if pages == 1 and between is not None:
            between()
        if cursor is None:
            return ids
        assert pages < 100


def test_pagination_is_stable_while_items_come_and_go(server, keys, gateway):
    """Walking rings 7 at a time while a ring is added before the cursor and one after it
    returns every ring that existed throughout exactly once; alerts 4 at a time, with ties
    on decided_at, likewise; a cursor used with other filters is refused."""
    token = keys["analyst"]
    everything = [
        r["ring_id"] for r in call(server, "GET", "/v1/rings?limit=1000", token).json()["items"]
    ]
    assert everything == sorted(everything) and len(everything) == 25

    def churn() -> None:
        new = [("R980000", "U0000040"), ("R999999", "U0000041")]
        rings = [{"id": ring, "member": member, "score": 0.9} for ring, member in new]
        gateway.query(inline(PLANT), {"rings": rings})

    try:
        walked = _walk(server, token, "/v1/rings", 7, churn)
    finally:
        for ring in ("R980000", "R999999"):
            gateway.query(inline(DELETE_RING), {"ring": ring})
    assert len(walked) == len(set(walked))
    assert set(everything) <= set(walked) and "R980000" not in walked and "R999999" in walked

    alerts = _walk(server, token, "/v1/alerts", 4)
    assert alerts == [f"TA{i:06d}" for i in range(30)]
    blocks = call(server, "GET", "/v1/alerts?decision=block&limit=1000", token).json()["items"]
    assert [a["alert_id"] for a in blocks] == [f"TA{i:06d}" for i in range(1, 30, 2)]
    assert all(a["ring_id"] == RING for a in blocks)
    mine = call(server, "GET", "/v1/alerts", token, params={"account": "U0000007"}).json()
    assert len(mine["items"]) == 15

    first = call(server, "GET", "/v1/alerts?limit=4", token).json()
    other = call(
        server,
        "GET",
        "/v1/alerts",
        token,
        params={"cursor": first["next_cursor"], "decision": "block"},
    )
    assert_problem(other, 422, "bad-cursor")
    assert_problem(call(server, "GET", "/v1/alerts?cursor=%%%", token), 422, "bad-cursor")


def test_a_transfer_to_a_ring_member_is_blocked_with_the_ring_id(server, keys, gateway):
    """POST /v1/decisions blocks a transfer to the planted ring's member naming the ring,
    allows an ordinary one, and writes no Alert node; a ring planted with a new detection
    run after start is picked up by the cache refresh."""
    token = keys["analyst"]
    blocked = call(server, "POST", "/v1/decisions", token, json=transfer(1, MEMBER_KEY))
    assert blocked.status_code == 200, blocked.text
    body = blocked.json()
    assert (body["decision"], body["ring_id"], body["receiver"]) == ("block", RING, MEMBER)
    assert "receiver_in_ring" in body["rules"] and RING in body["reasons"][0]
    assert body["transfer_time"] == "2025-03-02T10:15:00"
    allowed = call(server, "POST", "/v1/decisions", token, json=transfer(2, "u45@x.com"))
    assert allowed.json()["decision"] == "allow" and allowed.json()["rules"] == []
    assert gateway.query(inline(ALERT_COUNT), {"id": "TX00000001"}).rows[0]["n"] == 0

    gateway.query(inline(NEW_RUN), {"member": "U0000046", "ring": "R970000"})
    deadline = time.monotonic() + 20
    while True:
        late = call(server, "POST", "/v1/decisions", token, json=transfer(3, "u45@x.com")).json()
        if late["decision"] == "block":
            break
        assert time.monotonic() < deadline, "the new ring was not picked up in 20 s"
        time.sleep(0.5)
    assert late["ring_id"] == "R970000"
    gateway.query(inline(DELETE_RING), {"ring": "R970000"})


def test_metrics_parse_as_prometheus_text(server, keys):
    """/metrics is Prometheus text with request counts and latency histograms labelled by
    endpoint template and status, and decisions per verdict."""
    call(server, "POST", "/v1/decisions", keys["analyst"], json=transfer(9, MEMBER_KEY))
    call(server, "GET", "/v1/rings/R000000", keys["analyst"])
    text = call(server, "GET", "/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    decided = ("endpoint", "/v1/decisions"), ("method", "POST"), ("status", "200")
    assert samples[("ringwatch_api_requests_total", decided)] >= 1
    assert samples[("ringwatch_api_request_seconds_count", decided)] >= 1
    bucket = tuple(sorted({**dict(decided), "le": "0.02"}.items()))
    assert ("ringwatch_api_request_seconds_bucket", bucket) in samples
    missing = ("endpoint", "/v1/rings/{ring_id}"), ("method", "GET"), ("status", "404")
    assert samples[("ringwatch_api_requests_total", missing)] >= 1
    assert samples[("ringwatch_api_decisions_total", (("decision", "block"),))] >= 1
    assert families["ringwatch_api_request_seconds"].type == "histogram"
    assert samples[("ringwatch_api_state_ready", ())] == 1


def test_openapi_ui_is_served(server):
    """The OpenAPI UI answers at /docs and the document at /openapi.json."""
    assert "swagger-ui" in httpx.get(server + "/docs").text.lower()
    paths = httpx.get(server + "/openapi.json").json()["paths"]
    assert "/v1/decisions" in paths and "/v1/rings/{ring_id}/decisions" in paths
