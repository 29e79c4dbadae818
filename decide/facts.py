"""What a rule can read: every field of the five roots, with its meaning.

This table is the contract between the state (``decide.state`` fills the fields), the rules
(``decide.rules`` refuses a field that is not here) and the documentation
(``docs/decisions.md`` lists every field; a unit test fails when one is missing there).
Amounts are reais (floats with two decimals), times Brasília local time, as in the data.
"""

from __future__ import annotations

from typing import Final

FIELDS: Final[dict[str, dict[str, str]]] = {
    "transfer": {
        "id": "the transfer's id_transacao",
        "amount": "its amount in reais",
        "hour": "its hour in Brasília time, 0-23",
        "minute_of_day": "minutes since midnight in Brasília time, 0-1439",
        "night": "true from 20:00:00 to 05:59:59 Brasília time (the Pix night period)",
        "type": "tipo_transacao: transferencia, qrcode, agendado, saque or devolucao",
        "status": "status: concluida, rejeitada or devolvida",
        "same_account": "true when the sender pays an account of its own holder",
    },
    "sender": {
        "known": "true when the paying key resolves to a known account",
        "id": "the paying account's id_usuario",
        "individual": "true for a person (CPF), false for a company (CNPJ)",
        "age_days": "days since the account was opened",
        "night_limit": "the night limit per night period in reais: R$ 1,000.00 for individuals "
        "(the datasets carry no raised night limit), none for companies",
        "night_total": "what the account sent earlier in the same night period (20:00-06:00)",
        "daily_limit": "limite_diario of limites_transacoes",
        "per_transfer_limit": "limite_por_transacao of limites_transacoes",
        "day_total": "what the account sent in the 24 hours before this transfer",
        "device": "the device of the account's last successful login before this transfer",
        "device_age_hours": "hours since that device was registered for the account",
        "device_new": "true when that device was registered less than 24 hours before",
        "new_device_total": "what the account sent since that device was registered "
        "(counted while the device is new)",
    },
    "receiver": {
        "known": "true when the receiving key resolves to a known account",
        "id": "the receiving account's id_usuario",
        "individual": "true for a person (CPF), false for a company (CNPJ)",
        "age_days": "days since the account was opened",
        "ring_id": "the ring the account belongs to (a confirmed ring first, then the "
        "highest-scoring), or none",
        "ring_status": "that ring's status: open, confirmed, escalated or dismissed",
        "ring_kind": "that ring's kind: ring or linked_accounts",
        "gnn_score": "the account's gnn_score (a rank in (0, 1]), or none before scoring",
        "confirmed_frauds_received": "confirmed fraud cases (fraudes, confirmada) on "
        "transfers the account received",
        "distinct_senders": "distinct accounts that paid it, this transfer included; counted "
        "for accounts opened less than 30 days before, none for older ones",
    },
    "model": {
        "version": "the current GNN model's version (models/current), or none",
        "threshold": "that model's alert threshold on gnn_score (best F1 on its test "
        "accounts), or none",
    },
    # params: the rule's own ``params`` block
}
ROOTS: Final = (*FIELDS, "params")
# Fields the decision itself reads whatever the rules (``decide.engine.decide``: who paid
# whom, and the ring named on the alert); the facts of a transfer hold these and the fields
# the loaded rules read (``RuleSet.reads``).
ALWAYS: Final[dict[str, frozenset[str]]] = {
    "sender": frozenset({"known", "id"}),
    "receiver": frozenset({"known", "id", "ring_id"}),
}
# Every field: what ``decide.state.facts_of`` computes when not told which.
EVERY: Final[dict[str, frozenset[str]]] = {root: frozenset(n) for root, n in FIELDS.items()}
# Fields shown as R$ amounts in reasons.
AMOUNTS: Final = frozenset(
    {
        ("transfer", "amount"),
        ("sender", "night_limit"),
        ("sender", "night_total"),
        ("sender", "daily_limit"),
        ("sender", "per_transfer_limit"),
        ("sender", "day_total"),
        ("sender", "new_device_total"),
    }
)


def schema(params: frozenset[str] = frozenset()) -> dict[str, frozenset[str]]:
    """Root -> readable names, with ``params`` holding a rule's own parameter names."""
    return {root: frozenset(names) for root, names in FIELDS.items()} | {"params": params}
