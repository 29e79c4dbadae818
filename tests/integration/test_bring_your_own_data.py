"""A bank-style export of the seven datasets (upper case, accents, synonyms, renamed and extra
columns, decimal commas, date-only and offset timestamps, bank-specific values, a new fraud
type) loads with zero rejects through the real stack when a mapping is given, is explained by
`ringwatch check` without one, and streams into the same graph as it bulk-loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from data import schema
from graph.queries import inline
from ingest.bulk import load_directory
from ingest.mapping import DataMapping, load_mapping
from ingest.produce import open_producer, produce_frames, read_directory
from ingest.stream import BatchPolicy, StreamLoader, open_consumer
from ingest.topics import Topics, delete_topics, ensure_topics
from ringwatch.settings import PROJECT_ROOT, load_settings

pytestmark = pytest.mark.integration

BOOTSTRAP = load_settings().kafka_bootstrap_servers
FIXTURES = PROJECT_ROOT / "data" / "fixtures"
WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"
NEW_FRAUD_TYPES = 3  # fraud cases exported as LAVAGEM, a type ringwatch does not know

MAPPING = """\
decimal: ","
transacoes_pix:
  columns:
    valor_transacao: valor
    data_hora_transacao: timestamp
  values:
    tipo_transacao:
      PIX_PROGRAMADO: agendado
  ignore: [canal]
fraudes:
  values:
    status:
      AGUARDANDO: em_analise
limites_transacoes:
  columns:
    limite_dia: limite_diario
log_autenticacao:
  ignore: [canal]
