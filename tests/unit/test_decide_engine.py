"""Each shipped rule on hand-made transfers, at the exact edges of its limits, and the
engine's guarantees: decide() reads the state without changing it, a replayed transfer is
not counted twice."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from decide.engine import decide
from decide.rules import DEFAULT_RULES, load_rules
from decide.state import Membership, ModelInfo, State, Transfer

RULES = load_rules(DEFAULT_RULES)
T0 = datetime(2025, 3, 10, 12, 0, 0)
_ids = iter(range(1, 10**6))


def world() -> State:
    """Ana (CPF) pays; Bia (CPF) and Loja (CNPJ) receive; all opened a year before."""
    state = State()
    for user, document, key in [
        ("U1", "52998224725", "ana@x.com"),
        ("U2", "11144477735", "bia@x.com"),
        ("U3", "11222333000181", "loja@x.com"),
    ]:
        state.apply(
            "usuarios",
            {"id_usuario": user, "cpf_cnpj": document, "data_cadastro": "2024-03-01T10:00:00"},
        )
        state.apply("chaves_pix", {"chave_pix": key, "cpf_cnpj": document})
    return state


def pay(at: datetime, amount: str, src: str = "ana@x.com", dst: str = "bia@x.com") -> Transfer:
    row = {
        "id_transacao": f"T{next(_ids):08d}",
        "timestamp": at.isoformat(),
        "valor": float(amount),
        "chave_pix_origem": src,
        "chave_pix_destino": dst,
        "tipo_transacao": "transferencia",
        "status": "concluida",
    }
    return Transfer.of_row(row)


def fired(state: State, transfer: Transfer) -> tuple[str, ...]:
    return decide(transfer, state, RULES).rules


def night(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return T0.replace(hour=hour, minute=minute, second=second)


@pytest.mark.parametrize(
    ("at", "amount", "fires"),
    [
        (night(20), "1000.00", False),
        (night(20), "1000.01", True),
        (night(19, 59, 59), "1000.01", False),
        (night(23, 59, 59), "1000.01", True),
        (night(5, 59, 59), "1000.01", True),
        (night(6), "1000.01", False),
    ],
)
def test_night_limit_edges_in_brasilia_time(at: datetime, amount: str, fires: bool):
    assert ("night_limit" in fired(world(), pay(at, amount))) is fires


def test_night_limit_counts_the_night_so_far_and_not_the_day_before():
    state = world()
    state.record(pay(night(19, 59, 59), "900.00"))  # before the night: not counted
    state.record(pay(night(21), "600.00"))
    assert "night_limit" not in fired(state, pay(night(22), "400.00"))
    decision = decide(pay(night(22), "400.01"), state, RULES)
    assert decision.rules == ("night_limit",) and decision.decision == "review"
    assert "R$ 600,00" in decision.reasons[0] and "R$ 1.000,00" in decision.reasons[0]
    # the next evening is a new night period
    assert "night_limit" not in fired(state, pay(night(20) + timedelta(days=1), "1000.00"))


def test_night_limit_is_for_individuals_only():
    assert fired(world(), pay(night(22), "5000.00", src="loja@x.com")) == ()


def test_a_rejected_transfer_moved_no_money_and_is_not_counted():
    state = world()
    rejected = pay(night(21), "900.00")
    state.record(rejected._replace(status="rejeitada"))
    assert "night_limit" not in fired(state, pay(night(22), "1000.00"))


def with_device(registered_hours_before: float, at: datetime = T0) -> State:
    state = world()
    registered = at - timedelta(hours=registered_hours_before)
    state.apply(
        "dispositivos",
        {"id_usuario": "U1", "id_dispositivo": "D9", "data_registro": registered.isoformat()},
    )
    state.apply(
        "log_autenticacao",
        {
            "id_usuario": "U1",
            "id_dispositivo": "D9",
            "timestamp": (at - timedelta(minutes=1)).isoformat(),
            "status": "sucesso",
        },
    )
    return state


@pytest.mark.parametrize(
    ("hours", "amount", "fires"),
    [
        (1, "200.00", False),
        (1, "200.01", True),
        (23.9997, "200.01", True),  # 23:59:59 after registration: still new
        (24, "200.01", False),  # exactly 24 h: no longer new
    ],
)
def test_new_device_per_transfer_limit(hours: float, amount: str, fires: bool):
    assert ("new_device_per_transfer" in fired(with_device(hours), pay(T0, amount))) is fires


def test_new_device_daily_limit_counts_what_was_sent_since_registration():
    state = with_device(5)
    state.record(pay(T0 - timedelta(hours=6), "500.00"))  # before the device: not counted
    for minutes in (50, 40, 30, 20):
        state.record(pay(T0 - timedelta(minutes=minutes), "200.00"))  # R$ 800 on the device
    assert "new_device_daily" not in fired(state, pay(T0, "200.00"))
    assert fired(state, pay(T0, "200.01")) == ("new_device_per_transfer", "new_device_daily")


def test_a_failed_login_does_not_change_the_device_of_the_session():
    state = with_device(48)
    state.apply(
        "dispositivos",
        {"id_usuario": "U1", "id_dispositivo": "D10", "data_registro": T0.isoformat()},
    )
    state.apply(
        "log_autenticacao",
        {
            "id_usuario": "U1",
            "id_dispositivo": "D10",
            "timestamp": T0.isoformat(),
            "status": "falha",
        },
    )
    assert fired(state, pay(T0, "900.00")) == ()


def test_velocity_counts_transfers_and_money_within_ten_minutes():
    state = world()
    state.record(pay(T0 - timedelta(minutes=10, seconds=1), "1.00"))  # outside the window
    for second in range(1, 7):
        state.record(pay(T0 - timedelta(seconds=second * 60), "1.00"))
    assert "velocity" not in fired(state, pay(T0, "1.00"))  # 6 earlier + this = 7
    state.record(pay(T0 - timedelta(minutes=10), "1.00"))  # exactly 10 minutes: inside
    assert "velocity" in fired(state, pay(T0, "1.00"))  # 8
    rich = world()
    rich.record(pay(T0 - timedelta(minutes=5), "9000.00"))
    assert "velocity" not in fired(rich, pay(T0, "999.99"))
    assert "velocity" in fired(rich, pay(T0, "1000.00"))  # R$ 10,000.00 in 10 minutes


def test_a_transfer_to_a_ring_member_is_blocked_with_the_ring_id():
    state = world()
    state.caches.rings["U2"] = Membership("R000042", "open", "ring", 0.8)
    decision = decide(pay(T0, "50.00"), state, RULES)
    assert (decision.decision, decision.ring_id, decision.score) == ("block", "R000042", 0.95)
    assert decision.rules == ("receiver_in_ring",)
    assert "ring R000042 (open)" in decision.reasons[0]
    state.caches.rings["U2"] = Membership("R000042", "dismissed", "ring", 0.8)
    dismissed = decide(pay(T0, "50.00"), state, RULES)
    assert (dismissed.decision, dismissed.rules, dismissed.ring_id) == ("allow", (), "R000042")


def test_gnn_score_at_the_current_models_threshold_asks_for_review():
    state = world()
    state.caches.model = ModelInfo("v1", 0.97)
    state.caches.scores["U2"] = 0.97
    assert fired(state, pay(T0, "50.00")) == ("receiver_high_gnn_score",)
    state.caches.scores["U2"] = 0.9699
    assert fired(state, pay(T0, "50.00")) == ()
    state.caches.scores["U2"] = 0.99
    state.caches.model = ModelInfo()  # no model: no threshold, the rule cannot fire
    assert fired(state, pay(T0, "50.00")) == ()


def test_a_receiver_of_confirmed_fraud_is_blocked():
    state = world()
    state.caches.frauds["U2"] = 1
    decision = decide(pay(T0, "50.00"), state, RULES)
    assert (decision.decision, decision.rules) == ("block", ("receiver_confirmed_fraud",))


def test_new_receiver_with_many_distinct_senders():
    state = world()
    state.accounts["U2"].opened = T0 - timedelta(days=13, hours=23)
    for n in range(8):
        user, document, key = f"S{n}", f"D{n}", f"s{n}@x.com"
        state.apply("usuarios", {"id_usuario": user, "cpf_cnpj": document})
        state.apply("chaves_pix", {"chave_pix": key, "cpf_cnpj": document})
        state.record(pay(T0 - timedelta(hours=n + 1), "10.00", src=key))
    state.record(pay(T0 - timedelta(hours=1), "10.00", src="loja@x.com"))
    state.record(pay(T0 - timedelta(hours=1), "10.00", src="loja@x.com"))  # same sender again
    assert "new_receiver_many_senders" not in fired(state, pay(T0, "10.00", src="loja@x.com"))
    assert "new_receiver_many_senders" in fired(state, pay(T0, "10.00"))  # Ana is the 10th
    state.accounts["U2"].opened = T0 - timedelta(days=14)
    assert "new_receiver_many_senders" not in fired(state, pay(T0, "10.00"))


def test_unknown_keys_decide_allow_without_guessing():
    decision = decide(pay(night(23), "9999.00", src="who@x.com", dst="what@x.com"), State(), RULES)
    assert (decision.decision, decision.sender, decision.receiver) == ("allow", None, None)


def test_decide_reads_the_state_and_changes_nothing():
    state = with_device(1)
    state.record(pay(night(21), "700.00"))
    before = copy.deepcopy(state)
    decide(pay(night(22), "700.00"), state, RULES)
    assert state == before


def test_a_replayed_transfer_is_counted_once():
    state = world()
    first = pay(night(21), "600.00")
    state.record(first)
    state.record(first)
    assert "night_limit" not in fired(state, pay(night(22), "400.00"))
    # deciding the replayed transfer itself does not count it against itself
    assert "night_limit" not in fired(state, first)


def test_the_alert_record_carries_what_the_issue_asks():
    state = world()
    state.caches.rings["U2"] = Membership("R000042", "confirmed", "ring")
    record = decide(pay(T0, "50.00"), state, RULES).record(1234, "2026-12-01T00:00:00+00:00")
    assert record["decision"] == "block" and record["ring_id"] == "R000042"
    assert record["rules"] == ["receiver_in_ring"] and record["reasons"]
    assert record["rules_version"] == RULES.version and record["engine_version"]
    assert record["transfer_kafka_timestamp_ms"] == 1234 and record["score"] == 0.95


def test_a_transfer_and_its_decision_cannot_be_changed():
    """Transfers and decisions are immutable values (the engine and the API share them)."""
    state = world()
    transfer = pay(night(21), "10.00")
    decision = decide(transfer, state, RULES)
    with pytest.raises(AttributeError):
        transfer.cents = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        decision.decision = "block"  # type: ignore[misc]
    assert transfer._replace(cents=1).cents == 1 and transfer.cents == 1_000
