"""The written files: headers, value formats and referential integrity (scale 0.1, CSV)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _generator_support import read, read_truth, write

from data import schema
from data.generator.config import GeneratorConfig
from ingest.validate import valid_documents

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PHONE = re.compile(r"^\+55\d{2}9\d{8}$")
EMAIL = re.compile(r"^[a-z0-9.]+@[a-z0-9.]+\.[a-z]{2,}$")
WINDOW_START = "2025-04-01T00:00:00"
WINDOW_END = "2025-06-30T00:00:00"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def frames(out: Path) -> dict[str, pd.DataFrame]:
    return {d: read(out, d) for d in schema.DATASETS}


def test_every_file_is_written(out: Path) -> None:
    """The seven datasets and both ground-truth files exist and nothing else is written."""
    expected = {schema.file_name(d, "csv") for d in schema.DATASETS}
    expected |= {schema.GROUND_TRUTH_RINGS, schema.GROUND_TRUTH_LOOKALIKES}
    assert {p.name for p in out.iterdir()} == expected


def test_headers_match_the_schema(frames: dict[str, pd.DataFrame], out: Path) -> None:
    """Each file starts with exactly the docs/domain.md columns, then only documented extras."""
    for dataset, df in frames.items():
        required = list(schema.COLUMNS[dataset])
        extra = list(schema.EXTRA_COLUMNS.get(dataset, {}))
        assert list(df.columns) == required + extra, dataset
    assert list(read_truth(out, schema.GROUND_TRUTH_RINGS).columns) == list(schema.RING_COLUMNS)
    looks = read_truth(out, schema.GROUND_TRUTH_LOOKALIKES)
    assert list(looks.columns) == list(schema.LOOKALIKE_COLUMNS)


def test_values_have_their_declared_types(frames: dict[str, pd.DataFrame]) -> None:
    """Timestamps are ISO-8601 without offset, money has two decimals, enums are in their sets."""
    for dataset, df in frames.items():
        for column, kind in schema.COLUMNS[dataset].items():
            values = df[column]
            assert (values != "").all(), (dataset, column)
            if kind == schema.TIMESTAMP:
                assert values.str.match(ISO).all(), (dataset, column)
            elif kind == schema.MONEY:
                assert values.str.match(MONEY).all(), (dataset, column)
                assert (values.astype(float) > 0).all(), (dataset, column)
            elif kind == schema.ENUM:
                allowed = set(schema.ENUMS[dataset][column])
                assert set(values) <= allowed, (dataset, column, set(values) - allowed)


def test_ids_follow_the_agreed_formats(frames: dict[str, pd.DataFrame], out: Path) -> None:
    """Ids are a prefix plus zero-padded digits, and primary ids are unique."""
    patterns = {
        "id_usuario": r"^U\d{7,}$",
        "id_dispositivo": r"^D\d{7,}$",
        "id_transacao": r"^T\d{8,}$",
        "id_log": r"^L\d{8,}$",
        "id_fraude": r"^F\d{6,}$",
    }
    for df in frames.values():
        for column, pattern in patterns.items():
            if column in df:
                assert df[column].str.match(pattern).all(), column
    for dataset, key in [
        (schema.TRANSACOES, "id_transacao"),
        (schema.USUARIOS, "id_usuario"),
        (schema.USUARIOS, "cpf_cnpj"),
        (schema.CHAVES, "chave_pix"),
        (schema.FRAUDES, "id_fraude"),
        (schema.LIMITES, "id_usuario"),
        (schema.LOGS, "id_log"),
    ]:
        assert frames[dataset][key].is_unique, (dataset, key)
    rings = read_truth(out, schema.GROUND_TRUTH_RINGS)
    assert rings["ring_id"].str.match(r"^R\d{4,}$").all()
    assert read_truth(out, schema.GROUND_TRUTH_LOOKALIKES)["group_id"].str.match(r"^G\d{4,}$").all()


def test_documents_have_valid_check_digits(frames: dict[str, pd.DataFrame]) -> None:
    """Every CPF (11 digits) and CNPJ (14 digits) in usuarios and chaves_pix is valid."""
    for dataset in (schema.USUARIOS, schema.CHAVES):
        docs = frames[dataset]["cpf_cnpj"]
        assert docs.str.len().isin([11, 14]).all()
        assert valid_documents(docs).all()


def test_keys_have_valid_formats_and_counts(frames: dict[str, pd.DataFrame]) -> None:
    """Keys match their type's format, CPF/CNPJ keys are the holder's own, and holders stay
    within 5 keys (people) or 20 (companies)."""
    keys = frames[schema.CHAVES]
    checks = {
        "CPF": lambda k, d: len(k) == 11 and k == d,
        "CNPJ": lambda k, d: len(k) == 14 and k == d,
        "EMAIL": lambda k, d: bool(EMAIL.match(k)),
        "TELEFONE": lambda k, d: bool(PHONE.match(k)),
        "EVP": lambda k, d: bool(UUID4.match(k)),
    }
    for tipo, key, doc in keys[["tipo_chave", "chave_pix", "cpf_cnpj"]].itertuples(index=False):
        assert checks[tipo](key, doc), (tipo, key)
    per_holder = keys.groupby("cpf_cnpj").size()
    person = per_holder.index.str.len() == 11
    assert per_holder[person].max() <= 5
    assert per_holder[~person].max() <= 20
    assert set(keys["cpf_cnpj"]) <= set(frames[schema.USUARIOS]["cpf_cnpj"])
    assert set(frames[schema.USUARIOS]["cpf_cnpj"]) <= set(keys["cpf_cnpj"])  # everyone has one


def test_transactions_reference_existing_keys(frames: dict[str, pd.DataFrame]) -> None:
    """Both keys of every transaction exist and were registered before the payment."""
    tx, keys = frames[schema.TRANSACOES], frames[schema.CHAVES]
    registered = keys.set_index("chave_pix")["data_cadastro"]
    for side in ("chave_pix_origem", "chave_pix_destino"):
        assert tx[side].isin(registered.index).all(), side
        assert (registered.loc[tx[side]].to_numpy() <= tx["timestamp"].to_numpy()).all(), side
    assert (tx["chave_pix_origem"] != tx["chave_pix_destino"]).all()


def test_devices_and_logins_belong_to_known_holders(frames: dict[str, pd.DataFrame]) -> None:
    """Every device binding and login names a known holder, and a login's device was
    registered for that holder no later than the login."""
    users = set(frames[schema.USUARIOS]["id_usuario"])
    devices, logs = frames[schema.DISPOSITIVOS], frames[schema.LOGS]
    assert set(devices["id_usuario"]) <= users
    assert set(logs["id_usuario"]) <= users
    assert set(frames[schema.LIMITES]["id_usuario"]) == users
    binding = devices.groupby(["id_dispositivo", "id_usuario"])["data_registro"].min()
    pairs = pd.MultiIndex.from_frame(logs[["id_dispositivo", "id_usuario"]])
    assert pairs.isin(binding.index).all()
    assert (binding.loc[pairs].to_numpy() <= logs["timestamp"].to_numpy()).all()
    assert not devices.duplicated(["id_dispositivo", "id_usuario"]).any()
    assert devices.groupby("id_dispositivo")["tipo_dispositivo"].nunique().max() == 1


def test_timestamps_fall_in_the_window(frames: dict[str, pd.DataFrame]) -> None:
    """Transactions, logins and detections lie inside the 90-day window; registrations and
    openings are never after its end, and nothing happens before the account was opened."""
    for dataset, column in [
        (schema.TRANSACOES, "timestamp"),
        (schema.LOGS, "timestamp"),
        (schema.FRAUDES, "data_deteccao"),
    ]:
        values = frames[dataset][column]
        assert values.min() >= WINDOW_START and values.max() < WINDOW_END, dataset
    for dataset, column in [
        (schema.USUARIOS, "data_cadastro"),
        (schema.CHAVES, "data_cadastro"),
        (schema.DISPOSITIVOS, "data_registro"),
        (schema.LIMITES, "data_atualizacao"),
    ]:
        assert frames[dataset][column].max() < WINDOW_END, dataset
    opened = frames[schema.USUARIOS].set_index("id_usuario")["data_cadastro"]
    logs = frames[schema.LOGS]
    assert (opened.loc[logs["id_usuario"]].to_numpy() <= logs["timestamp"].to_numpy()).all()


def test_fraud_records_point_at_earlier_transactions(frames: dict[str, pd.DataFrame]) -> None:
    """Each fraud record references an existing transaction and was detected after it."""
    tx = frames[schema.TRANSACOES].set_index("id_transacao")
    fraudes = frames[schema.FRAUDES]
    assert fraudes["id_transacao"].isin(tx.index).all()
    assert (
        tx.loc[fraudes["id_transacao"], "timestamp"].to_numpy() < fraudes["data_deteccao"]
    ).all()


def test_row_counts_follow_the_scale(frames: dict[str, pd.DataFrame]) -> None:
    """At scale 0.1 every dataset is within 10% of a tenth of docs/domain.md's defaults."""
    cfg = GeneratorConfig(scale=0.1)
    for dataset, df in frames.items():
        target = cfg.rows(dataset)
        assert abs(len(df) - target) <= 0.1 * target, (dataset, len(df), target)


