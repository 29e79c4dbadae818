"""The engine computes only the facts its rules read: the set comes from the compiled rules
(a rule reading a field no other rule reads gets it), the facts computed are the values
every fact would have, and the decisions are those made with every fact computed."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta

import pytest

from decide import expr, facts
from decide.engine import decide
from decide.rules import DEFAULT_RULES, RuleSet, load_rules, parse_rules
from decide.state import Membership, ModelInfo, State, Transfer, facts_of

RULES = load_rules(DEFAULT_RULES)
T0 = datetime(2025, 3, 10, 12, 0, 0)
DAY_TOTAL_RULE = """
version: "t1"
rules:
  - id: over_daily_limit
    description: The day's total would pass the account's daily limit.
    severity: review
    when: sender.day_total + transfer.amount > sender.daily_limit
    reason: >
      {sender.id} (opened {sender.age_days} days before) would send more than
      {sender.daily_limit} in a day (already {sender.day_total}).
"""


def every_fact(rules: RuleSet) -> RuleSet:
    """The same rules, deciding on every fact computed (as before this was pruned)."""
    full = dataclasses.replace(rules)
    full.__dict__["reads"] = facts.EVERY
    return full


def test_the_fields_computed_are_those_the_rules_and_the_decision_read():
    reads = RULES.reads
    assert {"night_total", "night_limit", "device_new", "new_device_total"} <= reads["sender"]
    assert "device_age_hours" in reads["sender"]  # read by a reason only
    assert {"ring_status", "gnn_score", "distinct_senders"} <= reads["receiver"]
    assert "ring_id" in reads["receiver"]  # the decision names the ring
    assert "version" in reads["model"]  # a reason names the model
    # Fields no shipped rule reads are not computed.
    assert not {"day_total", "daily_limit", "age_days"} & reads["sender"]
    assert not {"hour", "type", "same_account"} & reads["transfer"]
    assert "params" not in reads


def world() -> State:
    state = State()
    for user, document, key in [
        ("U1", "52998224725", "ana@x.com"),
        ("U2", "11144477735", "bia@x.com"),
    ]:
        state.apply(
            "usuarios",
            {"id_usuario": user, "cpf_cnpj": document, "data_cadastro": "2024-03-01T10:00:00"},
        )
        state.apply("chaves_pix", {"chave_pix": key, "cpf_cnpj": document})
    state.apply(
        "limites_transacoes",
        {"id_usuario": "U1", "limite_diario": 1000.0, "limite_por_transacao": 500.0},
    )
    return state


def pay(at: datetime, cents: int, n: int, src: str = "ana@x.com") -> Transfer:
    return Transfer(f"T{n}", at, cents, src, "bia@x.com")


def test_a_new_rule_reading_a_field_no_shipped_rule_reads_gets_it():
    rules = parse_rules(DAY_TOTAL_RULE)
    assert {"day_total", "daily_limit", "age_days"} <= rules.reads["sender"]
    state = world()
    state.record(pay(T0 - timedelta(hours=5), 60_000, 1))
    assert decide(pay(T0, 40_000, 2), state, rules).rules == ()  # R$ 1,000.00: at the limit
    decision = decide(pay(T0, 40_001, 3), state, rules)
    assert decision.rules == ("over_daily_limit",)
    assert (
        "already R$ 600,00" in decision.reasons[0] and "opened 374.08 days" in decision.reasons[0]
    )
    # With every fact computed the rule decides the same.
    assert decide(pay(T0, 40_001, 3), state, every_fact(rules)) == decision


def busy_world(rng: random.Random) -> tuple[State, list[Transfer]]:
    """Twenty accounts, some young, some with new devices, rings, scores and fraud cases,
    and a day of random transfers between their keys (a few to unknown keys)."""
    state = State()
    keys = []
    for n in range(20):
        user, document = f"U{n}", f"{n:011d}" if n % 5 else f"{n:014d}"
        opened = T0 - timedelta(days=rng.choice([2, 10, 13.9, 40, 400]))
        state.apply(
            "usuarios",
            {"id_usuario": user, "cpf_cnpj": document, "data_cadastro": opened.isoformat()},
        )
        keys.append(f"k{n}@x.com")
        state.apply("chaves_pix", {"chave_pix": keys[-1], "cpf_cnpj": document})
        if rng.random() < 0.5:
            registered = T0 - timedelta(hours=rng.uniform(0, 48))
            state.register_device(user, f"D{n}", registered)
            state.login(user, f"D{n}", registered + timedelta(minutes=1))
        if rng.random() < 0.2:
            state.caches.rings[user] = Membership(
                f"R{n}", rng.choice(["open", "dismissed"]), "ring"
            )
        if rng.random() < 0.3:
            state.caches.scores[user] = rng.random()
        if rng.random() < 0.1:
            state.caches.frauds[user] = 1
    state.caches.model = ModelInfo("m1", 0.5)
    transfers = []
    for n in range(400):
        at = T0 + timedelta(seconds=rng.randint(-12 * 3600, 12 * 3600))
        src, dst = rng.sample([*keys, "nobody@x.com"], 2)
        cents = rng.choice([100, 20_000, 20_001, 99_999, 100_000, 100_001, rng.randint(1, 500_000)])
        transfers.append(Transfer(f"T{n}", at, cents, src, dst))
    return state, sorted(transfers, key=lambda t: t.time)


@pytest.mark.parametrize("seed", range(5))
def test_the_facts_computed_are_the_values_every_fact_has(seed):
    rng = random.Random(seed)
    state, transfers = busy_world(rng)
    fields = [(root, name) for root, names in facts.FIELDS.items() for name in names]
    for transfer in transfers:
        full = facts_of(transfer, state, RULES.windows)
        wanted = RULES.reads
        pruned = facts_of(transfer, state, RULES.windows, wanted)
        for root, known in pruned.items():
            for name, value in known.items():
                assert full[root][name] == value, (root, name)
        for root, names in wanted.items():
            if full[root].get("known", True):
                assert names <= set(pruned[root]), root
        some = {
            root: frozenset(n for r, n in rng.sample(fields, 6) if r == root)
            for root in facts.FIELDS
        }
        for root, known in facts_of(transfer, state, frozenset(), some).items():
            for name, value in known.items():
                assert full[root][name] == value, (root, name)
        state.record(transfer)


@pytest.mark.parametrize("seed", range(5))
def test_decisions_are_those_made_with_every_fact(seed):
    rng = random.Random(100 + seed)
    state, transfers = busy_world(rng)
    rules = RuleSet(RULES.version, (*RULES.rules, *parse_rules(DAY_TOTAL_RULE).rules), "both")
    full = every_fact(rules)
    verdicts = set()
    for transfer in transfers:
        decision = decide(transfer, state, rules)
        assert decision == decide(transfer, state, full)
        verdicts.add(decision.decision)
        state.record(transfer, (decision.sender, decision.receiver))
    assert verdicts == {"allow", "review", "block"}  # the worlds exercise every outcome


OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]
VALUES = [None, 0, 1, 1.5, -2, "pix", "", True, False, ["pix", 1], ("open",)]


def test_a_comparison_with_a_literal_decides_as_one_between_two_fields():
    schema = facts.schema(frozenset({"x"}))
    for op in OPERATORS:
        for a in VALUES:
            for b in VALUES:
                if isinstance(b, list | tuple) != op.endswith("in"):
                    continue
                known = {"transfer": {"type": a}, "sender": {"id": b}, "params": {}}
                literal = repr(list(b)) if isinstance(b, list | tuple) else repr(b)
                general = expr.parse(f"transfer.type {op} sender.id", schema).evaluate(known)
                inline = expr.parse(f"transfer.type {op} {literal}", schema).evaluate(known)
                constant = expr.parse(
                    f"transfer.type {op} params.x",
                    schema,
                    {"params": {"x": b}},
                ).evaluate(known)
                # the general comparison of a field with a literal, not inlined
                wrapped = (
                    expr.parse(f"-(-transfer.type) {op} {literal}", schema).evaluate(known)
                    if isinstance(a, int | float) and not isinstance(a, bool)
                    else general
                )
                assert general == inline == constant == wrapped, (op, a, b)


def test_a_rules_params_are_compiled_in_and_need_no_params_root():
    rule = RULES.rules[1]  # new_device_per_transfer: transfer.amount > params.limit
    assert rule.params == {"limit": 200.0}
    known = {"transfer": {"amount": 200.01}, "sender": {"device_new": True}}
    assert rule.fires(known)
    assert not rule.fires({"transfer": {"amount": 200.0}, "sender": {"device_new": True}})
