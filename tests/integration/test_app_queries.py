"""The app's stored queries (cypher/app/) on a small hand-built graph: every query runs, and the
reads, decisions, audit events and money trail behave as the pages expect.

``build_app_graph`` is also used by the browser tests: it loads a few dozen accounts through the
real bulk loader and adds rings, detection runs and GNN scores as the detectors and the GNN
would store them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from app import security, store
from app.security import User
from app.trail import money_trail
from data import schema
from graph import queries
from graph.queries import inline
from ingest.bulk import load_directory

pytestmark = pytest.mark.integration

T0 = datetime(2025, 3, 3, 9, 0, 0)
NAMES = [
    "Ana Souza", "Bruno Lima", "Carla Dias", "Diego Alves", "Elisa Rocha", "Fabio Nunes",
    "Gabriela Melo", "Heitor Pires", "Iara Costa", "Joao Farias", "Karen Lopes", "Lucas Ramos",
    "Marina Teles", "Nelson Cruz", "Olivia Reis", "Paulo Brito", "Quitéria Sá", "Rafael Gomes",
    "Sofia Moura", "Tiago Vieira", "Ursula Prado", "Vitor Borges", "Wanda Freitas", "Yuri Campos",
]  # fmt: skip


def cpf(n: int) -> str:
    """A valid CPF built from a 9-digit base (check digits computed as the Receita does)."""
    digits = [int(c) for c in f"{100000000 + n * 7919:09d}"[:9]]
    for width in (10, 11):
        rest = sum(d * w for d, w in zip(digits, range(width, 1, -1), strict=False)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, digits))


def ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")


MEMBERS = [f"U10{i:05d}" for i in range(1, 7)]  # fan-out ring: M1 collects, M2..M6 disperse
VICTIMS = [f"U20{i:05d}" for i in range(1, 6)]
CASHOUT = ["U3000001", "U3000002"]
LINKED = ["U4000001", "U4000002", "U4000003"]  # share one phone
DISMISSED = ["U5000001", "U5000002"]
ACCOUNTS = MEMBERS + VICTIMS + CASHOUT + LINKED + DISMISSED
DOCS = {acc: cpf(i + 1) for i, acc in enumerate(ACCOUNTS)}


def _frames() -> dict[str, pd.DataFrame]:
    users, keys, devices, logs, txs = [], [], [], [], []
    for i, acc in enumerate(ACCOUNTS):
        name = NAMES[i % len(NAMES)]
        email = f"{name.split()[0].lower()}{i}@exemplo.com.br"
        phone = "+5511990000001" if acc in LINKED else f"+55119{i + 1:08d}"
        users.append((acc, DOCS[acc], name, email, phone, "2024-06-01T10:00:00", "ativa"))
        keys.append((DOCS[acc], "CPF", DOCS[acc], name, "2024-06-01T10:00:00", "ativa"))
        keys.append((email, "EMAIL", DOCS[acc], name, "2024-06-01T10:00:00", "ativa"))
        own_device = f"D9{i:06d}"
        devices.append((own_device, acc, "android", "2024-06-01T10:00:00", "ativo"))
        if acc in MEMBERS:  # the mule farm's shared phone
            devices.append(("D0000777", acc, "android", "2025-03-01T08:00:00", "ativo"))
            logs.append(
                (f"L7{i:07d}", acc, ts(-30 + i), "senha", "sucesso", "D0000777", "10.9.9.9")
            )
        logs.append((f"L8{i:07d}", acc, ts(-600), "biometria", "sucesso", own_device, "10.1.0.7"))

    def pay(src: str, dst: str, minutes: float, amount: float) -> None:
        txs.append(
            (
                f"T{len(txs) + 1:08d}",
                ts(minutes),
                f"{amount:.2f}",
                DOCS[src],
                DOCS[dst],
                "transferencia",
                "concluida",
            )
        )

    for i, victim in enumerate(VICTIMS):  # fan-in to the collector
        pay(victim, MEMBERS[0], i * 7, 900 + 100 * i)
    for i, mule in enumerate(MEMBERS[1:]):  # fan-out within minutes
        pay(MEMBERS[0], mule, 40 + i, 980 - 10 * i)
        pay(mule, CASHOUT[i % 2], 70 + i * 3, 950 - 10 * i)
    pay(LINKED[0], LINKED[1], 300, 120)
    pay(LINKED[1], LINKED[2], 360, 110)
    pay(DISMISSED[0], DISMISSED[1], 500, 45)
    pay(VICTIMS[0], VICTIMS[1], -2000, 30)
    frauds = [("F000001", "T00000001", "golpe", "2025-03-08T10:00:00", "900.00", "confirmada")]
    tables = {
        "usuarios": users,
        "chaves_pix": keys,
        "dispositivos": devices,
        "log_autenticacao": logs,
        "transacoes_pix": txs,
        "fraudes": frauds,
    }
    return {
        name: pd.DataFrame(
            rows, columns=[*schema.columns(name), *schema.EXTRA_COLUMNS.get(name, {})]
        )
        for name, rows in tables.items()
    }


RINGS = [
    {
        "ring_id": "R-TEST-1",
        "score": 0.93,
        "status": "open",
        "kind": "ring",
        "typology_guess": "fan_out",
        "members": MEMBERS,
        "reasons": [
            "One account received R$ 5,000.00 from 5 unrelated senders within 30 minutes.",
            "It passed 97% of it on to 5 accounts within 15 minutes.",
            "All 6 accounts use the same device D0000777 and IP 10.9.9.9.",
        ],
    },
    {
        "ring_id": "R-TEST-2",
        "score": 0.55,
        "status": "open",
        "kind": "linked_accounts",
        "typology_guess": "mule_farm",
        "members": LINKED,
        "reasons": ["Three accounts registered the same phone number."],
    },
    {
        "ring_id": "R-TEST-3",
        "score": 0.31,
        "status": "dismissed",
        "kind": "ring",
        "typology_guess": "layering_chain",
        "members": DISMISSED,
        "reasons": ["A two-hop chain (found weak by the investigator)."],
    },
]

RUNS = [
    {
        "run_id": "RUN-20250310-0100",
        "started": "2025-03-10T01:00:00",
        "ended": "2025-03-10T01:02:10",
        "parameters": json.dumps({"window_hours": 24, "min_score": 0.3}),
        "counts": json.dumps({"rings": 2, "linked_accounts": 1, "accounts_flagged": 11}),
        "outcome": "ok",
    },
    {
        "run_id": "RUN-20250311-0100",
        "started": "2025-03-11T01:00:00",
        "ended": "2025-03-11T01:01:55",
        "parameters": json.dumps({"window_hours": 24, "min_score": 0.3}),
        "counts": json.dumps({"rings": 2, "linked_accounts": 1, "accounts_flagged": 11}),
        "outcome": "ok",
    },
]

_RINGS_CYPHER = """
UNWIND $rings AS r
CREATE (ring:Ring {ring_id: r.ring_id, score: r.score, status: r.status, kind: r.kind,
                   typology_guess: r.typology_guess, reasons: r.reasons, size: size(r.members),
                   first_seen: localdatetime($first), last_seen: localdatetime($last),
                   total_amount: r.score * 10000})
