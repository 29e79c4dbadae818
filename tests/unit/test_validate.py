"""Record validation: every bad field is rejected with a reason, good rows pass typed."""

from __future__ import annotations

import pandas as pd

from data import schema
from ingest.mapping import parse_mapping
from ingest.validate import valid_documents, validate

GOOD_TX = {
    "id_transacao": "T00000001",
    "timestamp": "2025-03-01T09:16:00",
    "valor": "120.50",
    "chave_pix_origem": "ana@x.com",
    "chave_pix_destino": "+5511987654321",
    "tipo_transacao": "transferencia",
    "status": "concluida",
}
GOOD_KEY = {
    "chave_pix": "52998224725",
    "tipo_chave": "CPF",
    "cpf_cnpj": "52998224725",
    "nome_titular": "Ana",
    "data_cadastro": "2025-01-02T10:00:00",
    "status": "ativa",
}


def test_check_digits_of_known_documents():
    """Real-format CPF/CNPJ pass; a changed digit or a repeated-digit CPF fails."""
    docs = pd.Series(
        ["52998224725", "52998224724", "11111111111", "11222333000181", "11222333000182", "123"]
    )
    assert valid_documents(docs).tolist() == [True, False, False, True, False, False]


def test_good_transaction_passes_with_typed_amount():
    """A well-formed transaction is valid and its amount becomes a float."""
    result = validate(schema.TRANSACOES, pd.DataFrame([GOOD_TX]))
    assert result.rejected.empty
    assert result.valid.loc[0, "valor"] == 120.5


def test_each_kind_of_bad_transaction_gets_its_reason():
    """Negative amount, bad timestamp, unknown enum, wrong type and missing field are named."""
    rows = [
        {**GOOD_TX, "valor": "-5"},
        {**GOOD_TX, "timestamp": "yesterday"},
        {**GOOD_TX, "status": "maybe"},
        {**GOOD_TX, "id_transacao": 12345},
        {**GOOD_TX, "chave_pix_origem": ""},
        {**GOOD_TX, "chave_pix_destino": "x" * 1_000_000},
    ]
    result = validate(schema.TRANSACOES, pd.DataFrame(rows))
    assert result.valid.empty
    reasons = result.rejected["reason"].tolist()
    assert reasons == [
        "valor: amount must be > 0",
        "timestamp: not an ISO-8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, "
        "an offset such as -03:00 allowed)",
        "status: unknown value (allowed: concluida, rejeitada, devolvida)",
        "id_transacao: wrong type",
        "chave_pix_origem: missing value",
        "chave_pix_destino: longer than 256",
    ]


def test_numeric_amount_from_json_is_accepted():
    """JSON messages may carry valor as a number."""
    assert validate(schema.TRANSACOES, pd.DataFrame([{**GOOD_TX, "valor": 99}])).rejected.empty


def test_key_must_match_its_type_and_document():
    """A CPF key with bad check digits, or an e-mail key without @, is rejected."""
    rows = [
        GOOD_KEY,
        {**GOOD_KEY, "chave_pix": "52998224724"},
        {**GOOD_KEY, "chave_pix": "not-an-email", "tipo_chave": "EMAIL"},
        {**GOOD_KEY, "cpf_cnpj": "52998224724"},
    ]
    result = validate(schema.CHAVES, pd.DataFrame(rows))
    assert len(result.valid) == 1
    assert result.rejected["reason"].tolist() == [
        "chave_pix: not a valid key of its tipo_chave",
        "chave_pix: not a valid key of its tipo_chave",
        "cpf_cnpj: invalid CPF/CNPJ check digits",
    ]


def test_missing_column_rejects_every_row():
    """A file without a required column cannot be loaded row by row: all rows are rejected."""
    frame = pd.DataFrame([GOOD_TX]).drop(columns=["valor"])
    result = validate(schema.TRANSACOES, frame)
    assert result.valid.empty and "missing column" in result.rejected.loc[0, "reason"]


