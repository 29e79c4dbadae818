"""The contract between the generator and the loaders: file names, columns, types and enums.

Every name here is part of the data format documented in ``docs/data.md``. The loaders import
this module and validate against exactly these lists, so changing a value is a format change.
Columns marked ``extra`` are written by the generator but are optional for the loaders.
"""

from __future__ import annotations

from typing import Final

# Column kinds: how a loader should parse a column.
ID: Final = "id"  # string, never numeric (keeps leading zeros of CPF/CNPJ)
# ISO-8601 "YYYY-MM-DDTHH:MM:SS", Brasilia local time; loaders also accept a date alone
# (midnight) and an offset ("Z", "+00:00"), which they convert to Brasilia time.
TIMESTAMP: Final = "timestamp"
MONEY: Final = "money"  # BRL with two decimals
ENUM: Final = "enum"  # one of the values in ENUMS[file][column], or one of its SYNONYMS
TEXT: Final = "text"  # free text (names, e-mail, phone, IPv4)

TRANSACOES: Final = "transacoes_pix"
CHAVES: Final = "chaves_pix"
USUARIOS: Final = "usuarios"
DISPOSITIVOS: Final = "dispositivos"
FRAUDES: Final = "fraudes"
LIMITES: Final = "limites_transacoes"
LOGS: Final = "log_autenticacao"

DATASETS: Final[tuple[str, ...]] = (
    TRANSACOES,
    CHAVES,
    USUARIOS,
    DISPOSITIVOS,
    FRAUDES,
    LIMITES,
    LOGS,
)

# Required columns, in file order, with their kind.
COLUMNS: Final[dict[str, dict[str, str]]] = {
    TRANSACOES: {
        "id_transacao": ID,
        "timestamp": TIMESTAMP,
        "valor": MONEY,
        "chave_pix_origem": ID,
        "chave_pix_destino": ID,
        "tipo_transacao": ENUM,
        "status": ENUM,
    },
    CHAVES: {
        "chave_pix": ID,
        "tipo_chave": ENUM,
        "cpf_cnpj": ID,
        "nome_titular": TEXT,
        "data_cadastro": TIMESTAMP,
        "status": ENUM,
    },
    USUARIOS: {
        "id_usuario": ID,
        "cpf_cnpj": ID,
        "nome": TEXT,
        "email": TEXT,
        "telefone": TEXT,
        "data_cadastro": TIMESTAMP,
        "status": ENUM,
    },
    DISPOSITIVOS: {
        "id_dispositivo": ID,
        "id_usuario": ID,
        "tipo_dispositivo": ENUM,
        "data_registro": TIMESTAMP,
        "status": ENUM,
    },
    FRAUDES: {
        "id_fraude": ID,
        "id_transacao": ID,
        "tipo_fraude": ENUM,
        "data_deteccao": TIMESTAMP,
        "valor_fraude": MONEY,
        "status": ENUM,
    },
    LIMITES: {
        "id_usuario": ID,
        "limite_diario": MONEY,
        "limite_por_transacao": MONEY,
        "data_atualizacao": TIMESTAMP,
    },
    LOGS: {
        "id_log": ID,
        "id_usuario": ID,
        "timestamp": TIMESTAMP,
        "tipo_autenticacao": ENUM,
        "status": ENUM,
        "id_dispositivo": ID,
    },
}

# Optional columns the generator adds after the required ones.
EXTRA_COLUMNS: Final[dict[str, dict[str, str]]] = {
    LOGS: {"ip": TEXT},
}

TIPO_TRANSACAO: Final = ("transferencia", "qrcode", "agendado", "saque", "devolucao")
STATUS_TRANSACAO: Final = ("concluida", "rejeitada", "devolvida")
TIPO_CHAVE: Final = ("CPF", "CNPJ", "EMAIL", "TELEFONE", "EVP")
STATUS_CHAVE: Final = ("ativa", "inativa", "bloqueada")
STATUS_USUARIO: Final = ("ativa", "bloqueada", "encerrada")
TIPO_DISPOSITIVO: Final = ("android", "ios", "navegador")
STATUS_DISPOSITIVO: Final = ("ativo", "inativo", "bloqueado")
TIPO_FRAUDE: Final = (
    "golpe",
    "conta_laranja",
    "invasao_conta",
    "fraude_cadastral",
    "coercao",
    "outro",  # never generated: a loaded fraud type ringwatch does not know (see FALLBACKS)
)
STATUS_FRAUDE: Final = ("confirmada", "em_analise", "improcedente")
TIPO_AUTENTICACAO: Final = ("senha", "biometria", "pin", "sms")
STATUS_AUTENTICACAO: Final = ("sucesso", "falha")

