"""Every analysts' query in cypher/analyst/ runs on a loaded graph and finds what it is for.

The graph is loaded through the real bulk loader from a small hand-written dataset in which
each pattern the queries look for is planted once: a 4-account cycle (U1->U2->U3->U4->U1,
minutes apart), a fan-in to a new account U8 that forwards the money, a device and an IP
shared across holders, an account takeover (failed logins, new device, transfer out), night
transfers near the limit, a shared phone, and a confirmed fraud on the first transfer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graph.queries import inline, list_queries
from graph.query_cli import parameters
from ingest.bulk import load_directory

pytestmark = pytest.mark.integration


def cpf(base: int) -> str:
    digits = [int(c) for c in f"{base:09d}"]
    for n in (9, 10):
        rest = sum(d * w for d, w in zip(digits, range(n + 1, 1, -1), strict=False)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, digits))


DOCS = {f"U{i}": cpf(123456780 + i * 7) for i in range(1, 9)}
PHONE = {u: f"+551198765{i:04d}" for i, u in enumerate(DOCS)}
PHONE["U6"] = PHONE["U5"]  # one family phone
OPENED = {u: "2023-01-01T00:00:00" for u in DOCS} | {"U8": "2025-02-25T00:00:00"}
TX = [  # id, time, amount, from, to
    ("T1", "2025-03-01T10:00:00", 1000.00, "U1", "U2"),
    ("T2", "2025-03-01T10:05:00", 980.00, "U2", "U3"),
    ("T3", "2025-03-01T10:10:00", 960.00, "U3", "U4"),
    ("T4", "2025-03-01T10:20:00", 940.00, "U4", "U1"),
    ("T5", "2025-03-01T11:00:00", 700.00, "U5", "U8"),
    ("T6", "2025-03-01T11:10:00", 650.00, "U6", "U8"),
    ("T7", "2025-03-01T11:30:00", 720.00, "U7", "U8"),
    ("T8", "2025-03-01T12:00:00", 2000.00, "U8", "U2"),
    ("T9", "2025-03-01T22:00:00", 950.00, "U7", "U5"),
    ("T10", "2025-03-01T23:00:00", 960.00, "U7", "U5"),
    ("T11", "2025-03-02T01:00:00", 970.00, "U7", "U5"),
]
LOGS = [  # id, user, time, status, device, ip
    ("L1", "U1", "2025-03-01T09:00:00", "sucesso", "D1", "10.0.0.1"),
    ("L2", "U3", "2025-03-01T09:30:00", "sucesso", "D1", "10.0.0.1"),
    ("L3", "U4", "2025-03-01T09:40:00", "sucesso", "D4", "10.0.0.1"),
    ("L4", "U6", "2025-03-01T09:00:00", "falha", "D6", "10.0.0.6"),
    ("L5", "U6", "2025-03-01T09:05:00", "falha", "D6", "10.0.0.6"),
    ("L6", "U6", "2025-03-01T09:10:00", "falha", "D6", "10.0.0.6"),
    ("L7", "U6", "2025-03-01T09:20:00", "sucesso", "D9", "10.9.9.9"),
]


def write(directory: Path) -> Path:
    directory.mkdir()
    users = [
        (u, d, f"Pessoa {u}", f"{u.lower()}@mail.com", PHONE[u], OPENED[u], "ativa")
        for u, d in DOCS.items()
    ]
    keys = [(d, "CPF", d, f"Pessoa {u}", OPENED[u], "ativa") for u, d in DOCS.items()]
    txs = [
        (t, ts, f"{v:.2f}", DOCS[a], DOCS[b], "transferencia", "concluida") for t, ts, v, a, b in TX
    ]
    devices = [
        ("D1", "U1", "android", "2023-01-01T00:00:00", "ativo"),
        ("D4", "U4", "ios", "2023-01-01T00:00:00", "ativo"),
        ("D6", "U6", "android", "2023-01-01T00:00:00", "ativo"),
    ]
    logs = [(i, u, ts, "senha", s, d, ip) for i, u, ts, s, d, ip in LOGS]
    frauds = [("F1", "T1", "golpe", "2025-03-08T10:00:00", "1000.00", "confirmada")]
    tables = {
        "usuarios": (users, "id_usuario,cpf_cnpj,nome,email,telefone,data_cadastro,status"),
        "chaves_pix": (keys, "chave_pix,tipo_chave,cpf_cnpj,nome_titular,data_cadastro,status"),
        "transacoes_pix": (
            txs,
            "id_transacao,timestamp,valor,chave_pix_origem,chave_pix_destino,tipo_transacao,status",
        ),
        "dispositivos": (
            devices,
            "id_dispositivo,id_usuario,tipo_dispositivo,data_registro,status",
        ),
        "log_autenticacao": (
            logs,
            "id_log,id_usuario,timestamp,tipo_autenticacao,status,id_dispositivo,ip",
        ),
        "fraudes": (frauds, "id_fraude,id_transacao,tipo_fraude,data_deteccao,valor_fraude,status"),
    }
    for name, (rows, header) in tables.items():
        pd.DataFrame(rows, columns=header.split(",")).to_csv(directory / f"{name}.csv", index=False)
    return directory


@pytest.fixture(scope="module")
def planted(gateway, tmp_path_factory):
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    report = load_directory(
        gateway, write(tmp_path_factory.mktemp("q") / "d"), progress=False, say=lambda _: None
    )
    assert report.rejected == 0
    gateway.query(
        inline(
            "CREATE (r:Ring {ring_id: 'RTEST', score: 0.9, status: 'open'}) WITH r "
            "MATCH (a:Account) WHERE a.id_usuario IN ['U1','U2','U3','U4'] "
            "CREATE (a)-[:MEMBER_OF]->(r)"
        )
    )
    return gateway


# Parameters for the planted patterns; others take the example value from the header.
PARAMS = {
    "ring_members": ["ring_id=RTEST"],
    "ring_transfers": ["ring_id=RTEST"],
    "money_trail_forward": ["id_transacao=T1"],
    "money_trail_backward": ["id_transacao=T4"],
    "shared_devices_and_ips": ["id_usuario=U1"],
    "shared_phone_or_email": ["id_usuario=U5"],
    "fan_in_window": ["id_usuario=U8", "start=2025-03-01T00:00:00", "end=2025-03-02T00:00:00"],
    "fan_out_window": ["id_usuario=U7", "start=2025-03-01T00:00:00", "end=2025-03-03T00:00:00"],
    "pass_through_accounts": ["min_inflow=500", "min_ratio=0.8"],
    "new_accounts_many_senders": ["as_of=2025-03-02T00:00:00", "min_senders=3"],
    "cycles_through_account": ["id_usuario=U1"],
    "keys_and_devices_of_document": [f"cpf_cnpj={DOCS['U1']}"],
    "near_confirmed_fraud": ["max_hops=1"],
    "account_transfers": ["id_usuario=U8"],
    "top_receivers": ["start=2025-03-01T00:00:00", "end=2025-03-03T00:00:00"],
    "takeover_signals": ["min_failures=3"],
    "night_transfers_near_limit": ["min_amount=900", "min_count=3"],
    "accounts_on_device": ["id_dispositivo=D1"],
    "fraud_cases_of_account": ["id_usuario=U2"],
}
EXPECTED = {  # query -> (column, value that must appear in it)
    "ring_members": ("id_usuario", "U3"),
    "ring_transfers": ("id_transacao", "T3"),
    "money_trail_forward": ("trail", ["U2", "U3", "U4", "U1"]),
    "money_trail_backward": ("trail", ["U1", "U2", "U3", "U4"]),
    "shared_devices_and_ips": ("other_account", "U3"),
    "shared_phone_or_email": ("other_account", "U6"),
    "fan_in_window": ("sender", "U7"),
    "fan_out_window": ("receiver", "U5"),
    "pass_through_accounts": ("account", "U8"),
    "new_accounts_many_senders": ("account", "U8"),
    "cycles_through_account": ("cycle", ["U1", "U2", "U3", "U4", "U1"]),
    "keys_and_devices_of_document": ("accounts", ["U1"]),
    "near_confirmed_fraud": ("account", "U3"),
    "account_transfers": ("id_transacao", "T8"),
    "top_receivers": ("account", "U8"),
    "takeover_signals": ("account", "U6"),
    "night_transfers_near_limit": ("account", "U7"),
    "accounts_on_device": ("account", "U3"),
    "fraud_cases_of_account": ("id_fraude", "F1"),
}


def test_there_are_at_least_15_documented_queries():
    """The library holds at least 15 queries, each covered by this file."""
    names = {q.name.split("/", 1)[1] for q in list_queries("analyst")}
    assert len(names) >= 15
    assert names == set(EXPECTED), names ^ set(EXPECTED)


@pytest.mark.parametrize("query", list_queries("analyst"), ids=lambda q: q.name)
def test_query_finds_its_planted_pattern(planted, query):
    """The query runs read-only with documented parameters and returns the planted answer."""
    short = query.name.split("/", 1)[1]
    rows = planted.query(query, parameters(query, PARAMS.get(short, [])), mode="read").rows
    column, value = EXPECTED[short]
    assert value in [row[column] for row in rows], rows
