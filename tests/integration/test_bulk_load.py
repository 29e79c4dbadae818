"""Bulk loading is idempotent, tolerant of bad rows and of missing device/login files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from graph.queries import inline
from ingest.bulk import load_directory
from ingest.validate import validate
from ingest.writer import link_transfers, write_rows

pytestmark = pytest.mark.integration

ANA, BIA, CAU = "52998224725", "11144477735", "11222333000181"
USERS = [
    ("U0000001", ANA, "Ana", "ana@x.com", "+5511987654321", "2024-01-02T10:00:00", "ativa"),
    ("U0000002", BIA, "Bia", "bia@x.com", "+5511987654322", "2024-02-02T10:00:00", "ativa"),
    ("U0000003", CAU, "Cau Ltda", "cau@x.com", "+5511987654323", "2025-01-02T10:00:00", "ativa"),
]
KEYS = [
    (ANA, "CPF", ANA, "Ana", "2024-01-02T10:00:00", "ativa"),
    ("bia@x.com", "EMAIL", BIA, "Bia", "2024-02-02T10:00:00", "ativa"),
    (CAU, "CNPJ", CAU, "Cau Ltda", "2025-01-02T10:00:00", "ativa"),
    ("52998224724", "CPF", ANA, "Ana", "2024-01-02T10:00:00", "ativa"),  # bad check digit
]
TXS = [
    ("T00000001", "2025-03-01T09:00:00", "100.00", ANA, "bia@x.com", "transferencia", "concluida"),
    ("T00000002", "2025-03-01T09:05:00", "95.50", "bia@x.com", CAU, "transferencia", "concluida"),
    ("T00000003", "2025-03-01T09:09:00", "-3", CAU, ANA, "transferencia", "concluida"),  # bad
]
FRAUDS = [("F000001", "T00000001", "golpe", "2025-03-09T10:00:00", "100.00", "confirmada")]
DEVICES = [("D0000001", "U0000001", "android", "2024-01-02T10:00:00", "ativo")]
LOGS = [
    ("L00000001", "U0000002", "2025-03-01T08:59:00", "senha", "sucesso", "D0000001", "10.0.0.7")
]
LIMITS = [("U0000001", "5000.00", "1000.00", "2025-01-01T00:00:00")]

FILES = {
    "usuarios": (USERS, "id_usuario,cpf_cnpj,nome,email,telefone,data_cadastro,status"),
    "chaves_pix": (KEYS, "chave_pix,tipo_chave,cpf_cnpj,nome_titular,data_cadastro,status"),
    "transacoes_pix": (
        TXS,
        "id_transacao,timestamp,valor,chave_pix_origem,chave_pix_destino,tipo_transacao,status",
    ),
    "fraudes": (FRAUDS, "id_fraude,id_transacao,tipo_fraude,data_deteccao,valor_fraude,status"),
    "dispositivos": (DEVICES, "id_dispositivo,id_usuario,tipo_dispositivo,data_registro,status"),
    "log_autenticacao": (
        LOGS,
        "id_log,id_usuario,timestamp,tipo_autenticacao,status,id_dispositivo,ip",
    ),
    "limites_transacoes": (
        LIMITS,
        "id_usuario,limite_diario,limite_por_transacao,data_atualizacao",
    ),
}


def write_dataset(directory: Path, skip: tuple[str, ...] = ()) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, (rows, header) in FILES.items():
        if name not in skip:
            pd.DataFrame(rows, columns=header.split(",")).to_csv(
                directory / f"{name}.csv", index=False
            )
    return directory


def valid_rows(directory: Path, name: str) -> list[dict]:
    """The valid rows of one dataset file, as the writer takes them."""
    frame = pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)
    return validate(name, frame).valid.to_dict("records")


def fingerprint(gateway) -> dict[str, float]:
    return {r["item"]: r["value"] for r in gateway.query("admin/graph_fingerprint").rows}


@pytest.fixture
def empty_graph(gateway):
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    return gateway


def test_load_twice_gives_the_same_graph(empty_graph, tmp_path):
    """A second load of the same files changes no count and no amount sum."""
    directory = write_dataset(tmp_path / "d")
    first_report = load_directory(empty_graph, directory, progress=False, say=lambda _: None)
    first = fingerprint(empty_graph)
    load_directory(empty_graph, directory, progress=False, say=lambda _: None)
    assert fingerprint(empty_graph) == first
    assert first["nodes:Account"] == 3 and first["rels:PIX"] == 2
    assert first["sum:pix_valor"] == pytest.approx(195.5)
    assert first_report.rejected == 2


def test_bad_rows_go_to_the_reject_file_with_reasons(empty_graph, tmp_path):
    """Invalid rows are written to rejects/<dataset>.csv with a reason, and the rest loads."""
    directory = write_dataset(tmp_path / "d")
    load_directory(empty_graph, directory, progress=False, say=lambda _: None)
    keys = pd.read_csv(directory / "rejects" / "chaves_pix.csv", dtype=str)
    txs = pd.read_csv(directory / "rejects" / "transacoes_pix.csv", dtype=str)
    assert keys["reason"].tolist() == ["chave_pix: not a valid key of its tipo_chave"]
    assert txs["id_transacao"].tolist() == ["T00000003"]
    assert txs["reason"].tolist() == ["valor: amount must be > 0"]


def test_money_trail_links_accounts_through_keys(empty_graph, tmp_path):
    """Ana pays Bia by e-mail key, Bia pays Cau by CNPJ key: PIX edges Ana->Bia->Cau exist."""
    load_directory(empty_graph, write_dataset(tmp_path / "d"), progress=False, say=lambda _: None)
    rows = empty_graph.query(
        inline(
            "MATCH (a:Account)-[p:PIX]->(b:Account) RETURN a.id_usuario AS a, b.id_usuario AS b "
            "ORDER BY p.timestamp"
        )
    ).rows
    assert [(r["a"], r["b"]) for r in rows] == [("U0000001", "U0000002"), ("U0000002", "U0000003")]


def test_transactions_only_dataset_loads(empty_graph, tmp_path):
    """Without device and login files the load succeeds and builds the money flow."""
    directory = write_dataset(tmp_path / "d", skip=("dispositivos", "log_autenticacao"))
    report = load_directory(empty_graph, directory, progress=False, say=lambda _: None)
    fp = fingerprint(empty_graph)
    assert fp["rels:PIX"] == 2 and "nodes:Device" not in fp
    assert report.linked == 2


def test_out_of_order_files_converge(empty_graph, tmp_path):
    """Loading transactions before the keys and holders exist gives the same final graph."""
    full = write_dataset(tmp_path / "full")
    load_directory(empty_graph, full, progress=False, say=lambda _: None)
    expected = fingerprint(empty_graph)
    empty_graph.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    tx_only, rest = tmp_path / "tx", tmp_path / "rest"
    write_dataset(rest, skip=("transacoes_pix", "fraudes"))
    tx_only.mkdir()
    for name in ("transacoes_pix", "fraudes"):
        shutil.copy(full / f"{name}.csv", tx_only / f"{name}.csv")
    load_directory(empty_graph, tx_only, progress=False, say=lambda _: None)
    assert fingerprint(empty_graph).get("rels:PIX", 0) == 0
    load_directory(empty_graph, rest, progress=False, say=lambda _: None)
    assert fingerprint(empty_graph) == expected


def test_events_are_written_once_whatever_the_order_and_repeats(empty_graph, tmp_path):
    """A fraud report before its transaction, a transaction repeated in one batch and sent
    again later, and a login sent twice: each event is written once with one set of
    relationships, the fraud's placeholder is completed, and the graph matches a clean load."""
    full = write_dataset(tmp_path / "full")
    load_directory(empty_graph, full, progress=False, say=lambda _: None)
    expected = fingerprint(empty_graph)
    empty_graph.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))

    write_rows(
        empty_graph, "fraudes", valid_rows(full, "fraudes")
    )  # placeholder Transaction T00000001
    for name in ("usuarios", "chaves_pix", "dispositivos", "limites_transacoes"):
        write_rows(empty_graph, name, valid_rows(full, name))
    txs, logins = valid_rows(full, "transacoes_pix"), valid_rows(full, "log_autenticacao")
    assert write_rows(empty_graph, "transacoes_pix", txs + txs) == len(txs)  # linked at write
    assert write_rows(empty_graph, "transacoes_pix", txs) == 0  # already written: skipped
    write_rows(empty_graph, "log_autenticacao", logins + logins)
    write_rows(empty_graph, "log_autenticacao", logins)
    assert link_transfers(empty_graph) == 0
    assert fingerprint(empty_graph) == expected