"""


def _comma(amounts: pd.Series) -> pd.Series:
    """1234.5 -> '1.234,50'."""
    return amounts.astype(float).map(
        lambda x: f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    )


def _localized(stamps: pd.Series) -> pd.Series:
    # Brasília had summer time until 2019: 2014-12-11T08:18 was UTC-02:00. A wall-clock time
    # skipped or repeated by a clock change has no single offset and is NaT here.
    return pd.to_datetime(stamps).dt.tz_localize(
        schema.TIME_ZONE, ambiguous="NaT", nonexistent="NaT"
    )


def _utc(stamps: pd.Series) -> pd.Series:
    """Brasília wall-clock text as the same instant in UTC with a Z (as it was otherwise)."""
    utc = _localized(stamps).dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc.fillna(stamps)


def _with_offset(stamps: pd.Series) -> pd.Series:
    """Brasília wall-clock text with its offset of the day, e.g. -03:00 or -02:00."""
    zoned = _localized(stamps).dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return (zoned.str[:-2] + ":" + zoned.str[-2:]).fillna(stamps)


def _read(directory: Path) -> dict[str, pd.DataFrame]:
    return {
        d: pd.read_csv(directory / f"{d}.csv", dtype=str, keep_default_na=False)
        for d in schema.DATASETS
    }


def _write(directory: Path, frames: dict[str, pd.DataFrame]) -> Path:
    directory.mkdir(parents=True)
    for name, frame in frames.items():
        frame.to_csv(directory / f"{name}.csv", index=False)
    return directory


def write_exports(root: Path) -> tuple[Path, Path]:
    """The committed fixtures in ringwatch's format (keys registered at midnight, three
    fraud cases of type 'outro') and the same data as a bank would export it."""
    ours = _read(FIXTURES)
    ours["chaves_pix"]["data_cadastro"] = ours["chaves_pix"]["data_cadastro"].str[:10] + "T00:00:00"
    ours["fraudes"].loc[: NEW_FRAUD_TYPES - 1, "tipo_fraude"] = "outro"

    bank = {d: f.copy() for d, f in ours.items()}
    u = bank["usuarios"]
    u["status"] = u["status"].map({"ativa": "ATIVO", "bloqueada": "Bloqueado"}).fillna("ENCERRADA")
    u["data_cadastro"] = _with_offset(u["data_cadastro"])
    k = bank["chaves_pix"]
    kinds = {"EMAIL": "E-mail", "TELEFONE": "Celular", "EVP": "Aleatória", "CPF": "cpf"}
    k["tipo_chave"] = k["tipo_chave"].map(kinds).fillna(k["tipo_chave"])
    k["status"] = k["status"].str.upper().replace({"ATIVA": "ATIVO"})
    k["data_cadastro"] = k["data_cadastro"].str[:10]  # date only
    d = bank["dispositivos"]
    d["tipo_dispositivo"] = d["tipo_dispositivo"].str.upper()
    d["status"] = d["status"].replace({"ativo": "ATIVA"}).str.upper()
    d["data_registro"] = _utc(d["data_registro"])
    lim = bank["limites_transacoes"]
    for column in ("limite_diario", "limite_por_transacao"):
        lim[column] = _comma(lim[column])
    bank["limites_transacoes"] = lim.rename(columns={"limite_diario": "limite_dia"})
    log = bank["log_autenticacao"]
    log["tipo_autenticacao"] = log["tipo_autenticacao"].str.upper()
    log["status"] = log["status"].str.upper()
    log["canal"] = "app"
    t = bank["transacoes_pix"]
    t["tipo_transacao"] = (
        t["tipo_transacao"]
        .map({"qrcode": "PIX_QR", "agendado": "PIX_PROGRAMADO", "transferencia": "Transferência"})
        .fillna(t["tipo_transacao"].str.upper())
    )
    t["status"] = t["status"].replace({"concluida": "CONCLUÍDA"}).str.upper()
    t["valor"] = _comma(t["valor"])
    t["canal"] = "app"
    bank["transacoes_pix"] = t.rename(
        columns={"valor": "valor_transacao", "timestamp": "data_hora_transacao"}
    )
    f = bank["fraudes"]
    f["tipo_fraude"] = f["tipo_fraude"].replace({"outro": "LAVAGEM"}).str.replace("_", " ")
    f["tipo_fraude"] = f["tipo_fraude"].str.upper()
    f["status"] = f["status"].replace({"em_analise": "AGUARDANDO"}).str.upper()
    f["valor_fraude"] = _comma(f["valor_fraude"])
    f["data_deteccao"] = _with_offset(f["data_deteccao"])
    assert (bank["fraudes"]["status"] == "AGUARDANDO").any()  # the value map is exercised
    assert (bank["transacoes_pix"]["tipo_transacao"] == "PIX_PROGRAMADO").any()
    (root / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return _write(root / "ours", ours), _write(root / "bank", bank)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> tuple[Path, Path, DataMapping]:
    root = tmp_path_factory.mktemp("byod")
    ours, bank = write_exports(root)
    return ours, bank, load_mapping(root / "mapping.yaml")


def snapshot(gateway) -> tuple[list[tuple[str, str]], dict[str, float]]:
    """Every node's labels and properties (tipo_original aside), and the graph fingerprint."""
    rows = gateway.query(inline("MATCH (n) RETURN labels(n) AS labels, properties(n) AS p")).rows
    nodes = sorted(
        (
            ":".join(sorted(r["labels"])),
            repr(sorted((k, str(v)) for k, v in r["p"].items() if k != "tipo_original")),
        )
        for r in rows
    )
    fingerprint = {r["item"]: r["value"] for r in gateway.query("admin/graph_fingerprint").rows}
    return nodes, fingerprint


def bulk(gateway, directory: Path, mapping: DataMapping | None = None) -> Any:
    gateway.query(inline(WIPE))
    return load_directory(gateway, directory, progress=False, say=lambda _: None, mapping=mapping)


def new_fraud_types(gateway) -> list[tuple[str, str]]:
    rows = gateway.query(
        inline(
            "MATCH (f:Fraud) WHERE f.tipo_original IS NOT NULL "
            "RETURN f.tipo AS t, f.tipo_original AS o"
        )
    ).rows
    return sorted((r["t"], r["o"]) for r in rows)


