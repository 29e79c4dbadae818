"""The GNN's bulk export from a real Neo4j + GDS, on a four-account graph built by hand, gives
the hand-computed features; full and incremental scoring agree and write their scores.

The graph: U1 and U2 pay U3, which forwards to U4 within hours (once at night near the
R$1,000 cap); U3 shares a registered device with U4's holder and logs in on a new device
after a failed attempt; a confirmed case reports U1's payment to U3.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from gnn import dataset as D
from gnn import features as F
from gnn import registry
from gnn import score as S
from gnn import train as T
from graph.queries import inline
from ingest.writer import link_transfers, write_rows

pytestmark = pytest.mark.integration

CPF = {u: str(i) * 11 for i, u in enumerate(["U1", "U2", "U3", "U4"], start=1)}
OPENED = {"U1": "2025-01-01", "U2": "2025-03-01", "U3": "2025-04-01", "U4": "2024-01-01"}
EMAIL = {"U1": "fam@x.com", "U2": "fam@x.com", "U3": "u3@x.com", "U4": "u4@x.com"}
TX = [  # id, from, to, valor, time, status
    ("T1", "U1", "U3", 500.0, "2025-04-10T10:00:00", "concluida"),
    ("T2", "U2", "U3", 500.0, "2025-04-10T11:00:00", "concluida"),
    ("T3", "U3", "U4", 950.0, "2025-04-10T12:00:00", "concluida"),
    ("T4", "U3", "U4", 990.0, "2025-04-10T23:00:00", "concluida"),
    ("T5", "U1", "U3", 999.0, "2025-04-10T13:00:00", "rejeitada"),
]


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() - datetime(1970, 1, 1).timestamp())


@pytest.fixture(scope="module")
def tiny(gateway):
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    write_rows(gateway, "usuarios", [
        {"id_usuario": u, "cpf_cnpj": CPF[u], "nome": u, "email": EMAIL[u],
         "telefone": None, "data_cadastro": OPENED[u] + "T00:00:00", "status": "ativa"}
        for u in CPF
    ])  # fmt: skip
    write_rows(gateway, "chaves_pix", [
        {"chave_pix": "k" + u, "tipo_chave": "EVP", "cpf_cnpj": CPF[u], "nome_titular": u,
         "data_cadastro": "2025-01-01T00:00:00", "status": "ativa"}
        for u in CPF
    ])  # fmt: skip
    write_rows(gateway, "dispositivos", [
        {"id_dispositivo": "D1", "id_usuario": u, "tipo_dispositivo": "android",
         "data_registro": "2025-04-01T00:00:00", "status": "ativo"}
        for u in ("U3", "U4")
    ])  # fmt: skip
    write_rows(gateway, "log_autenticacao", [
        {"id_log": lid, "id_usuario": "U3", "timestamp": ts, "tipo_autenticacao": "senha",
         "status": st, "id_dispositivo": dev, "ip": None}
        for lid, ts, st, dev in [
            ("L1", "2025-04-02T09:00:00", "sucesso", "D1"),
            ("L2", "2025-04-09T08:00:00", "falha", "D2"),
            ("L3", "2025-04-09T08:05:00", "sucesso", "D2"),
        ]
    ])  # fmt: skip
    linked = write_rows(gateway, "transacoes_pix", [
        {"id_transacao": t, "timestamp": ts, "valor": v, "chave_pix_origem": "k" + s,
         "chave_pix_destino": "k" + d, "tipo_transacao": "transferencia", "status": st}
        for t, s, d, v, ts, st in TX
    ])  # fmt: skip
    write_rows(gateway, "fraudes", [
        {"id_fraude": "F1", "id_transacao": "T1", "tipo_fraude": "golpe",
         "data_deteccao": "2025-04-20T00:00:00", "valor_fraude": 500.0, "status": "confirmada"},
        {"id_fraude": "F2", "id_transacao": "T3", "tipo_fraude": "golpe",
         "data_deteccao": "2025-04-25T00:00:00", "valor_fraude": 950.0, "status": "em_analise"},
    ])  # fmt: skip
    assert linked + link_transfers(gateway) == len(TX)
    return F.export_all(gateway, concurrency=1)


def test_export_gives_hand_computed_features(tiny):
    """U3's money-flow, device, age and GDS features equal the values worked out by hand."""
    f = F.build_features(tiny).loc["U3"]
    assert tiny.reference_time == epoch("2025-04-10T23:00:00")
    assert f.age_days == pytest.approx(9 + 23 / 24)
    assert f.age_at_first_transfer_days == pytest.approx(9 + 10 / 24)
    assert (f.in_count, f.out_count, f.in_amount, f.out_amount) == (2, 2, 1000, 1940)
    assert (f.distinct_senders, f.distinct_receivers) == (2, 1)
    assert f.night_share == pytest.approx(0.25) and f.night_near_cap_share == pytest.approx(0.5)
    assert f.pass_through_24h == pytest.approx(1.94) and f.forward_hours == pytest.approx(6.5)
    assert f.active_span_days == pytest.approx(13 / 24)
    assert (f.n_devices, f.shared_devices, f.max_device_holders) == (2, 1, 2)
    assert (f.logins, f.failed_logins, f.new_device_events) == (3, 1, 1)
    assert (f.n_keys, f.shared_contacts, f.is_company) == (1, 0, 0)
    assert f.gds_degree == 3
    assert f.pagerank == pytest.approx(0.15 + 0.85 * 0.3, abs=1e-3)
    assert 1 <= f.community_size <= 4
    u1 = F.build_features(tiny).loc["U1"]
    assert u1.shared_contacts == 1 and u1.pagerank == pytest.approx(0.15, abs=1e-3)