WITH ring, r
UNWIND r.members AS id
MATCH (a:Account {id_usuario: id})
CREATE (a)-[:MEMBER_OF]->(ring)
"""
_RUNS_CYPHER = """
UNWIND $runs AS r
CREATE (:DetectionRun {run_id: r.run_id, started: localdatetime(r.started),
                       ended: localdatetime(r.ended), parameters: r.parameters,
                       counts: r.counts, outcome: r.outcome})
"""
_SCORES_CYPHER = """
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
SET a.gnn_score = 0.9 - 0.05 * toFloat(size(id) % 3), a.model_version = 'test-1'
"""


def build_app_graph(gateway, directory: Path) -> None:
    """Wipe the graph and build the app test graph (loader data plus rings, runs and scores)."""
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in _frames().items():
        frame.to_csv(directory / f"{name}.csv", index=False)
    load_directory(gateway, directory, progress=False, say=lambda _: None)
    first, last = ts(0), ts(90)
    gateway.query(inline(_RINGS_CYPHER), {"rings": RINGS, "first": first, "last": last})
    gateway.query(inline(_RUNS_CYPHER), {"runs": RUNS})
    gateway.query(inline(_SCORES_CYPHER), {"ids": MEMBERS + LINKED})


@pytest.fixture(scope="module")
def app_graph(gateway, tmp_path_factory):
    build_app_graph(gateway, tmp_path_factory.mktemp("app_graph"))
    return gateway


INVESTIGATOR = User("ines", "investigator")
ANALYST = User("abel", "analyst")


def test_every_app_query_runs_with_its_example_values(app_graph):
    """Each read query in cypher/app/ runs on the test graph with its documented examples."""
    for q in queries.list_queries("app"):
        if q.name.startswith(("app/decide_", "app/audit_event")):
            continue  # writes: tested below
        params = q.bind({})
        if "frontier" in params:  # start the trail at an account of the test graph
            params["frontier"] = [{"id": MEMBERS[0], "since": None, "until": None}]
        store.read(app_graph, q.name, **params)


def test_queue_ranks_by_score_and_filters_by_status(app_graph):
    """The queue lists open rings highest score first and hides dismissed ones when asked."""
    rows = store.read(
        app_graph,
        "app/ring_queue",
        statuses=["open"],
        kinds=[],
        typology="",
        min_score=0.0,
        min_size=1,
        search="",
        include_retired=False,
        limit=50,
    )
    assert [r["ring_id"] for r in rows] == ["R-TEST-1", "R-TEST-2"]
    assert rows[0]["size"] == 6 and rows[0]["first_seen"] == T0


def test_ring_flows_separate_members_from_counterparties(app_graph):
    """Flows of the fan-out ring include victims' inflows and cash-outs, internal edges once."""
    rows = store.read(app_graph, "app/ring_flows", ring_id="R-TEST-1", limit=100)
    pairs = {(r["source"], r["target"]) for r in rows}
    assert (VICTIMS[0], MEMBERS[0]) in pairs and (MEMBERS[1], CASHOUT[0]) in pairs
    assert len(rows) == len(pairs) == 5 + 5 + 5
    timeline = store.read(app_graph, "app/ring_timeline", ring_id="R-TEST-1", limit=100)
    assert {r["direction"] for r in timeline} == {"in", "internal", "out"}


