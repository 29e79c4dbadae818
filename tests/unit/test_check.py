"""`ringwatch check`: per-column explanations of what a load would reject, before a load."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from data import schema
from ingest.check import check_directory, check_frames, render
from ingest.cli import check
from ingest.mapping import MappingError, parse_mapping
from ingest.validate import validate
from ringwatch.settings import PROJECT_ROOT

ANA, BIA = "52998224725", "11144477735"
USER = {
    "id_usuario": "U1",
    "cpf_cnpj": ANA,
    "nome": "Ana",
    "email": "ana@x.com",
    "telefone": "+5511987654321",
    "data_cadastro": "2024-01-02",
    "status": "ATIVO",
}
KEY = {
    "chave_pix": ANA,
    "tipo_chave": "CPF",
    "cpf_cnpj": ANA,
    "nome_titular": "Ana",
    "data_cadastro": "2024-01-02",
    "status": "ativa",
}
TX = {
    "id_transacao": "T1",
    "timestamp": "2025-03-01T09:00:00",
    "valor": "10.00",
    "chave_pix_origem": ANA,
    "chave_pix_destino": "bia@x.com",
    "tipo_transacao": "transferencia",
    "status": "concluida",
}


def frames(**datasets: list[dict[str, object]]) -> dict[str, pd.DataFrame | None]:
    return {name: pd.DataFrame(rows) for name, rows in datasets.items()}


def test_rejections_are_counted_once_per_reason_with_three_example_rows():
    """Five rows with the same unknown status give one reason with count 5 and rows 1-3; the
    counts agree with validate's rejects."""
    rows = [{**TX, "id_transacao": f"T{i}", "status": "PAGO"} for i in range(5)] + [TX]
    report = check_frames(frames(transacoes_pix=rows))
    [tx] = [d for d in report.datasets if d.dataset == schema.TRANSACOES]
    assert (tx.rows, tx.would_load, tx.rejected) == (6, 1, 5)
    [reason] = tx.reasons
    assert reason.count == 5 and reason.reason.startswith("status: unknown value")
    assert [(e.row, e.value) for e in reason.examples] == [(1, "PAGO"), (2, "PAGO"), (3, "PAGO")]
    assert tx.rejected == len(validate(schema.TRANSACOES, pd.DataFrame(rows)).rejected)
    assert report.rejected == 5


def test_unknown_values_come_with_counts_and_the_closest_known_value():
    """A misspelt value gets its closest known value; a new fraud type is reported as kept
    as 'outro', not rejected and not guessed."""
    fraud = {
        "id_fraude": "F1",
        "id_transacao": "T1",
        "tipo_fraude": "LAVAGEM",
        "data_deteccao": "2025-03-09",
        "valor_fraude": "10.00",
        "status": "CONFIRMADA",
    }
    report = check_frames(
        frames(transacoes_pix=[{**TX, "tipo_transacao": "TRANSFERENCA"}] * 2, fraudes=[fraud])
    )
    unknown = [
        (u.column, u.value, u.count, u.closest, u.kept_as)
        for d in report.datasets
        for u in d.unknown_values
    ]
    assert unknown == [
        ("tipo_transacao", "TRANSFERENCA", 2, "transferencia", None),
        ("tipo_fraude", "LAVAGEM", 1, None, "outro"),
    ]
    assert report.datasets[-1].rejected == 0


def test_referential_gaps_are_reported_when_the_referenced_file_is_there():
    """A transfer to a key no chaves_pix row has, a key whose holder is not in usuarios and a
    fraud case on an unknown transfer are reported as gaps with example rows."""
    fraud = {
        "id_fraude": "F1",
        "id_transacao": "T9",
        "tipo_fraude": "golpe",
        "data_deteccao": "2025-03-09",
        "valor_fraude": "10.00",
        "status": "confirmada",
    }
    orphan_key = {**KEY, "chave_pix": BIA, "cpf_cnpj": BIA}
    report = check_frames(
        frames(usuarios=[USER], chaves_pix=[KEY, orphan_key], transacoes_pix=[TX], fraudes=[fraud])
    )
    gaps = {d.dataset: [(g.count, g.rows) for g in d.gaps] for d in report.datasets if d.gaps}
    assert gaps == {
        schema.CHAVES: [(1, [2])],
        schema.TRANSACOES: [(1, [1])],
        schema.FRAUDES: [(1, [1])],
    }
    assert report.rejected == 0


def test_no_gap_is_reported_against_a_dataset_without_file():
    """Transfers are not checked against keys when there is no chaves_pix file."""
    report = check_frames(frames(transacoes_pix=[TX]))
    assert all(not d.gaps for d in report.datasets)


