// The decision engine's latest alerts, newest first (the app's Alerts page), with filters.
// @param since: string, ISO-8601 time: decided at or after it (example: 2026-12-01T00:00:00Z)
// @param decisions: list, keep these decisions; empty for all (example: ['block', 'review'])
// @param rule: string, keep alerts where this rule fired; empty for any (example: receiver_in_ring)
// @param limit: integer, most alerts returned (example: 500)
MATCH (al:Alert)
WHERE al.decided_at >= datetime($since)
  AND (size($decisions) = 0 OR al.decision IN $decisions)
  AND ($rule = '' OR $rule IN al.rules)
RETURN al.decided_at AS decided_at, al.decision AS decision, al.score AS score,
       al.ring_id AS ring_id, al.receiver AS receiver, al.sender AS sender,
       al.amount AS amount, al.rules AS rules, al.reasons AS reasons,
       al.id_transacao AS transfer_id, al.transfer_time AS transfer_time
ORDER BY al.decided_at DESC, al.alert_id DESC
LIMIT $limit