def test_datasets_do_not_leak_the_ground_truth(out: Path, frames: dict[str, pd.DataFrame]) -> None:
    """No ring id or typology name appears anywhere in the seven datasets."""
    ring_ids = set(read_truth(out, schema.GROUND_TRUTH_RINGS)["ring_id"])
    leaks = ring_ids | set(schema.TYPOLOGIES) | set(schema.LOOKALIKE_TYPES)
    for dataset, df in frames.items():
        values = set(np.unique(df.to_numpy().ravel()))
        assert not values & leaks, dataset


def test_rings_and_lookalikes_are_disjoint(out: Path, frames: dict[str, pd.DataFrame]) -> None:
    """No account is both a ring member and in an innocent look-alike group, and all ground
    truth accounts exist."""
    rings = read_truth(out, schema.GROUND_TRUTH_RINGS)
    looks = read_truth(out, schema.GROUND_TRUTH_LOOKALIKES)
    assert not set(rings["id_usuario"]) & set(looks["id_usuario"])
    users = set(frames[schema.USUARIOS]["id_usuario"])
    assert set(rings["id_usuario"]) <= users and set(looks["id_usuario"]) <= users
    assert not rings.duplicated(["id_usuario"]).any()
    assert set(rings["tipologia"]) <= set(schema.TYPOLOGIES)
    assert set(looks["tipo"]) <= set(schema.LOOKALIKE_TYPES)
    sizes = rings.groupby("ring_id").size()
    assert sizes.min() >= 3 and sizes.max() <= 40