def test_identity_links_show_the_shared_device(app_graph):
    """The ring's identity links contain the device and IP all six members share."""
    rows = store.read(app_graph, "app/ring_identity", ring_id="R-TEST-1", limit=1000)
    shared = [r for r in rows if r["target"] == "D0000777"]
    assert {r["source"] for r in shared} == set(MEMBERS)
    assert any(r["target_kind"] == "ip" and r["target"] == "10.9.9.9" for r in rows)


def test_account_search_finds_by_document_key_and_id(app_graph):
    """Account 360 search finds an account by CPF digits, by e-mail key and by its id."""
    doc = DOCS[MEMBERS[2]]
    by_doc = store.read(app_graph, "app/account_search", term=doc, digits=doc, limit=10)
    assert {r["id_usuario"] for r in by_doc} == {MEMBERS[2]}
    key = "carla2@exemplo.com.br"
    by_key = store.read(app_graph, "app/account_search", term=key, digits="2", limit=10)
    assert [r["id_usuario"] for r in by_key] == [MEMBERS[2]]
    by_id = store.read(app_graph, "app/account_search", term=MEMBERS[2], digits="", limit=10)
    assert by_id[0]["matched_by"] == "account id"


def test_decision_is_appended_and_updates_ring_status(app_graph):
    """Two decisions on a ring are both kept (append-only) and the ring's status follows."""
    store.record_decision(app_graph, ANALYST, "ring", "R-TEST-2", "escalate", "Check phones.")
    first = store.read(app_graph, "app/ring", ring_id="R-TEST-2")[0]["ring"]
    assert first["status"] == "escalated"
    store.record_decision(app_graph, INVESTIGATOR, "ring", "R-TEST-2", "confirm", "Same farm.")
    history = store.read(
        app_graph, "app/decisions", target_type="ring", target_id="R-TEST-2", limit=10
    )
    assert [(d["decision"], d["user"]) for d in history] == [
        ("confirm", "ines"),
        ("escalate", "abel"),
    ]
    ring = store.read(app_graph, "app/ring", ring_id="R-TEST-2")[0]["ring"]
    assert ring["status"] == "confirmed"
    linked = app_graph.query(
        inline("MATCH (d:Decision)-[:ABOUT]->(:Ring {ring_id: 'R-TEST-2'}) RETURN count(d) AS n")
    ).rows
    assert linked[0]["n"] == 2
    audit = store.read(app_graph, "app/audit_events", user="ines", action="decision", limit=5)
    assert json.loads(audit[0]["detail"])["target_id"] == "R-TEST-2"