def test_the_suggested_mapping_fixes_what_check_found():
    """A renamed column, a near value and decimal commas each get a mapping entry, and that
    mapping makes every row load."""
    bank = {**TX, "status": "CONCLUIDAA", "valor": "1.234,56"}
    bank["valor_transacao"] = bank.pop("valor")
    report = check_frames(frames(transacoes_pix=[bank]))
    suggested = report.suggested_mapping()
    assert suggested == {
        schema.TRANSACOES: {
            "columns": {"valor_transacao": "valor"},
            "values": {"status": {"CONCLUIDAA": "concluida"}},
        }
    }
    # decimal commas only show once the column is found:
    second = check_frames(frames(transacoes_pix=[bank]), parse_mapping(suggested))
    assert second.suggested_mapping() == {schema.TRANSACOES: {"decimal": ","}}
    mapping = parse_mapping({schema.TRANSACOES: {**suggested[schema.TRANSACOES], "decimal": ","}})
    assert check_frames(frames(transacoes_pix=[bank]), mapping).rejected == 0


def test_examples_never_show_personal_data():
    """A rejected key shows its row number only; the key itself is not in the report."""
    report = check_frames(frames(chaves_pix=[{**KEY, "chave_pix": "52998224724"}]))
    assert report.rejected == 1
    assert "52998224724" not in render(report)
    assert "52998224724" not in json.dumps(report.to_dict())


def write_export(directory: Path) -> Path:
    """A latin-1, semicolon-separated export with another file name."""
    directory.mkdir()
    user = {**USER, "nome": "Conceição", "status": "Ativo"}
    pd.DataFrame([user]).to_csv(
        directory / "clientes.csv", sep=";", index=False, encoding="latin-1"
    )
    return directory


def test_check_directory_reads_files_as_the_mapping_names_and_encodes_them(tmp_path):
    """file, separator and encoding of a mapping are used to read the directory."""
    directory = write_export(tmp_path / "export")
    mapping = parse_mapping(
        {"usuarios": {"file": "clientes.csv", "separator": ";", "encoding": "latin-1"}}
    )
    report = check_directory(directory, mapping)
    assert (report.rows, report.would_load) == (1, 1)


def test_check_command_exits_1_on_rejects_and_prints_json(tmp_path):
    """`ringwatch check --json` prints the report; the exit code is 1 when rows would be
    rejected and 0 when none would; a mapping naming a column the file lacks is an error."""
    runner = CliRunner()
    app = typer.Typer()
    app.command()(check)
    app.command("other")(lambda: None)  # two commands, so the name "check" is used as in ringwatch
    directory = tmp_path / "d"
    directory.mkdir()
    pd.DataFrame([{**TX, "status": "PAGO"}]).to_csv(directory / "transacoes_pix.csv", index=False)
    result = runner.invoke(app, ["check", str(directory), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["rejected"] == 1
    mapping = tmp_path / "m.yaml"
    mapping.write_text("transacoes_pix:\n  values:\n    status:\n      PAGO: concluida\n")
    assert runner.invoke(app, ["check", str(directory), "--mapping", str(mapping)]).exit_code == 0
    mapping.write_text("transacoes_pix:\n  columns:\n    valor_tx: valor\n")
    failed = runner.invoke(app, ["check", str(directory), "--mapping", str(mapping)])
    assert isinstance(failed.exception, MappingError)  # ringwatch.cli.main: one line, exit 2
    assert "'valor_tx' is not a column of transacoes_pix.csv" in str(failed.exception)


def test_the_committed_fixtures_check_clean():
    """The generator's own output has nothing to reject."""
    report = check_directory(PROJECT_ROOT / "data" / "fixtures")
    assert report.rows > 10_000 and report.rejected == 0


def test_a_semicolon_file_read_with_commas_suggests_the_separator():
    """A file whose only column name holds semicolons gets separator ';' as its suggestion."""
    header = ";".join(TX)
    report = check_frames({schema.TRANSACOES: pd.DataFrame({header: [";".join(TX.values())]})})
    assert report.suggested_mapping() == {schema.TRANSACOES: {"separator": ";"}}
    assert report.rejected == 1


def test_a_renamed_column_is_guessed_from_its_values_when_its_name_says_nothing():
    """A timestamp column called 'quando' is suggested for timestamp because its values read
    as timestamps and no other column's do."""
    bank = {**TX, "canal": "app"}
    bank["quando"] = bank.pop("timestamp")
    report = check_frames(frames(transacoes_pix=[bank] * 3))
    assert report.suggested_mapping() == {schema.TRANSACOES: {"columns": {"quando": "timestamp"}}}
