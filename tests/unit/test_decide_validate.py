"""The engine's record-by-record validation (decide.validate) rejects exactly the messages the
loader's plan_batch rejects, with the same cause and reason, and yields the same rows: both
run on the same batches of hand-made records, valid and broken in every way we know."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from data import schema
from decide import validate as dv
from decide.validate import check_records, plan_records
from ingest.stream import Message, plan_batch
from ingest.topics import Topics

TOPICS = Topics("v")
CPF, CNPJ = "52998224725", "11222333000181"
VALID: dict[str, dict[str, Any]] = {
    schema.TRANSACOES: {
        "id_transacao": "T00000001",
        "timestamp": "2025-03-10T12:00:00",
        "valor": "50.00",
        "chave_pix_origem": "a@x.com",
        "chave_pix_destino": "b@x.com",
        "tipo_transacao": "transferencia",
        "status": "concluida",
    },
    schema.USUARIOS: {
        "id_usuario": "U0000001",
        "cpf_cnpj": CPF,
        "nome": "José da Silva",
        "email": "jose@x.com",
        "telefone": "+5511987654321",
        "data_cadastro": "2024-01-02T08:00:00",
        "status": "ativa",
    },
    schema.CHAVES: {
        "chave_pix": "a@x.com",
        "tipo_chave": "EMAIL",
        "cpf_cnpj": CPF,
        "nome_titular": "José da Silva",
        "data_cadastro": "2024-01-02T08:00:00",
        "status": "ativa",
    },
    schema.DISPOSITIVOS: {
        "id_dispositivo": "D0000001",
        "id_usuario": "U0000001",
        "tipo_dispositivo": "android",
        "data_registro": "2024-01-02T08:00:00",
        "status": "ativo",
    },
    schema.LIMITES: {
        "id_usuario": "U0000001",
        "limite_diario": "5000.00",
        "limite_por_transacao": 1000,
        "data_atualizacao": "2024-01-02T08:00:00",
    },
    schema.LOGS: {
        "id_log": "L0000001",
        "id_usuario": "U0000001",
        "timestamp": "2025-03-10T11:59:00",
        "tipo_autenticacao": "senha",
        "status": "sucesso",
        "id_dispositivo": "D0000001",
        "ip": "10.0.0.1",
    },
    schema.FRAUDES: {
        "id_fraude": "F0000001",
        "id_transacao": "T00000001",
        "tipo_fraude": "golpe",
        "data_deteccao": "2025-03-11T08:00:00",
        "valor_fraude": "50.00",
        "status": "confirmada",
    },
}
ANY_VALUE: list[Any] = [
    None, "", "   ", " padded ", 5, 5.5, True, [1], {"a": 1}, "x" * 300, "١٢٣", "José",
    "\x1fx\x1c", "\xa0x\u2003",
]  # fmt: skip
MONEY: list[Any] = [
    "50", "50.00", " 50.5 ", "-5", "0", "0.00", "0.001", "0.004", "0.005", "0.006", "1e3",
    "1.234,56", "1234,5", "abc", "1000000000.00", "1000000000.01", 1e9, 1e10, 2**60, 10**30,
    2.675, 1.005, 0.285, 0, -0.0, 12, "١٢", "nan", "inf", "12.345",
]  # fmt: skip
TIMES: list[Any] = [
    "2025-03-10T12:00:00", "2025-03-10", "2025-03-10 12:00", "2025-03-10T12:00:00.5",
    "2025-03-10T12:00:00-03:00", "2025-03-10T12:00:00Z", "31/12/2025", "2025-02-30T00:00:00",
    "2025-03-10T24:00:00", "hello",
    "2025-3-10T12:00:00", "２０２５-03-10T12:00:00",
]  # fmt: skip
ENUMS: list[Any] = ["CONCLUIDA", "Concluído", "pix", "estorno", "xyz", " concluida ", "EM-ANALISE"]
KEYS: list[Any] = [
    "a@x.com", "b@x.com", "not-an-email", "+5511987654321", "+551198765432", CPF, CNPJ,
    "52998224724", "11111111111", "123e4567-e89b-12d3-a456-426614174000", "ção@x.com",
]  # fmt: skip
DOCUMENTS: list[Any] = [CPF, CNPJ, "52998224724", "11111111111", "5299822472", "١١١١١"]
IPS: list[Any] = ["10.0.0.1", "300.1.1.1", "1.2.3", "255.255.255.255", "١.٢.٣.٤", " 10.0.0.2 "]


def variants(dataset: str, column: str) -> list[Any]:
    kind = schema.COLUMNS[dataset].get(column) or schema.EXTRA_COLUMNS[dataset][column]
    extra: list[Any] = []
    if kind == schema.MONEY:
        extra = MONEY
    elif kind == schema.TIMESTAMP:
        extra = TIMES
    elif kind == schema.ENUM:
        extra = [*ENUMS, *schema.ENUMS[dataset][column]]
    elif column in ("chave_pix", "chave_pix_origem", "chave_pix_destino"):
        extra = KEYS
    elif column == "cpf_cnpj":
        extra = DOCUMENTS
    elif column == "ip":
        extra = IPS
    return [*ANY_VALUE, *extra]


def mutated(dataset: str, rng: random.Random) -> dict[str, Any]:
    obj = dict(VALID[dataset])
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 3])):
        column = rng.choice(list(obj) or ["id"])
        if rng.random() < 0.1:
            obj.pop(column, None)
        else:
            obj[column] = rng.choice(variants(dataset, column))
    if dataset == schema.CHAVES and rng.random() < 0.5:
        obj["tipo_chave"] = rng.choice(["CPF", "CNPJ", "TELEFONE", "EVP", "EMAIL"])
    return obj


def messages(objects: list[tuple[str, Any]]) -> list[Message]:
    out = []
    for offset, (dataset, obj) in enumerate(objects):
        value = obj if isinstance(obj, bytes) else json.dumps(obj, ensure_ascii=False).encode()
        out.append(Message(TOPICS.of(dataset), 0, offset, f"k{offset}".encode(), value, 1))
    return out


def outcome(plan: Any) -> tuple[Any, ...]:
    rejected = [(r.message.offset, r.cause, r.reason) for r in plan.rejections]
    return plan.rows, plan.valid, rejected


@pytest.mark.parametrize("seed", range(20))
def test_record_checks_reject_and_keep_what_plan_batch_does(seed):
    rng = random.Random(seed)
    datasets = list(VALID)
    batch: list[tuple[str, Any]] = []
    for _ in range(rng.randint(1, 60)):
        dataset = rng.choice(datasets)
        if rng.random() < 0.05:
            batch.append((dataset, rng.choice([b"{broken", b"[1, 2]", b"NaN", b"\xff\xfe"])))
        else:
            batch.append((dataset, mutated(dataset, rng)))
    given = messages(batch)
    assert outcome(plan_records(given, TOPICS)) == outcome(plan_batch(given, TOPICS))


@pytest.mark.parametrize("dataset", sorted(VALID))
def test_each_broken_value_alone_is_judged_as_plan_batch_judges_it(dataset):
    for column in VALID[dataset]:
        for value in variants(dataset, column):
            given = messages([(dataset, {**VALID[dataset], column: value})])
            assert outcome(plan_records(given, TOPICS)) == outcome(plan_batch(given, TOPICS)), (
                column,
                value,
            )


def test_a_column_no_record_of_the_batch_carries_rejects_them_all():
    without = {k: v for k, v in VALID[schema.TRANSACOES].items() if k != "status"}
    assert (
        check_records(schema.TRANSACOES, [without, without])
        == [(None, "missing column(s) ['status']")] * 2
    )
    # Carried by another record of the batch, the column is only missing in this one.
    both = check_records(schema.TRANSACOES, [without, VALID[schema.TRANSACOES]])
    assert both[0] == (None, "status: missing value")
    assert both[1][0] is not None


def test_a_batch_whose_amounts_are_all_numbers_reads_them_as_the_loader_does():
    rows = [dict(VALID[schema.TRANSACOES], id_transacao=f"T{i}", valor=v) for i, v in enumerate(
        [12, 2.675, 1.005, 1e9, 0.004]
    )]  # fmt: skip
    given = messages([(schema.TRANSACOES, row) for row in rows])
    assert outcome(plan_records(given, TOPICS)) == outcome(plan_batch(given, TOPICS))


@pytest.mark.parametrize("when", ["2300-01-01T00:00:00", "1500-01-01"])
def test_a_date_pandas_cannot_hold_is_rejected_as_the_loader_rejects_it(when):
    """A year no nanosecond clock holds is an unreadable timestamp for both validators, and
    the other records of its batch are judged as if it were not there."""
    broken = dict(VALID[schema.TRANSACOES], timestamp=when)
    given = messages([(schema.TRANSACOES, broken)])
    assert outcome(plan_records(given, TOPICS)) == outcome(plan_batch(given, TOPICS))
    [(_, cause, reason)] = outcome(plan_records(given, TOPICS))[2]
    assert reason.startswith("timestamp:")
    mixed = messages([(schema.TRANSACOES, broken), (schema.TRANSACOES, VALID[schema.TRANSACOES])])
    assert plan_records(mixed, TOPICS).rows == plan_batch(mixed, TOPICS).rows


def judged(checker: Any, obj: dict[str, Any]) -> Any:
    """A checker's outcome on one record, a deferral to ``validate`` being one outcome."""
    try:
        return checker.check(obj)
    except dv._Defer:
        return "deferred to validate"