def test_decision_rules_are_enforced(app_graph):
    """Analysts may not confirm, a note is required, and an unknown ring records nothing."""
    with pytest.raises(store.AppError, match="may not confirm"):
        store.record_decision(app_graph, ANALYST, "ring", "R-TEST-1", "confirm", "x")
    with pytest.raises(store.AppError, match="note"):
        store.record_decision(app_graph, INVESTIGATOR, "ring", "R-TEST-1", "dismiss", "  ")
    with pytest.raises(store.AppError, match="No ring"):
        store.record_decision(app_graph, INVESTIGATOR, "ring", "R-NOPE", "dismiss", "x")
    account = store.record_decision(
        app_graph, INVESTIGATOR, "account", MEMBERS[0], "confirm", "Collector."
    )
    assert account["decision_id"].startswith("DEC-")


def test_console_runs_reads_and_refuses_writes(app_graph):
    """The console's READ transaction returns limited rows and the server refuses a write."""
    result = store.read_limited(
        app_graph,
        inline("MATCH (a:Account) RETURN a.id_usuario AS id"),
        {},
        row_limit=3,
        timeout_s=10,
    )
    assert len(result.rows) == 3 and result.truncated
    with pytest.raises(Exception) as refused:
        store.read_limited(
            app_graph, inline("CREATE (:Tmp) RETURN 1"), {}, row_limit=3, timeout_s=10
        )
    assert store.explain(refused.value).startswith("Refused")
    assert app_graph.query(inline("MATCH (t:Tmp) RETURN count(t) AS n")).rows[0]["n"] == 0


def test_console_timeout_is_a_message(app_graph):
    """A console query over its time limit is stopped and explained, not shown as a trace."""
    slow = "UNWIND range(1, 400000000) AS x WITH x WHERE x % 7 = 99 RETURN count(*) AS n"
    with pytest.raises(Exception) as stopped:
        store.read_limited(app_graph, inline(slow), {}, row_limit=5, timeout_s=1)
    assert "time limit of 1 s" in store.explain(stopped.value)


def test_money_trail_follows_time_ordered_hops(app_graph):
    """From a victim the forward trail reaches the collector, the mules and the cash-out."""
    trail = money_trail(app_graph, VICTIMS[2], direction="forward", hops=5, hop_hours=48)
    assert trail.hop_of[MEMBERS[0]] == 1
    assert trail.hop_of[MEMBERS[3]] == 2 and trail.hop_of[CASHOUT[0]] == 3
    back = money_trail(app_graph, CASHOUT[0], direction="backward", hops=5, hop_hours=48)
    assert back.hop_of[MEMBERS[0]] == 2 and back.hop_of[VICTIMS[4]] == 3


def test_masking_hides_documents_in_query_results(app_graph):
    """An analyst's copy of the member rows has masked CPFs and names."""
    rows = store.read(app_graph, "analyst/ring_members", ring_id="R-TEST-1", limit=10)
    masked = security.mask_rows(rows, ANALYST)
    assert all(r["cpf_cnpj"].startswith("***.") for r in masked)
    assert masked[0]["nome"] != rows[0]["nome"]
