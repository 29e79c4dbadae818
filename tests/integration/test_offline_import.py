"""`ringwatch load --offline` (neo4j-admin import) builds exactly the graph `ringwatch load`
builds, with the same rejects, and leaves every constraint and index online."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from graph.queries import inline
from ingest.bulk import load_directory
from ingest.offline import offline_load
from ringwatch.errors import RingwatchError
from ringwatch.settings import PROJECT_ROOT, load_settings
from tests.integration.test_bulk_load import FILES, write_dataset

pytestmark = pytest.mark.integration

WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"
FIXTURES = PROJECT_ROOT / "data" / "fixtures"
ANA, BIA, CAU = "52998224725", "11144477735", "11222333000181"
DAVI = "39053344705"  # a holder only chaves_pix knows


@pytest.fixture(autouse=True)
def local_stack():
    if load_settings().external_neo4j:
        pytest.skip("stops and restarts Neo4j: needs the local stack (`ringwatch stack up`)")


def tricky_dataset(directory: Path, base: Path | None = None) -> Path:
    """``base``'s files (the generator fixtures) followed by the bulk-load test's rows and
    every case where the order of MERGE and SET decides the result:
    repeated ids with other values, a holder with two accounts, a key of two holders, limits
    out of date order, events sent twice, references to unknown ids, an unknown fraud type,
    a transfer between two keys of one holder, and text with a comma, quotes and a newline."""
    extra = {
        "usuarios": [
            ("U0000001", ANA, "Ana Maria", "ana@x.com", "+5511987654321", "2024-01-03", "ATIVA"),
            (
                "U0000004",
                ANA,
                'Ana, "a outra"\nconta',
                "a4@x.com",
                "+5511987654329",
                "2024-05-05",
                "bloqueada",
            ),
            ("U0000005", BIA, "Bia", None, "+5511987654322", "2024-02-02", "ativa"),
        ],
        "chaves_pix": [
            ("bia@x.com", "EMAIL", CAU, "Cau Ltda", "2024-02-03T10:00:00", "inativa"),
            (DAVI, "CPF", DAVI, "Davi primeiro", "2024-03-01T10:00:00", "ativa"),
            ("davi@x.com", "EMAIL", DAVI, "Davi segundo", "2024-03-02T10:00:00", "ativa"),
            ("ana@x.com", "EMAIL", ANA, "Ana", "2024-01-02T10:00:00", "ativa"),
        ],
        "transacoes_pix": [
            ("T00000001", "2025-03-02T09:00:00", "999.00", CAU, ANA, "qrcode", "concluida"),
            (
                "T90000004",
                "2025-03-01T10:00:00",
                "10.00",
                ANA,
                "fora@outro.com",
                "pix",
                "concluida",
            ),
            (
                "T90000005",
                "2025-03-01T11:00:00",
                "7.25",
                ANA,
                "ana@x.com",
                "transferencia",
                "concluida",
            ),
            ("T90000006", "2025-03-01T12:00:00", "1e3", DAVI, BIA, "transferencia", "devolvida"),
        ],
        "fraudes": [
            (
                "F000001",
                "T00000001",
                "conta laranja",
                "2025-03-10T10:00:00",
                "100.00",
                "em análise",
            ),
            ("F000002", "T09999999", "phishing", "2025-03-10T10:00:00", "50.00", "confirmada"),
        ],
        "dispositivos": [("D0000002", "U0000099", "ios", "2024-06-01T10:00:00", "ativo")],
        "log_autenticacao": [
            (
                "L00000001",
                "U0000001",
                "2025-03-01T09:00:00",
                "pin",
                "falha",
                "D0000001",
                "10.0.0.8",
            ),
            ("L00000002", "U0000003", "2025-03-01T09:30:00", "senha", "sucesso", "D0000077", ""),
        ],
        "limites_transacoes": [
            ("U0000001", "9000.00", "2000.00", "2025-02-01T00:00:00"),
            ("U0000001", "1.00", "1.00", "2024-12-01T00:00:00"),
            ("U0000002", "3000.00", "300.00", "2025-01-01T00:00:00"),
            ("U0000002", "4000.00", "400.00", "2025-01-01T00:00:00"),
        ],
    }
    directory.mkdir(parents=True)
    for name, (rows, header) in FILES.items():
        path = directory / f"{name}.csv"
        if base is not None and (base / path.name).exists():
            shutil.copy(base / path.name, path)
        frame = pd.DataFrame(rows + extra[name], columns=header.split(","))
        frame.to_csv(path, mode="a", header=not path.exists(), index=False)
    return directory


def fingerprint(gateway) -> dict[str, float]:
    return {r["item"]: r["value"] for r in gateway.query("admin/graph_fingerprint").rows}


def dump(gateway) -> tuple[list[str], list[str]]:
    """Every node (labels and properties) and relationship (type, properties and both ends'
    properties) as sorted text: equal dumps mean equal graphs up to internal ids."""
    nodes = gateway.query(inline("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")).rows
    rels = gateway.query(
        inline(
            "MATCH (a)-[r]->(b) RETURN type(r) AS t, properties(r) AS p, "
            "properties(a) AS a, properties(b) AS b"
        )
    ).rows

    def text(value: dict) -> str:
        return repr(sorted((k, repr(v)) for k, v in value.items()))

    return (
        sorted(f"{sorted(r['l'])} {text(r['p'])}" for r in nodes),
        sorted(f"{r['t']} {text(r['p'])} {text(r['a'])} {text(r['b'])}" for r in rels),
    )


def schema_names(gateway) -> list[tuple[str, str]]:
    rows = gateway.query(
        inline("SHOW INDEXES YIELD name, type, state RETURN name, type, state")
    ).rows
    constraints = gateway.query(inline("SHOW CONSTRAINTS YIELD name, type RETURN name, type")).rows
    return sorted(
        [(r["name"], f"{r['type']} {r['state']}") for r in rows]
        + [(r["name"], r["type"]) for r in constraints]
    )


def rejects(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.glob("*.csv"))}


def bulk_then_offline(gateway, directory: Path, work: Path, compress: bool = False):
    """(fingerprint, dump, rejects, schema) after a bulk load, then after an offline one
    (with gzipped import files when ``compress``)."""
    gateway.query(inline(WIPE))
    load_directory(gateway, directory, reject_dir=work / "bulk", progress=False, say=lambda _: None)
    bulk = fingerprint(gateway), dump(gateway), rejects(work / "bulk"), schema_names(gateway)
    report = offline_load(
        load_settings(),
        directory,
        replace=True,
        reject_dir=work / "offline",
        say=lambda _: None,
        compress=compress,
    )
    assert report.imported
    offline = fingerprint(gateway), dump(gateway), rejects(work / "offline"), schema_names(gateway)
    return bulk, offline, report


@pytest.mark.parametrize("compress", [False, True], ids=["csv", "gzip"])
def test_offline_import_equals_bulk_load(gateway, tmp_path, compress):
    """On the generator fixtures plus rows where the order of MERGE and SET decides the
    result, the offline import, from plain or gzipped files, gives node for node and edge
    for edge the bulk-loaded graph (so the same fingerprint), the same reject files, and the
    same constraints and indexes, all online."""
    base = FIXTURES if (FIXTURES / "transacoes_pix.csv").exists() else None
    directory = tricky_dataset(tmp_path / "d", base)
    (fp, graph, rej, schema), (fp2, graph2, rej2, schema2), report = bulk_then_offline(
        gateway, directory, tmp_path, compress
    )
    assert fp["rels:PIX"] >= 4 and fp["nodes:Unlinked"] >= 2  # the cases are exercised
    assert fp2 == fp
    assert graph2 == graph
    assert rej2 == rej and rej  # same rejected rows, same reasons
    assert schema2 == schema and len(schema) > 20
    assert all(state.endswith("ONLINE") for name, state in schema2 if "RANGE" in state)
    assert report.rejected == sum(len(pd.read_csv(tmp_path / "offline" / n)) for n in rej)
    assert report.linked == fp["rels:PIX"]
    assert any("a outra" in line and "\\n" in line for line in graph[0])  # multi-line text


def test_offline_refuses_a_database_with_data(gateway, tmp_path):
    """Without --replace, `ringwatch load --offline` on a non-empty database stops with one
    line naming --replace and changes nothing."""
    directory = write_dataset(tmp_path / "d")
    gateway.query(inline(WIPE))
    load_directory(gateway, directory, progress=False, say=lambda _: None)
    before = fingerprint(gateway)
    run = subprocess.run(
        [sys.executable, "-m", "ringwatch.cli", "load", str(directory), "--offline"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "--replace" in run.stderr + run.stdout
    assert "Traceback" not in run.stderr
    assert fingerprint(gateway) == before


def test_a_dataset_that_fails_to_read_leaves_the_old_database_running(gateway, tmp_path):
    """Neo4j stops while the datasets are read; when a file then turns out unreadable (a
    byte that is not UTF-8 in a row, after a good header), the load stops with the file
    named, and Neo4j is running again with its old graph, untouched."""
    directory = write_dataset(tmp_path / "d")
    gateway.query(inline(WIPE))
    load_directory(gateway, directory, progress=False, say=lambda _: None)
    before = fingerprint(gateway)
    transfers = directory / "transacoes_pix.csv"
    transfers.write_bytes(transfers.read_bytes() + b"T\xff\xfe,broken\n")
    with pytest.raises(RingwatchError, match="transacoes_pix"):
        offline_load(load_settings(), directory, replace=True, say=lambda _: None)
    assert fingerprint(gateway) == before
