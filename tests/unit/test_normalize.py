"""Tolerant reading of exported values: enum spellings, timestamps, decimal commas, dates."""

from __future__ import annotations

import pandas as pd

from data import schema
from ingest import normalize
from ringwatch.settings import PROJECT_ROOT


def test_fold_ignores_case_accents_spaces_and_hyphens():
    """'Em Análise', 'EM-ANALISE' and ' em analise ' fold to the same spelling."""
    assert {normalize.fold(t) for t in ["Em Análise", "EM-ANALISE", " em  analise "]} == {
        "em_analise"
    }


def test_enum_values_map_spellings_and_synonyms_to_the_canonical_value():
    """Case, accents and documented synonyms give the canonical value; others are missing."""
    lookup = normalize.column_lookup(schema.TRANSACOES, "status")
    text = pd.Series(["CONCLUIDA", "Concluído", "efetivada", "talvez", None], dtype="string")
    assert normalize.enum_values(text, lookup).tolist()[:3] == ["concluida"] * 3
    assert normalize.enum_values(text, lookup).isna().tolist() == [False] * 3 + [True] * 2


def test_enum_lookup_lets_a_value_map_win_over_synonyms():
    """A mapping file's value map overrides a built-in synonym of the same spelling."""
    lookup = normalize.enum_lookup(("a", "b"), {"x": "a"}, {"X": "b"})
    assert lookup["x"] == "b"


def test_closest_finds_a_near_value_or_none():
    """A misspelt value has a closest canonical value; an unrelated word has none."""
    lookup = normalize.column_lookup(schema.TRANSACOES, "tipo_transacao")
    assert normalize.closest("TRANSFERENCA", lookup) == "transferencia"
    assert normalize.closest("boleto", lookup) is None


def test_procedente_means_confirmed_not_its_look_alike_improcedente():
    """A fraud claim 'PROCEDENTE' (upheld) reads as confirmada; 'Não procedente' as
    improcedente, although the spellings are close."""
    lookup = normalize.column_lookup(schema.FRAUDES, "status")
    text = pd.Series(["PROCEDENTE", "Não procedente", "Pendente"], dtype="string")
    assert normalize.enum_values(text, lookup).tolist() == [
        "confirmada",
        "improcedente",
        "em_analise",
    ]


def test_a_year_no_clock_can_hold_is_an_unreadable_time_not_a_crash():
    """Years 2300 and 1500 (with or without an offset) are NaT; the valid time beside them is
    read as usual."""
    text = pd.Series(
        ["2300-01-01T10:00:00", "1500-01-01", "2300-01-01T10:00:00Z", "2025-04-01T10:00:00"],
        dtype="string",
    )
    out = normalize.timestamps(text)
    assert out[:3].isna().all()
    assert out[3] == pd.Timestamp("2025-04-01T10:00:00")


def test_timestamps_accept_dates_spaces_and_offsets_in_brasilia_time():
    """Date-only is midnight, a space may replace T, offsets are converted to Brasília time
    (UTC-3 since 2019, UTC-2 in the 2018 summer); anything else is NaT."""
    text = pd.Series(
        [
            "2025-04-01",
            "2025-04-01 10:00",
            "2025-04-01T12:00:00Z",
            "2025-04-01T09:00:00-0300",
            "2018-01-10T14:00:00+00:00",
            "01/04/2025",
            "2025-04-01Z",
        ],
        dtype="string",
    )
    out = normalize.timestamps(text).dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
    assert out[:5] == [
        "2025-04-01T00:00:00",
        "2025-04-01T10:00:00",
        "2025-04-01T09:00:00",
        "2025-04-01T09:00:00",
        "2018-01-10T12:00:00",
    ]
    assert pd.isna(out[5]) and pd.isna(out[6])


def test_decimal_comma_amounts_become_numbers_and_the_rest_stays():
    """'1.234,56' and '12,5' become numbers; numbers, missing and unreadable text stay."""
    value = pd.Series(["1.234,56", "12,5", "1234", "1,2,3", None, 7.5], dtype=object)
    assert normalize.decimal_comma_amounts(value).tolist() == [
        1234.56,
        12.5,
        1234.0,
        "1,2,3",
        None,
        7.5,
    ]


def test_day_first_dates_become_iso_dates_keeping_the_time():
    """'31/12/2025' and '1/2/2025 08:30' are rewritten as ISO dates; ISO text stays."""
    value = pd.Series(["31/12/2025", "1/2/2025 08:30", "2025-01-01"], dtype=object)
    assert normalize.day_first_dates(value).tolist() == [
        "2025-12-31",
        "2025-02-01 08:30",
        "2025-01-01",
    ]


def test_every_synonym_is_documented_in_data_md():
    """docs/data.md lists each built-in synonym, so a user can see what is read for what."""
    text = (PROJECT_ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    for dataset, columns in schema.SYNONYMS.items():
        for column, table in columns.items():
            rows = text.splitlines()
            [line] = [x for x in rows if x.startswith(f"| {dataset} . {column} |") and "←" in x]
            for spelling, value in table.items():
                assert f"`{spelling}`" in line and f"`{value}`" in line, (dataset, spelling)
