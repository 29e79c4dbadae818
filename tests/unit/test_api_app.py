"""The API app with hand-written fakes (no Neo4j): problem details, roles, masking, cursors,
the decision engine on a hand-built state, metrics labels, and the OpenAPI copy in
docs/api.md."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import pages
from api.cli import OPENAPI_BLOCK, openapi_text
from api.metrics import ApiMetrics
from api.scorer import Scorer
from api.server import ApiConfig, create_app, decision_permission
from api.tokens import TokenStore, add_token
from app import store
from app.security import DECISIONS, ROLES, User
from decide.rules import load_rules
from decide.state import Membership, State
from graph.gateway import Result
from ringwatch.settings import PROJECT_ROOT

CPF = "52998224725"
RING = {"ring_id": "R0001", "status": "open", "score": 0.9}
MEMBER = {"id_usuario": "U1", "cpf_cnpj": CPF, "nome": "Ana Souza", "amount_in": 10.0}


class FakeGraph:
    """Answers stored queries by name with canned rows and records what was asked."""

    def __init__(self, rows: Mapping[str, list[dict[str, Any]]]) -> None:
        self.rows, self.asked = rows, []

    def query(self, query: Any, params: Any = None, **_: Any) -> Result:
        name = query if isinstance(query, str) else query.name
        self.asked.append((name, dict(params or {})))
        return Result.of_rows(self.rows.get(name, []))

    def transaction(self, steps: Any, before_commit: Any = None) -> list[Result]:
        raise AssertionError("no transaction expected")

    def gds(self) -> Any:
        raise AssertionError("no GDS expected")


@pytest.fixture
def world(tmp_path):
    graph = FakeGraph(
        {
            "app/ring": [{"ring": RING, "members": 1}],
            "analyst/ring_members": [MEMBER],
            "app/decisions": [],
            "api/rings": [{"ring_id": f"R{n:04d}", "score": 0.5} for n in range(1, 4)],
        }
    )
    path = tmp_path / "tokens.toml"
    tokens = {role: add_token(path, f"{role}-1", role)[0] for role in ROLES}
    state = State()
    state.keys.update({"k-ana": CPF, "k-bia": "11144477735"})
    state.by_document.update({CPF: "U1", "11144477735": "U2"})
    state.caches.rings["U1"] = Membership("R0001", "open", "ring", 0.9)
    scorer = Scorer(graph, load_rules(), None)
    scorer.state, scorer.status.ready = state, True
    metrics = ApiMetrics()
    app = create_app(ApiConfig(), graph, scorer, TokenStore(path), metrics)
    return TestClient(app), tokens, graph, metrics


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_missing_token_is_a_401_problem(world):
    """Without a token the answer is RFC 9457 JSON with the Bearer challenge."""
    client, *_ = world
    response = client.get("/v1/rings/R0001")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "urn:ringwatch:problem:unauthorized"
    assert response.json()["instance"] == "/v1/rings/R0001"


def test_members_are_masked_for_analysts_and_shown_to_investigators(world):
    """The analyst sees ***.982.247-** and A** S*****; the investigator the real values."""
    client, tokens, *_ = world
    masked = client.get("/v1/rings/R0001", headers=auth(tokens["analyst"])).json()
    assert masked["members"][0]["cpf_cnpj"] == "***.982.247-**"
    assert masked["members"][0]["nome"] == "A** S****"
    full = client.get("/v1/rings/R0001", headers=auth(tokens["investigator"])).json()
    assert full["members"][0]["cpf_cnpj"] == CPF and full["members"][0]["nome"] == "Ana Souza"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision", DECISIONS)
def test_the_api_forbids_exactly_what_the_app_refuses(role, decision):
    """decision_permission agrees with app.store.record_decision for every role and
    decision: what the API answers 403 to, the app refuses too, and nothing else."""
    graph = FakeGraph({"app/decide_ring": [{"decision_id": "D", "at": None, "status": "x"}]})
    user = User("u", role)
    try:
        store.record_decision(graph, user, "ring", "R1", decision, "why")  # type: ignore[arg-type]
        refused = False
    except store.AppError as exc:
        refused, message = True, str(exc)
        assert "may not" in message
    assert refused == (not user.can(decision_permission(decision)))


def test_a_forbidden_ring_decision_writes_nothing(world):
    """An analyst's confirm is a 403 problem and no stored query is run for it."""
    client, tokens, graph, _ = world
    response = client.post(
        "/v1/rings/R0001/decisions",
        json={"decision": "confirm", "note": "x"},
        headers=auth(tokens["analyst"]),
    )
    assert response.status_code == 403 and response.json()["type"].endswith(":forbidden")
    assert graph.asked == []


