"""Mapping files: read whole and strictly, applied purely and idempotently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data import schema
from ingest.mapping import DataMapping, MappingError, load_mapping, parse_mapping

EXAMPLE = """
decimal: ","
separator: ";"
transacoes_pix:
  file: extrato.csv
  columns:
    valor_transacao: valor
  values:
    tipo_transacao:
      TED: transferencia
      ON: qrcode
  ignore: [canal]
fraudes:
  decimal: "."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mapping_file_is_read_with_defaults_per_dataset(tmp_path):
    """Top-level options apply to every dataset unless a dataset sets its own; YAML words
    such as ON stay text (no boolean conversion)."""
    mapping = load_mapping(write(tmp_path, EXAMPLE))
    tx = mapping.of(schema.TRANSACOES)
    assert (tx.file, tx.columns, tx.ignore) == (
        "extrato.csv",
        {"valor_transacao": "valor"},
        ("canal",),
    )
    assert tx.values == {"tipo_transacao": {"TED": "transferencia", "ON": "qrcode"}}
    assert (tx.decimal, tx.separator) == (",", ";")
    assert (mapping.of(schema.FRAUDES).decimal, mapping.of(schema.FRAUDES).separator) == (".", ";")


def test_no_mapping_means_ringwatch_format():
    """Without a file, every dataset reads as ringwatch writes it."""
    entry = load_mapping(None).of(schema.USUARIOS)
    assert (entry.columns, entry.decimal, entry.separator, entry.encoding) == (
        {},
        ".",
        ",",
        "utf-8",
    )


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"transacoes_pix": {"columns": {"valor_tx": "valorr"}}}, "'valorr'"),
        ({"transacoes": {}}, "'transacoes'"),
        ({"usuarios": {"colums": {}}}, "'colums'"),
        ({"usuarios": {"values": {"nome": {"a": "b"}}}}, "'nome'"),
        ({"usuarios": {"values": {"status": {"ATIVO": "ativo"}}}}, "'ativo'"),
        ({"usuarios": {"values": {"status": {"bloqueada": "ativa"}}}}, "'bloqueada'"),
        ({"decimal": ";"}, "';'"),
        ({"day_first_dates": "maybe"}, "day_first_dates"),
        ({"usuarios": {"ignore": "email"}}, "usuarios.ignore"),
    ],
)
def test_a_wrong_entry_is_an_error_that_names_it(data, named):
    """Unknown columns, datasets, keys and values, values outside a column's set, a value
    mapped onto another known value and a bad option each fail, naming the entry."""
    with pytest.raises(MappingError, match=named.replace("'", ".")):
        parse_mapping(data, "m.yaml")


def test_invalid_yaml_is_an_error_naming_the_file(tmp_path):
    """A file that is not YAML fails with its path in the message."""
    path = write(tmp_path, "usuarios: [unclosed")
    with pytest.raises(MappingError, match="mapping.yaml is not valid YAML at line 1, column "):
        load_mapping(path)


def test_apply_renames_drops_maps_values_and_reads_decimal_commas_idempotently():
    """apply gives ringwatch's columns and values, and applying it again changes nothing."""
    mapping = parse_mapping(
        {
            "decimal": ",",
            "transacoes_pix": {
                "columns": {"valor_transacao": "valor"},
                "values": {"tipo_transacao": {"TED": "transferencia"}},
                "ignore": ["canal"],
            },
        }
    )
    frame = pd.DataFrame(
        {
            "valor_transacao": ["1.234,56", "x"],
            "tipo_transacao": ["ted", "PIX"],
            "canal": ["a", "b"],
        }
    )
    once = mapping.apply(schema.TRANSACOES, frame)
    assert list(once.columns) == ["valor", "tipo_transacao"]
    assert once["valor"].tolist() == [1234.56, "x"]
    assert once["tipo_transacao"].tolist() == ["transferencia", "PIX"]
    pd.testing.assert_frame_equal(mapping.apply(schema.TRANSACOES, once), once)


def test_check_columns_names_a_column_the_file_lacks_and_a_clashing_rename():
    """A rename or ignore of a column the file does not have, or a rename onto a column the
    file already has, is an error naming the column."""
    mapping = parse_mapping({"usuarios": {"columns": {"situacao": "status"}, "ignore": ["x"]}})
    with pytest.raises(MappingError, match="'situacao' is not a column of u.csv"):
        mapping.check_columns(schema.USUARIOS, ["id_usuario", "x"], "u.csv")
    with pytest.raises(MappingError, match="'situacao' is renamed to 'status', which u.csv"):
        mapping.check_columns(schema.USUARIOS, ["situacao", "status", "x"], "u.csv")
    mapping.check_columns(schema.USUARIOS, ["situacao", "x"], "u.csv")


def test_an_empty_mapping_changes_nothing():
    """DataMapping() applied to a frame returns the same rows and columns."""
    frame = pd.DataFrame({"valor": ["1,5"], "status": ["x"]})
    pd.testing.assert_frame_equal(DataMapping().apply(schema.TRANSACOES, frame), frame)