def test_labels_come_from_fraud_cases(gateway, tiny):
    """The confirmed case labels U3 (receiver of T1) with its detection time; the open case
    on T3 marks U4 as pending, not positive."""
    labels = D.export_labels(gateway)
    split = D.make_split(sorted(CPF), labels, cutoff_quantile=1.0)
    assert D.positive_times(labels).to_dict() == {"U3": epoch("2025-04-20T00:00:00")}
    assert D.pending_accounts(labels) == {"U4"}
    assert split.y.tolist() == [0, 0, 1, 0] and not split.known[3]


def test_full_and_incremental_scores_agree(gateway, tiny, tmp_path):
    """score_accounts on U3 (its 2-hop neighbourhood is the whole graph) gives the score the
    full run gives, and both write gnn_score and model_version."""
    T.seed_everything(1)
    model = T.make_sage(len(F.FEATURES), T.TrainConfig(hidden=8))
    ds = D.build_dataset(tiny, D.export_labels(gateway), "h")
    norm = D.Normaliser.fit(F.transform(ds.features))
    meta = registry.ModelMeta(
        "vtest", list(F.FEATURES), norm.mean.tolist(), norm.std.tolist(), "h", 1,
        {"hidden": 8, "layers": 2}, 0, "now",
    )  # fmt: skip
    registry.save(tmp_path / "models", meta, model)
    report, full = S.score_all(gateway, tmp_path / "models", tmp_path / "cache", say=lambda _: 0)
    assert report.accounts == 4
    gateway.query(inline("MATCH (a:Account {id_usuario: 'U3'}) REMOVE a.gnn_score"))
    inc = S.score_accounts(gateway, ["U3", "nobody"], tmp_path / "models", tmp_path / "cache")
    assert list(inc) == ["U3"] and inc["U3"] == pytest.approx(full["U3"], abs=1e-6)
    rows = gateway.query(
        inline(
            "MATCH (a:Account) RETURN a.id_usuario AS id, a.gnn_score AS s, a.model_version AS v"
        )
    ).rows
    assert all(r["s"] is not None and r["v"] == "vtest" for r in rows)
