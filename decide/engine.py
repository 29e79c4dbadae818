"""The decision: one pure function from a transfer, the state and the rules to a verdict.

``decide(transfer, state, rules)`` reads the state and changes nothing, so the Kafka engine
(``decide.runner``) and a synchronous caller (a REST endpoint asking before a payment
settles) score a transfer the same way. The verdict is the most severe severity among the
rules that fired (``block`` > ``review`` > ``allow``), its score the highest fired rule's
score (0 when none fired).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from decide.rules import RuleSet
from decide.state import State, Transfer, facts_of

ENGINE_VERSION = "decide-1"
VERDICTS = ("allow", "review", "block")


class Decision(NamedTuple):
    """A verdict (immutable; a named tuple, cheaper to build than a frozen dataclass)."""

    transfer_id: str
    decision: str  # allow | review | block
    score: float
    rules: tuple[str, ...]  # ids of the rules that fired, in file order
    reasons: tuple[str, ...]  # one sentence per fired rule
    ring_id: str | None
    sender: str | None
    receiver: str | None
    amount: float
    transfer_time: datetime
    rules_version: str
    engine_version: str = ENGINE_VERSION

    @property
    def alert(self) -> bool:
        """Whether the decision is an alert (review or block)."""
        return self.decision != "allow"

    def record(self, kafka_timestamp_ms: int | None = None, decided_at: str = "") -> dict[str, Any]:
        """The JSON record of the decision on the alert topic."""
        return {
            "transfer_id": self.transfer_id,
            "decision": self.decision,
            "score": self.score,
            "rules": list(self.rules),
            "reasons": list(self.reasons),
            "ring_id": self.ring_id,
            "sender": self.sender,
            "receiver": self.receiver,
            "amount": self.amount,
            "transfer_time": self.transfer_time.isoformat(),
            "rules_version": self.rules_version,
            "engine_version": self.engine_version,
            "transfer_kafka_timestamp_ms": kafka_timestamp_ms,
            "decided_at": decided_at,
        }


def decide(transfer: Transfer, state: State, rules: RuleSet) -> Decision:
    """The verdict on ``transfer`` (pure: the state is read, not changed). Only the facts
    the rules and the decision read are computed (``RuleSet.reads``)."""
    known = facts_of(transfer, state, rules.windows, rules.reads)
    fired = [rule for rule in rules.rules if rule.when.evaluate(known)]
    receiver, sender = known["receiver"], known["sender"]
    ring_id = receiver.get("ring_id")
    if ring_id is None and sender.get("known"):
        membership = state.caches.rings.get(sender["id"])
        ring_id = membership.ring_id if membership else None
    if fired:
        verdict = max((rule.severity for rule in fired), key=VERDICTS.index)
        score = max(rule.score for rule in fired)
    else:
        verdict, score = "allow", 0.0
    return Decision(
        transfer_id=transfer.id,
        decision=verdict,
        score=score,
        rules=tuple(rule.id for rule in fired),
        reasons=tuple(rule.explain(known) for rule in fired),
        ring_id=ring_id,
        sender=sender.get("id"),
        receiver=receiver.get("id"),
        amount=transfer.cents / 100,
        transfer_time=transfer.time,
        rules_version=rules.version,
    )
