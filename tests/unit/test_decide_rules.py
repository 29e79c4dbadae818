"""The rules' condition language and the rules file: what is allowed, what is refused, and
that a malformed file names its line and problem."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from decide import expr, facts
from decide.rules import DEFAULT_RULES, RulesError, load_rules, parse_rules
from ringwatch.settings import PROJECT_ROOT

SCHEMA = facts.schema(frozenset({"limit"}))


def run(text: str, **roots: dict[str, Any]) -> Any:
    known = {root: roots.get(root, {}) for root in facts.ROOTS}
    return expr.parse(text, SCHEMA).evaluate(known)


def test_conditions_combine_fields_literals_and_operators():
    transfer = {"amount": 1000.01, "night": True, "type": "pix"}
    assert run("transfer.night and transfer.amount > 1000", transfer=transfer) is True
    assert run("transfer.amount + 0.99 >= 1001", transfer=transfer) is True
    assert run("not transfer.night or transfer.amount < 5", transfer=transfer) is False
    assert run("transfer.type in ['pix', 'qrcode']", transfer=transfer) is True
    assert run("transfer.type not in ('pix',)", transfer=transfer) is False
    assert run("transfer.amount > params.limit", transfer=transfer, params={"limit": 1000}) is True
    assert run("true and not false and none == none") is False  # none never compares


def test_a_missing_value_never_makes_a_rule_fire():
    assert run("receiver.gnn_score >= model.threshold", receiver={"gnn_score": 0.9}) is False
    assert run("not (receiver.gnn_score < 0.5)") is True  # negation of a false comparison
    assert run("sender.night_total + transfer.amount > 1", transfer={"amount": 5}) is False
    assert run("transfer.amount / 0 > 1", transfer={"amount": 5}) is False
    assert run("transfer.type > 3", transfer={"type": "pix"}) is False


def test_window_calls_are_recorded_and_read_from_the_sender():
    parsed = expr.parse("sender.transfers_last(10) >= 8 or sender.amount_last(60) > 5", SCHEMA)
    assert parsed.windows == {("transfers_last", 10), ("amount_last", 60)}
    known = {root: {} for root in facts.ROOTS} | {"sender": {"transfers_last(10)": 8}}
    assert parsed.evaluate(known) is True


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("__import__('os').system('x')", "only calls"),
        ("transfer.amount.__class__", "needs one of the roots"),
        ("transfer['amount'] > 1", "indexing"),
        ("transfer.amount ** 2 > 1", "operator"),
        ("transfer.colour == 'red'", "transfer.colour is not a field"),
        ("amount > 1", "'amount' is not a field"),
        ("sender.transfers_last(0) > 1", "whole number of minutes"),
        ("sender.transfers_last(2.5) > 1", "whole number of minutes"),
        ("sender.transfers_last(minutes=5) > 1", "whole number of minutes"),
        ("receiver.transfers_last(5) > 1", "only calls"),
        ("lambda: 1", "lambda"),
        ("[x for x in transfer]", "comprehension"),
        ("transfer.amount >", "not a valid expression"),
        ("transfer.amount if true else 1", "if ... else"),
    ],
)
def test_anything_outside_the_language_is_refused(text: str, problem: str):
    with pytest.raises(expr.ExpressionError, match=re.escape(problem)):
        expr.parse(text, SCHEMA)


GOOD = """\
version: "1"
rules:
  - id: big
    description: A big transfer.
    severity: review
    score: 0.4
    params: {limit: 1000.00}
    when: transfer.amount > params.limit
    reason: "{transfer.amount} is above {params.limit}"
"""


def test_a_rule_explains_itself_with_amounts_in_reais():
    rules = parse_rules(GOOD)
    rule = rules.rules[0]
    known = {"transfer": {"amount": 1234.5}, "sender": {}, "receiver": {}, "model": {}}
    assert (rule.id, rule.severity, rule.score, rule.line) == ("big", "review", 0.4, 3)
    assert rule.fires(known)
    assert rule.explain(known) == "R$ 1.234,50 is above R$ 1.000,00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: '1'\nrules: [", r"<rules>:\d+: not valid YAML"),
        ("version: '1'\nrules: []\n", r"<rules>:2: `rules` must be a non-empty list"),
        ("rules:\n  - id: x\n", r"<rules>:1: a rules file needs both `version` and `rules`"),
        ("version: '1'\nextra: 1\nrules: []\n", r"<rules>:2: unknown key 'extra'"),
        (GOOD.replace("severity: review", "severity: panic"), r":5: rule big: severity must"),
        (GOOD.replace("score: 0.4", "score: 4"), r":6: rule big: score must be"),
        (GOOD.replace("params.limit\n", "params.limt\n"), r":8: rule big: condition: params.limt"),
        (GOOD.replace("    reason:", "    colour: red\n    reason:"), r":9: unknown key 'colour'"),
        (GOOD.split("    reason:")[0], r":3: the rule has no `reason`"),
        (GOOD.replace("id: big", "id: Big Rule"), r":3: a rule id is lowercase"),
        (GOOD.replace("{params.limit}", "{sender.colour}"), r":9: rule big: reason names"),
        (GOOD + GOOD.split("rules:\n")[1], r":10: rule id 'big' is used twice \(first at line 3\)"),
    ],
)
def test_a_malformed_rules_file_names_its_line_and_problem(text: str, message: str):
    with pytest.raises(RulesError, match=message):
        parse_rules(text)


def test_a_missing_rules_file_is_one_clear_error(tmp_path):
    with pytest.raises(RulesError, match="Cannot read the rules file"):
        load_rules(tmp_path / "nope.yaml")


def test_the_shipped_rules_load_and_cover_the_issue_list():
    rules = load_rules(DEFAULT_RULES)
    assert {r.id for r in rules.rules} == {
        "night_limit",
        "new_device_per_transfer",
        "new_device_daily",
        "velocity",
        "receiver_in_ring",
        "receiver_high_gnn_score",
        "receiver_confirmed_fraud",
        "new_receiver_many_senders",
    }
    assert rules.version


def test_every_field_and_shipped_rule_is_documented():
    doc = (PROJECT_ROOT / "docs" / "decisions.md").read_text()
    for root, names in facts.FIELDS.items():
        for name in names:
            assert f"`{root}.{name}`" in doc, f"{root}.{name} is not in docs/decisions.md"
    for rule in load_rules(DEFAULT_RULES).rules:
        assert f"`{rule.id}`" in doc, f"rule {rule.id} is not in docs/decisions.md"


def _ringwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringwatch.cli", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_decide_refuses_a_malformed_rules_file_before_touching_any_server(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("transfer.amount > params.limit", "transfer.amount >>> 1"))
    done = _ringwatch("decide", "--rules", str(bad))
    assert done.returncode == 2
    assert f"{bad}:8: rule big: condition: not a valid expression" in done.stderr


def test_rules_test_reports_each_rule_on_the_committed_fixtures():
    fixtures = PROJECT_ROOT / "data" / "fixtures"
    done = _ringwatch("rules", "test", str(DEFAULT_RULES), "--data", str(fixtures))
    assert done.returncode == 0, done.stderr
    decided = re.search(r"([\d,]+) transfers decided: ([\d,]+) allow", done.stdout)
    assert decided and int(decided[1].replace(",", "")) > 1000
    for rule in load_rules(DEFAULT_RULES).rules:
        assert re.search(rf"^{rule.id} \((review|block)\): fired on [\d,]+", done.stdout, re.M)