def test_optional_ip_is_checked_only_when_present():
    """Logs without an ip column are valid; a malformed ip is rejected."""
    log = {
        "id_log": "L1",
        "id_usuario": "U1",
        "timestamp": "2025-03-01T09:00:00",
        "tipo_autenticacao": "senha",
        "status": "sucesso",
        "id_dispositivo": "D1",
    }
    assert validate(schema.LOGS, pd.DataFrame([log])).rejected.empty
    bad = validate(schema.LOGS, pd.DataFrame([{**log, "ip": "999.1.1.1"}]))
    assert bad.rejected["reason"].tolist() == ["ip: not an IPv4 address"]


def test_timestamps_with_offsets_are_converted_to_brasilia_time():
    """A batch mixing local, offset and date-only timestamps validates: offsets are converted
    to Brasília wall-clock time and a date alone is midnight."""
    stamps = ["2025-03-01T09:16:00", "2025-03-01T12:16:00Z", "2025-03-01T09:16:00-03:00"]
    rows = [{**GOOD_TX, "timestamp": t} for t in [*stamps, "2025-03-01"]]
    result = validate(schema.TRANSACOES, pd.DataFrame(rows))
    assert result.rejected.empty
    assert result.valid["timestamp"].tolist() == 3 * ["2025-03-01T09:16:00"] + [
        "2025-03-01T00:00:00"
    ]


def test_amount_that_rounds_to_zero_is_rejected():
    """1e-9 is > 0 but is R$ 0.00 after rounding to centavos, so it is rejected."""
    result = validate(schema.TRANSACOES, pd.DataFrame([{**GOOD_TX, "valor": "1e-9"}]))
    assert result.rejected["reason"].tolist() == ["valor: amount must be > 0"]


def test_limits_may_be_zero_but_not_negative():
    """A limit of R$ 0 (or one that rounds to it) is a blocked channel, not an error; a
    negative limit is rejected. Transfers keep the stricter "> 0" rule (test above)."""
    limit = {
        "id_usuario": "U1",
        "limite_diario": "5000",
        "limite_por_transacao": "1000",
        "data_atualizacao": "2025-03-01T09:00:00",
    }
    rows = [
        limit,
        {**limit, "limite_diario": "0"},
        {**limit, "limite_por_transacao": "1e-9"},
        {**limit, "limite_diario": "-1"},
    ]
    result = validate(schema.LIMITES, pd.DataFrame(rows))
    assert result.valid["limite_diario"].tolist() == [5000.0, 0.0, 5000.0]
    assert result.valid["limite_por_transacao"].tolist() == [1000.0, 1000.0, 0.0]
    assert result.rejected["reason"].tolist() == ["limite_diario: amount must be >= 0"]


def test_wrong_types_are_rejected_in_money_and_text_columns():
    """A boolean amount or a number where text belongs is a wrong type; numbers in money
    columns are not."""
    rows = [{**GOOD_TX, "valor": True}, {**GOOD_TX, "status": 3}, {**GOOD_TX, "valor": 7.5}]
    result = validate(schema.TRANSACOES, pd.DataFrame(rows))
    assert result.valid["valor"].tolist() == [7.5]
    assert result.rejected["reason"].tolist() == ["valor: wrong type", "status: wrong type"]


def test_enum_values_in_any_case_accents_or_synonyms_load_as_canonical():
    """TRANSFERENCIA, PIX_QR and Concluído are read as transferencia, qrcode and concluida."""
    rows = [
        {**GOOD_TX, "tipo_transacao": "TRANSFERENCIA", "status": "Concluído"},
        {**GOOD_TX, "tipo_transacao": "PIX_QR", "status": "CONCLUIDA"},
    ]
    result = validate(schema.TRANSACOES, pd.DataFrame(rows))
    assert result.rejected.empty
    assert result.valid["tipo_transacao"].tolist() == ["transferencia", "qrcode"]
    assert result.valid["status"].tolist() == ["concluida", "concluida"]