def test_the_bank_export_loads_with_zero_rejects_into_the_same_graph(gateway, exports):
    """With its mapping, the bank export loads every row and builds exactly the graph of the
    same data in ringwatch's format; the new fraud type is kept as 'outro' beside LAVAGEM."""
    ours, bank, mapping = exports
    assert bulk(gateway, ours).rejected == 0
    expected = snapshot(gateway)
    report = bulk(gateway, bank, mapping)
    assert report.rejected == 0
    assert report.written == sum(len(f) for f in _read(ours).values())
    assert snapshot(gateway) == expected
    assert new_fraud_types(gateway) == [("outro", "LAVAGEM")] * NEW_FRAUD_TYPES


def _check(directory: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "ringwatch.cli", "check", str(directory), "--json", *extra],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout)


def test_check_explains_the_export_without_a_mapping_with_the_counts_of_a_real_load(
    gateway, exports, tmp_path
):
    """`ringwatch check` without the mapping exits 1, names each problem once per reason
    with the mapping entries that fix it, and its counts per dataset and reason are those of
    the reject files of a real load; with the mapping it exits 0."""
    _, bank, _ = exports
    code, report = _check(bank)
    assert code == 1
    by_name = {d["dataset"]: d for d in report["datasets"]}
    bulk(gateway, bank)
    for dataset, entry in by_name.items():
        rejects = bank / "rejects" / f"{dataset}.csv"
        counts = (
            pd.read_csv(rejects, dtype=str)["reason"].value_counts().to_dict()
            if rejects.exists()
            else {}
        )
        assert {r["reason"]: r["count"] for r in entry["reasons"]} == counts, dataset
    assert by_name["usuarios"]["rejected"] == by_name["chaves_pix"]["rejected"] == 0
    assert (
        by_name["transacoes_pix"]["reasons"][0]["reason"]
        == "missing column(s) ['timestamp', 'valor']"
    )
    suggested = report["suggested_mapping"]
    assert suggested["transacoes_pix"]["columns"] == {
        "valor_transacao": "valor",
        "data_hora_transacao": "timestamp",
    }
    assert suggested["limites_transacoes"]["columns"] == {"limite_dia": "limite_diario"}
    assert suggested["fraudes"]["decimal"] == ","
    unknown = {(u["column"], u["value"]): u for u in by_name["fraudes"]["unknown_values"]}
    assert unknown[("status", "AGUARDANDO")]["count"] > 0
    assert unknown[("tipo_fraude", "LAVAGEM")]["kept_as"] == "outro"
    code, mapped = _check(bank, "--mapping", str(bank.parent / "mapping.yaml"))
    assert (code, mapped["rejected"]) == (0, 0)


def _stream(gateway, topics: Topics, mapping: DataMapping | None) -> Any:
    consumer = open_consumer(BOOTSTRAP, f"g-{topics.prefix}", topics, max_poll_records=2000)
    producer = open_producer(BOOTSTRAP)
    try:
        return StreamLoader(
            gateway,
            consumer,
            producer,
            topics,
            BatchPolicy(max_messages=2000, max_wait_s=0.1),
            mapping=mapping,
        ).run(until_idle=3)
    finally:
        producer.close()


def test_streaming_with_the_mapping_gives_the_bulk_graph(gateway, exports):
    """The export replayed as it is and streamed with --mapping, or replayed with --mapping
    and streamed without, builds the bulk-loaded graph with nothing dead-lettered."""
    _, bank, mapping = exports
    bulk(gateway, bank, mapping)
    expected = snapshot(gateway)
    for produced_with, streamed_with in ((None, mapping), (mapping, None)):
        topics = Topics(f"byod{uuid.uuid4().hex[:8]}")
        ensure_topics(BOOTSTRAP, topics.all)
        try:
            producer = open_producer(BOOTSTRAP)
            try:
                produce_frames(producer, read_directory(bank, produced_with), topics)
            finally:
                producer.close()
            gateway.query(inline(WIPE))
            report = _stream(gateway, topics, streamed_with)
            assert report.rejected == 0
            assert snapshot(gateway) == expected
            assert new_fraud_types(gateway) == [("outro", "LAVAGEM")] * NEW_FRAUD_TYPES
        finally:
            delete_topics(BOOTSTRAP, topics.all)
