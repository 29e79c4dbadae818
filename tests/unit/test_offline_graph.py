"""The offline importer's graph tables follow the online loaders' MERGE/SET rules, on rows
small enough to check by hand."""

from __future__ import annotations

import pandas as pd

from ingest.offline_files import ImportFiles, write_import_files
from ingest.offline_graph import GraphTables, build_graph
from ingest.writer import latest_limits

ANA, BIA = "52998224725", "11144477735"


def rows(*records: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(records))


def user(uid: str, doc: str, nome: str, status: str = "ativa") -> dict[str, object]:
    return {
        "id_usuario": uid,
        "cpf_cnpj": doc,
        "nome": nome,
        "email": f"{uid}@x.com",
        "telefone": "+5511900000000",
        "data_cadastro": "2024-01-01T00:00:00",
        "status": status,
    }


def key(chave: str, doc: str, nome: str, status: str = "ativa") -> dict[str, object]:
    return {
        "chave_pix": chave,
        "tipo_chave": "EMAIL",
        "cpf_cnpj": doc,
        "nome_titular": nome,
        "data_cadastro": "2024-01-01T00:00:00",
        "status": status,
    }


def tx(tid: str, src: str, dst: str, valor: float) -> dict[str, object]:
    return {
        "id_transacao": tid,
        "timestamp": "2025-03-01T09:00:00",
        "valor": valor,
        "chave_pix_origem": src,
        "chave_pix_destino": dst,
        "tipo_transacao": "transferencia",
        "status": "concluida",
    }


def table(g: GraphTables, name: str) -> pd.DataFrame:
    for node in g.nodes:
        if node.label == name:
            return node.frame
    return next(r.frame for r in g.relationships if r.type == name)


def test_entities_keep_the_last_row_and_key_only_holders_the_first():
    """An account or key seen twice keeps its last row; a holder named by usuarios keeps the
    last usuarios name, one only chaves_pix knows keeps its first key row's name."""
    g = build_graph(
        {
            "usuarios": rows(
                user("U1", ANA, "Ana", "ativa"), user("U1", ANA, "Ana M", "bloqueada")
            ),
            "chaves_pix": rows(
                key("a@x.com", ANA, "outra"),
                key("b@x.com", BIA, "Bia 1"),
                key("c@x.com", BIA, "Bia 2"),
            ),
        }
    )
    accounts = table(g, "Account").set_index("id_usuario")
    assert accounts.loc["U1", "status"] == "bloqueada" and len(accounts) == 1
    holders = table(g, "Holder").set_index("cpf_cnpj")
    assert holders.loc[ANA, "nome"] == "Ana M" and holders.loc[BIA, "nome"] == "Bia 1"
    assert holders.loc[BIA, "tipo_pessoa"] == "PF"
    assert len(table(g, "HELD_BY")) == 1  # a MERGEd relationship: once per pair


def test_pix_edges_follow_every_account_path_and_unresolved_transfers_stay_unlinked():
    """A key whose holder has two accounts gives two PIX edges for one transfer; a transfer to
    an unknown key gets none and the Unlinked label, its key a bare node; the second row of a
    transaction id is ignored; a fraud on an unknown id leaves a bare Unlinked transaction."""
    g = build_graph(
        {
            "usuarios": rows(
                user("U1", ANA, "Ana"), user("U2", ANA, "Ana"), user("U3", BIA, "Bia")
            ),
            "chaves_pix": rows(key("a@x.com", ANA, "Ana"), key("b@x.com", BIA, "Bia")),
            "transacoes_pix": rows(
                tx("T1", "a@x.com", "b@x.com", 10.0),
                tx("T1", "b@x.com", "a@x.com", 99.0),
                tx("T2", "b@x.com", "fora@y.com", 5.0),
            ),
            "fraudes": rows(
                {
                    "id_fraude": "F1",
                    "id_transacao": "T9",
                    "tipo_fraude": "golpe",
                    "tipo_fraude_original": None,
                    "data_deteccao": "2025-03-02T00:00:00",
                    "valor_fraude": 1.0,
                    "status": "confirmada",
                }
            ),
        }
    )
    pix = table(g, "PIX")
    assert sorted(zip(pix["src"], pix["dst"], strict=True)) == [("U1", "U3"), ("U2", "U3")]
    assert set(pix["valor"]) == {10.0}
    txs = table(g, "Transaction").set_index("id_transacao")
    assert txs["extra_label"].fillna("").to_dict() == {"T1": "", "T2": "Unlinked", "T9": "Unlinked"}
    assert "fora@y.com" in set(table(g, "PixKey")["chave"])
    assert len(table(g, "FROM_KEY")) == 2