def test_malformed_json_is_a_422_problem_with_field_errors(world):
    """A body that is not JSON, or misses a field, is a validation problem listing it."""
    client, tokens, *_ = world
    response = client.post(
        "/v1/decisions",
        content=b"{nope",
        headers={**auth(tokens["analyst"]), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "The body is not valid JSON: send one JSON object."
    missing = client.post("/v1/decisions", json={"valor": 1}, headers=auth(tokens["analyst"]))
    locs = [e["loc"] for e in missing.json()["errors"]]
    assert ["body", "id_transacao"] in locs and ["body", "timestamp"] in locs


def test_a_transfer_to_a_ring_member_is_blocked_from_memory(world):
    """The engine's rules on the hand-built state block a payment to U1 (ring R0001),
    without a single query, and count the decision in the metrics."""
    client, tokens, graph, metrics = world
    body = {
        "id_transacao": "T1",
        "timestamp": "2025-03-02T10:00:00",
        "valor": 50,
        "chave_pix_origem": "k-bia",
        "chave_pix_destino": "k-ana",
    }
    decided = client.post("/v1/decisions", json=body, headers=auth(tokens["analyst"])).json()
    assert (decided["decision"], decided["ring_id"], decided["rules"]) == (
        "block",
        "R0001",
        ["receiver_in_ring"],
    )
    assert graph.asked == []
    assert metrics.value("ringwatch_api_decisions_total", decision="block") == 1
    labels = {"endpoint": "/v1/decisions", "method": "POST", "status": "200"}
    assert metrics.value("ringwatch_api_requests_total", **labels) == 1


def test_ring_pages_carry_a_cursor_bound_to_their_filters(world):
    """A full page has a cursor that resumes after its last ring; the next query is asked
    for the ring after it; the cursor with other filters is refused."""
    client, tokens, graph, _ = world
    first = client.get("/v1/rings?limit=2", headers=auth(tokens["analyst"])).json()
    assert [r["ring_id"] for r in first["items"]] == ["R0001", "R0002"]
    client.get(f"/v1/rings?limit=2&cursor={first['next_cursor']}", headers=auth(tokens["admin"]))
    assert graph.asked[-1][1]["after"] == "R0002" and graph.asked[-1][1]["limit"] == 3
    other = client.get(
        f"/v1/rings?limit=2&status=open&cursor={first['next_cursor']}",
        headers=auth(tokens["analyst"]),
    )
    assert other.status_code == 422 and other.json()["type"].endswith(":bad-cursor")


def test_cursors_round_trip_and_reject_tampering():
    """encode/decode give back the key; a changed filter, width or text is a CursorError."""
    filters = {"decision": ["block"], "since": None}
    cursor = pages.encode(["2026-01-01T00:00:00+00:00", "T1"], filters)
    assert pages.decode(cursor, filters, 2) == ["2026-01-01T00:00:00+00:00", "T1"]
    assert pages.decode(None, filters, 2) is None
    for bad, width in ((cursor, 1), (cursor[:-3], 2), ("!!", 2)):
        with pytest.raises(pages.CursorError):
            pages.decode(bad, filters, width)
    with pytest.raises(pages.CursorError, match="other filters"):
        pages.decode(cursor, {**filters, "decision": []}, 2)


def test_a_page_has_a_cursor_only_when_more_rows_were_found():
    """limit + 1 rows fetched: a cursor; exactly limit rows: the last page."""
    rows = [{"id": str(n)} for n in range(3)]
    assert pages.page_of(rows, 2, lambda r: (r["id"],), {}).next_cursor is not None
    assert pages.page_of(rows[:2], 2, lambda r: (r["id"],), {}).next_cursor is None


def test_docs_api_md_holds_the_current_openapi_document():
    """docs/api.md embeds the OpenAPI document the app generates, as it is now."""
    text = (PROJECT_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    found = OPENAPI_BLOCK.search(text)
    assert found, "docs/api.md has no OpenAPI block between the openapi markers"
    assert found.group(1) == openapi_text(), (
        "docs/api.md's OpenAPI copy is stale: run `ringwatch api --openapi docs/api.md`"
    )


def test_alert_times_in_cursors_are_utc_text():
    """The alerts' cursor key is the decided_at instant as UTC ISO text."""
    from api.server import _utc

    assert _utc(datetime(2026, 1, 1, 9, 0)) == "2026-01-01T09:00:00+00:00"
    assert _utc(None) is None
