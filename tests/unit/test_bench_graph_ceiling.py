"""The benchmark's graph ceiling plans the same entities and PIX edges the loaders build."""

from __future__ import annotations

import pandas as pd

from bench import graph_ceiling

ANA, BIA = "52998224725", "11144477735"


def frames() -> dict[str, pd.DataFrame]:
    return {
        "usuarios": pd.DataFrame(
            [["U1", ANA, "Ana", "ana@x.com", "", "2024-01-02T10:00:00", "ativa"],
             ["U2", BIA, "Bia", "", "+5511987654322", "2024-02-02T10:00:00", "ativa"],
             ["U3", BIA, "Bia", "", "+5511987654322", "2024-03-02T10:00:00", "ativa"]],
            columns=["id_usuario", "cpf_cnpj", "nome", "email", "telefone", "data_cadastro",
                     "status"],
        ),
        "chaves_pix": pd.DataFrame(
            [["ana@x.com", "EMAIL", ANA, "Ana", "2024-01-02T10:00:00", "ativa"],
             [BIA, "CPF", BIA, "Bia", "2024-02-02T10:00:00", "ativa"]],
            columns=["chave_pix", "tipo_chave", "cpf_cnpj", "nome_titular", "data_cadastro",
                     "status"],
        ),
        "transacoes_pix": pd.DataFrame(
            [["T1", "2025-04-01T10:00:00", "10.00", "ana@x.com", BIA, "qrcode", "concluida"],
             ["T2", "2025-04-01T11:00:00", "20.00", "ana@x.com", "+55999", "qrcode",
              "concluida"]],
            columns=["id_transacao", "timestamp", "valor", "chave_pix_origem",
                     "chave_pix_destino", "tipo_transacao", "status"],
        ),
        "fraudes": pd.DataFrame(
            [["F1", "T9", "golpe", "2025-04-09T10:00:00", "10.00", "confirmada"]],
            columns=["id_fraude", "id_transacao", "tipo_fraude", "data_deteccao",
                     "valor_fraude", "status"],
        ),
    }  # fmt: skip


def test_entities_are_planned_once_and_empty_values_are_absent():
    """Holders, phones and keys shared by rows appear once; a key seen only in a transaction
    and a transaction seen only in a fraud report still get their node; empty text values
    are not properties."""
    plan = graph_ceiling.plan(frames())
    assert sorted(plan.nodes["Holder"].cpf_cnpj) == sorted([ANA, BIA])
    assert list(plan.nodes["Phone"].number) == ["+5511987654322"]
    assert list(plan.nodes["Email"].address) == ["ana@x.com"]
    assert sorted(plan.nodes["PixKey"].chave) == sorted(["ana@x.com", BIA, "+55999"])
    assert list(plan.nodes["Transaction"].id_transacao) == ["T9"]
    ana = graph_ceiling._rows(plan.nodes["Account"])[0]
    assert ana["id_usuario"] == "U1" and "limite_diario" not in ana


def test_pix_edges_pair_every_account_of_both_holders():
    """T1 goes from Ana's key to Bia's key; Bia holds two accounts, so the loaders' pattern
    (key -> holder <- account) gives two edges; T2's destination key has no holder: none."""
    edges = graph_ceiling.plan(frames()).rels["pix"]
    assert sorted(zip(edges.src, edges.dst, edges.id_transacao, strict=True)) == [
        ("U1", "U2", "T1"),
        ("U1", "U3", "T1"),
    ]