def transfer_checkers() -> tuple[Any, Any]:
    kinds = dict(schema.COLUMNS[schema.TRANSACOES])
    general = dv._Checker(schema.TRANSACOES, kinds)
    return dv._TransferChecker(general), general


@pytest.mark.parametrize("seed", range(10))
def test_the_transfer_shortcut_judges_random_broken_records_as_the_general_checker(seed):
    rng = random.Random(seed)
    special, general = transfer_checkers()
    outcomes = set()
    for _ in range(2_000):
        obj = mutated(schema.TRANSACOES, rng)
        if rng.random() < 0.3:  # the shortcut's own edges: spacing, spellings, same keys
            column = rng.choice(list(VALID[schema.TRANSACOES]))
            value = obj.get(column)
            obj[column] = rng.choice(
                [f" {value}", f"{value}\t", str(value).upper(), obj.get("chave_pix_origem")]
            )
        expected = judged(general, obj)
        assert judged(special, obj) == expected, obj
        outcomes.add("deferred" if isinstance(expected, str) else expected[0] is None)
    assert outcomes == {"deferred", True, False}  # valid, rejected and deferred records


def test_the_usual_transfer_takes_the_shortcut(monkeypatch):
    special, general = transfer_checkers()
    usual = [
        VALID[schema.TRANSACOES],
        {**VALID[schema.TRANSACOES], "valor": 12.5, "status": "rejeitada"},
        {**VALID[schema.TRANSACOES], "tipo_transacao": "qrcode", "id_transacao": " T9 "},
    ]
    expected = [general.check(obj) for obj in usual]
    monkeypatch.setattr(dv._Checker, "check", lambda self, obj: pytest.fail("not the shortcut"))
    assert [special.check(obj) for obj in usual] == expected
    assert all(row is not None for row, _ in expected)


def test_transfers_with_their_own_columns_get_the_shortcut_and_others_do_not():
    own = tuple(schema.COLUMNS[schema.TRANSACOES].items())
    assert isinstance(dv._checker(schema.TRANSACOES, own), dv._TransferChecker)
    assert not isinstance(
        dv._checker(schema.USUARIOS, tuple(schema.COLUMNS[schema.USUARIOS].items())),
        dv._TransferChecker,
    )