def login(lid: str, uid: str, dev: str, ts: str, status: str) -> dict[str, object]:
    return {
        "id_log": lid,
        "id_usuario": uid,
        "timestamp": ts,
        "tipo_autenticacao": "senha",
        "status": status,
        "id_dispositivo": dev,
        "ip": None,
    }


def test_used_device_summarises_each_accounts_logins_on_a_device():
    """One USED_DEVICE per (account, device): its first and last login, its first successful
    login (none when every login failed), how many logins and failures; a repeated login id
    counts once, with its first row."""
    g = build_graph(
        {
            "log_autenticacao": rows(
                login("L1", "U1", "D1", "2025-03-02T10:00:00", "sucesso"),
                login("L2", "U1", "D1", "2025-03-01T08:00:00", "falha"),
                login("L3", "U1", "D1", "2025-03-03T09:00:00", "sucesso"),
                login("L3", "U1", "D1", "2025-01-01T00:00:00", "falha"),  # a repeat
                login("L4", "U2", "D1", "2025-03-01T07:00:00", "falha"),
                login("L5", "U1", "D2", "2025-03-04T00:00:00", "sucesso"),
            )
        }
    )
    used = table(g, "USED_DEVICE").set_index(["id_usuario", "id_dispositivo"])
    assert sorted(used.index) == [("U1", "D1"), ("U1", "D2"), ("U2", "D1")]
    assert used.loc[("U1", "D1")].to_dict() == {
        "first_seen": "2025-03-01T08:00:00",
        "last_seen": "2025-03-03T09:00:00",
        "first_ok": "2025-03-02T10:00:00",
        "logins": 3,
        "failed": 1,
    }
    assert pd.isna(used.loc[("U2", "D1"), "first_ok"]) and used.loc[("U2", "D1"), "failed"] == 1
    assert used.loc[("U1", "D2"), "logins"] == 1


def test_latest_limit_row_wins_within_a_batch():
    """Of one account's limit rows in a batch, the latest update is written (the last of
    equal dates), whatever their order."""
    batch = [
        {"id_usuario": "U1", "limite_diario": 9.0, "data_atualizacao": "2025-02-01T00:00:00"},
        {"id_usuario": "U1", "limite_diario": 1.0, "data_atualizacao": "2024-12-01T00:00:00"},
        {"id_usuario": "U2", "limite_diario": 3.0, "data_atualizacao": "2025-01-01T00:00:00"},
        {"id_usuario": "U2", "limite_diario": 4.0, "data_atualizacao": "2025-01-01T00:00:00"},
    ]
    kept = {r["id_usuario"]: r["limite_diario"] for r in latest_limits("limites_transacoes", batch)}
    assert kept == {"U1": 9.0, "U2": 4.0}


def test_import_files_carry_typed_headers_and_flag_multiline_text(tmp_path):
    """Node files name the id space and property types, text with a newline switches on the
    importer's multi-line mode, and the database name precedes the file lists."""
    g = build_graph({"usuarios": rows(user("U1", ANA, 'Ana "A",\nB'))})
    files = write_import_files(g, tmp_path)
    header = (tmp_path / "nodes_Account.csv").read_text().splitlines()[0]
    assert header.startswith("id_usuario:ID(Account),data_cadastro:localdatetime")
    assert files.multiline
    args = ImportFiles(tmp_path, files.nodes, files.relationships, False).arguments("neo4j")
    assert args[:4] == ["database", "import", "full", "neo4j"]
    assert "--multiline-fields=false" in args


def test_replace_without_offline_is_refused_before_anything_runs(tmp_path):
    """`ringwatch load DIR --replace` alone is an error naming --offline (an online load
    adds data; only the offline import replaces a database)."""
    import pytest

    from ingest.cli import load
    from ringwatch.errors import RingwatchError

    with pytest.raises(RingwatchError, match="--offline"):
        load(tmp_path, replace=True, offline=False)
