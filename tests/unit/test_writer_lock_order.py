"""Rows are written in lock order (ingest.writer.in_lock_order): sorted so that concurrent
loaders take their locks in the same order, without changing what any batch writes."""

from data import schema
from ingest.writer import LOCK_ORDER, in_lock_order


def test_logins_are_sorted_by_account_then_device_then_ip() -> None:
    rows = [
        {"id_log": "L3", "id_usuario": "U2", "id_dispositivo": "D1", "ip": "10.0.0.1"},
        {"id_log": "L1", "id_usuario": "U1", "id_dispositivo": "D9", "ip": None},
        {"id_log": "L2", "id_usuario": "U1", "id_dispositivo": "D2", "ip": "10.0.0.9"},
        {"id_log": "L4", "id_usuario": "U1", "id_dispositivo": "D9", "ip": "10.0.0.2"},
    ]
    ordered = [r["id_log"] for r in in_lock_order(schema.LOGS, rows)]
    assert ordered == ["L2", "L4", "L1", "L3"]  # a missing IP sorts after any address


def test_transfers_are_sorted_by_origin_then_destination_key() -> None:
    rows = [
        {"id_transacao": "T1", "chave_pix_origem": "b", "chave_pix_destino": "x"},
        {"id_transacao": "T2", "chave_pix_origem": "a", "chave_pix_destino": "z"},
        {"id_transacao": "T3", "chave_pix_origem": "a", "chave_pix_destino": "y"},
    ]
    assert [r["id_transacao"] for r in in_lock_order(schema.TRANSACOES, rows)] == [
        "T3",
        "T2",
        "T1",
    ]


def test_two_rows_of_one_entity_keep_their_arrival_order() -> None:
    # A key moved to another holder within one batch: the later row must still be written
    # last, whatever its holder, so only the key's own id orders key rows.
    rows = [
        {"chave_pix": "k2", "cpf_cnpj": "999", "status": "ativa"},
        {"chave_pix": "k1", "cpf_cnpj": "222", "status": "ativa"},
        {"chave_pix": "k1", "cpf_cnpj": "111", "status": "portada"},
    ]
    ordered = in_lock_order(schema.CHAVES, rows)
    assert [(r["chave_pix"], r["cpf_cnpj"]) for r in ordered] == [
        ("k1", "222"),
        ("k1", "111"),
        ("k2", "999"),
    ]


def test_every_dataset_has_a_lock_order_and_sorting_keeps_every_row() -> None:
    assert set(LOCK_ORDER) == set(schema.DATASETS)
    rows = [{"id_fraude": f"F{i}", "id_transacao": f"T{i % 3}"} for i in (5, 1, 3)]
    assert sorted(map(str, in_lock_order(schema.FRAUDES, rows))) == sorted(map(str, rows))
