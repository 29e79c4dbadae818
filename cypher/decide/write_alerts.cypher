// Store alerts of the decision engine, one per transfer (MERGE on alert_id, the transfer's
// id): a replay updates the same node and links, never adds one. Each alert is linked to
// its transaction (created bare when the loader has not written it yet, as a fraud report
// does) and to its ring when it has one.
// @param rows: list, maps {alert_id, id_transacao, decision, score, rules, reasons, ring_id, sender, receiver, amount, transfer_time, rules_version, engine_version, decided_at} (example: [{alert_id: 'T00000001', id_transacao: 'T00000001', decision: 'block', score: 0.95, rules: ['receiver_in_ring'], reasons: ['...'], ring_id: 'R000001', sender: 'U0000001', receiver: 'U0000002', amount: 120.5, transfer_time: '2025-03-01T09:16:00', rules_version: '2026.12.1', engine_version: 'decide-1', decided_at: '2026-12-01T04:00:00Z'}])
UNWIND $rows AS r
MERGE (al:Alert {alert_id: r.alert_id})
SET al.id_transacao = r.id_transacao, al.decision = r.decision, al.score = r.score,
    al.rules = r.rules, al.reasons = r.reasons, al.ring_id = r.ring_id,
    al.sender = r.sender, al.receiver = r.receiver, al.amount = r.amount,
    al.transfer_time = localdatetime(r.transfer_time), al.rules_version = r.rules_version,
    al.engine_version = r.engine_version, al.decided_at = datetime(r.decided_at)
MERGE (t:Transaction {id_transacao: r.id_transacao})
MERGE (al)-[:ON_TRANSACTION]->(t)
WITH al, r
OPTIONAL MATCH (ring:Ring {ring_id: r.ring_id})
FOREACH (_ IN CASE WHEN ring IS NULL THEN [] ELSE [1] END | MERGE (al)-[:ABOUT_RING]->(ring))
RETURN count(al) AS alerts