def test_unknown_fraud_type_is_kept_as_outro_with_the_original_beside_it():
    """LAVAGEM is loaded as 'outro' with tipo_fraude_original LAVAGEM; a known type keeps
    tipo_fraude_original empty."""
    fraud = {
        "id_fraude": "F1",
        "id_transacao": "T1",
        "tipo_fraude": "LAVAGEM",
        "data_deteccao": "2025-03-09",
        "valor_fraude": "10.00",
        "status": "CONFIRMADA",
    }
    result = validate(schema.FRAUDES, pd.DataFrame([fraud, {**fraud, "tipo_fraude": "Golpe"}]))
    assert result.rejected.empty
    assert result.valid["tipo_fraude"].tolist() == ["outro", "golpe"]
    assert result.valid["tipo_fraude_original"].tolist() == ["LAVAGEM", None]


def test_decimal_comma_is_read_only_when_the_mapping_says_so():
    """Without a mapping '1.234,56' is rejected with a reason naming the fix; with decimal ','
    it loads as 1234.56, and a dot amount is then rejected."""
    rows = pd.DataFrame([{**GOOD_TX, "valor": "1.234,56"}, {**GOOD_TX, "valor": "7.5"}])
    plain = validate(schema.TRANSACOES, rows)
    assert plain.rejected["reason"].tolist() == [
        "valor: not a number (a decimal comma such as 1.234,56 needs decimal: ',' in a mapping)"
    ]
    comma = validate(schema.TRANSACOES, rows, parse_mapping({"decimal": ","}))
    assert comma.valid["valor"].tolist() == [1234.56]
    assert comma.rejected["reason"].tolist() == ["valor: not a number (the mapping says 1.234,56)"]


def test_day_first_dates_are_read_only_when_the_mapping_says_so():
    """'01/03/2025 09:16' is rejected with a reason naming the fix, and read as 1 March with
    day_first_dates: true."""
    rows = pd.DataFrame([{**GOOD_TX, "timestamp": "01/03/2025 09:16"}])
    assert validate(schema.TRANSACOES, rows).rejected["reason"].tolist() == [
        "timestamp: a day-first date such as 31/12/2025 needs day_first_dates: true in a mapping"
    ]
    mapped = validate(schema.TRANSACOES, rows, parse_mapping({"day_first_dates": "yes"}))
    assert mapped.valid["timestamp"].tolist() == ["2025-03-01T09:16:00"]


def test_with_a_mapping_rejected_rows_keep_the_files_own_columns_and_values():
    """A row rejected after renaming and value mapping is returned as it was in the file."""
    mapping = parse_mapping(
        {
            "transacoes_pix": {
                "columns": {"valor_transacao": "valor"},
                "values": {"status": {"EFETIVADA_OK": "concluida"}},
            }
        }
    )
    row = {**GOOD_TX, "status": "EFETIVADA_OK", "id_transacao": ""}
    row["valor_transacao"] = row.pop("valor")
    result = validate(schema.TRANSACOES, pd.DataFrame([row]), mapping)
    assert result.rejected.to_dict("records") == [{**row, "reason": "id_transacao: missing value"}]


def test_ip_check_agrees_with_reading_each_number():
    """The Arrow regex for IPv4 accepts and rejects exactly what reading the four numbers does
    (1-3 digits each, at most 255), including leading zeros and other scripts' digits."""
    from ingest.validate import _valid_ip, _valid_ip_by_number

    octets = ["0", "7", "00", "09", "99", "000", "010", "199", "200", "249", "250", "255"]
    octets += ["256", "260", "300", "999", "0000", "1255", "", "a", "-1", "٣", "١٠٠", "٣٠٠"]
    values = [f"{a}.{b}.1.{a}" for a in octets for b in ("1", "255", "256")]
    values += ["1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4 ", "1 .2.3.4", "1,2,3,4", "x1.2.3.4"]
    series = pd.Series(values, dtype="string")
    expected = _valid_ip_by_number(series)
    assert _valid_ip(series).tolist() == expected.tolist()
    assert expected.any() and not expected.all()