ENUMS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    TRANSACOES: {"tipo_transacao": TIPO_TRANSACAO, "status": STATUS_TRANSACAO},
    CHAVES: {"tipo_chave": TIPO_CHAVE, "status": STATUS_CHAVE},
    USUARIOS: {"status": STATUS_USUARIO},
    DISPOSITIVOS: {"tipo_dispositivo": TIPO_DISPOSITIVO, "status": STATUS_DISPOSITIVO},
    FRAUDES: {"tipo_fraude": TIPO_FRAUDE, "status": STATUS_FRAUDE},
    LOGS: {"tipo_autenticacao": TIPO_AUTENTICACAO, "status": STATUS_AUTENTICACAO},
}

# Other spellings of enum values that bank exports use, per file and column. Loaders compare
# values case- and accent-insensitively, with spaces and hyphens read as "_" ("Concluído",
# "CONCLUIDA" and "concluida" are the same value), so only real synonyms are listed here.
SYNONYMS: Final[dict[str, dict[str, dict[str, str]]]] = {
    TRANSACOES: {
        "tipo_transacao": {
            "pix": "transferencia",
            "transferencia_pix": "transferencia",
            "pix_chave": "transferencia",
            "qr_code": "qrcode",
            "pix_qr": "qrcode",
            "pix_qrcode": "qrcode",
            "pix_agendado": "agendado",
            "agendamento": "agendado",
            "pix_saque": "saque",
            "estorno": "devolucao",
            "pix_devolucao": "devolucao",
        },
        "status": {
            "concluido": "concluida",
            "efetivada": "concluida",
            "liquidada": "concluida",
            "rejeitado": "rejeitada",
            "recusada": "rejeitada",
            "devolvido": "devolvida",
            "estornada": "devolvida",
        },
    },
    CHAVES: {
        "tipo_chave": {
            "e_mail": "EMAIL",
            "celular": "TELEFONE",
            "telefone_celular": "TELEFONE",
            "phone": "TELEFONE",
            "aleatoria": "EVP",
            "chave_aleatoria": "EVP",
        },
        "status": {"ativo": "ativa", "inativo": "inativa", "bloqueado": "bloqueada"},
    },
    USUARIOS: {"status": {"ativo": "ativa", "bloqueado": "bloqueada", "encerrado": "encerrada"}},
    DISPOSITIVOS: {
        "tipo_dispositivo": {"browser": "navegador", "web": "navegador", "iphone": "ios"},
        "status": {"ativa": "ativo", "inativa": "inativo", "bloqueada": "bloqueado"},
    },
    FRAUDES: {
        "tipo_fraude": {"laranja": "conta_laranja", "invasao": "invasao_conta"},
        "status": {
            "confirmado": "confirmada",
            "em_investigacao": "em_analise",
            "pendente": "em_analise",
            # A claim upheld is "procedente": confirmed, not a near-miss of "improcedente".
            "procedente": "confirmada",
            "nao_procedente": "improcedente",
        },
    },
    LOGS: {
        "tipo_autenticacao": {"password": "senha", "biometrica": "biometria"},
        "status": {"success": "sucesso", "ok": "sucesso", "failure": "falha", "erro": "falha"},
    },
}

# Enum columns where an unknown value is loaded as a fallback value, with the original text
# kept in a column beside it, instead of being rejected: a fraud case is evidence even when
# its category is new to ringwatch.
FALLBACKS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    FRAUDES: {"tipo_fraude": ("outro", "tipo_fraude_original")},
}

# The time zone of every loaded timestamp; values with an offset are converted to it.
TIME_ZONE: Final = "America/Sao_Paulo"

# Identifier prefixes and minimum digit counts (wider when a scale needs more digits).
ID_FORMATS: Final[dict[str, tuple[str, int]]] = {
    "id_usuario": ("U", 7),
    "id_dispositivo": ("D", 7),
    "id_transacao": ("T", 8),
    "id_log": ("L", 8),
    "id_fraude": ("F", 6),
    "ring_id": ("R", 4),
    "group_id": ("G", 4),
}

# Ground truth: read by evaluation only, never by loaders, features or models.
GROUND_TRUTH_RINGS: Final = "ground_truth_rings.csv"
GROUND_TRUTH_LOOKALIKES: Final = "ground_truth_lookalikes.csv"
RING_COLUMNS: Final = ("ring_id", "id_usuario", "tipologia")
LOOKALIKE_COLUMNS: Final = ("group_id", "id_usuario", "tipo")

TYPOLOGIES: Final = (
    "fan_in",
    "fan_out",
    "layering_chain",
    "cycle",
    "scatter_gather",
    "mule_farm",
    "account_takeover",
    "rented_account",
)
LOOKALIKE_TYPES: Final = (
    "comerciante",
    "folha_pagamento",
    "familia",
    "contas_proprias",
    "pequeno_negocio",
)

FORMATS: Final = ("csv", "parquet")


def file_name(dataset: str, fmt: str) -> str:
    """The file name of one of the seven datasets in the given format."""
    return f"{dataset}.{fmt}"


def columns(dataset: str) -> tuple[str, ...]:
    """The required column names of a dataset, in file order."""
    return tuple(COLUMNS[dataset])