def test_a_path_the_match_returns_twice_gives_one_pix_edge(empty_graph, tmp_path, caplog):
    """If the key -> holder <- account match returns one account pair more than once (as
    Neo4j's lock-free reads once did under a second loader), the transfer still gets one PIX
    edge, and the writer logs how many repeated paths it dropped."""
    full = write_dataset(tmp_path / "full")

    for name in ("usuarios", "chaves_pix"):
        write_rows(empty_graph, name, valid_rows(full, name))
    # a second, parallel REGISTERED_TO: the match now yields Ana -> Bia twice
    empty_graph.query(
        inline(
            "MATCH (k:PixKey {chave: $key})-[:REGISTERED_TO]->(h:Holder) "
            "CREATE (k)-[:REGISTERED_TO]->(h)"
        ),
        {"key": "bia@x.com"},
    )
    first = [r for r in valid_rows(full, "transacoes_pix") if r["id_transacao"] == "T00000001"]
    with caplog.at_level("WARNING", logger="ingest.writer"):
        assert write_rows(empty_graph, "transacoes_pix", first) == 1
    edges = empty_graph.query(
        inline("MATCH ()-[p:PIX {id_transacao: 'T00000001'}]->() RETURN count(p) AS n")
    ).rows
    assert edges[0]["n"] == 1
    assert "1 repeated key-to-account paths" in caplog.text
