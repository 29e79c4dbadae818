// Alerts of the decision engine, one page in (decided_at, alert_id) order after a cursor,
// with filters (the REST API's GET /v1/alerts). Oldest decision first, so a client that
// keeps the last cursor polls for new alerts; a re-decided alert (a replay) moves to the end.
// @param lower: string, ISO-8601 time: decided at or after it (the later of `since` and the cursor's time; example: 1970-01-01T00:00:00Z)
// @param until: string, ISO-8601 time: decided before it; empty for no bound (example: 2099-01-01T00:00:00Z)
// @param after_at: string, the cursor's decided_at; empty on the first page (example: 2026-12-01T04:00:00.123Z)
// @param after_id: string, the cursor's alert_id; empty on the first page (example: T00000001)
// @param decisions: list, keep these decisions; empty for all (example: ['block', 'review'])
// @param rule: string, keep alerts where this rule fired; empty for any (example: receiver_in_ring)
// @param ring_id: string, keep alerts about this ring; empty for any (example: R000017)
// @param account: string, keep alerts whose sender or receiver is this account; empty for any (example: U0001234)
// @param limit: integer, most alerts returned (example: 101)
MATCH (al:Alert)
WHERE al.decided_at >= datetime($lower)
  AND ($until = '' OR al.decided_at < datetime($until))
  AND ($after_id = '' OR al.decided_at > datetime($after_at) OR al.alert_id > $after_id)
  AND (size($decisions) = 0 OR al.decision IN $decisions)
  AND ($rule = '' OR $rule IN al.rules)
  AND ($ring_id = '' OR al.ring_id = $ring_id)
  AND ($account = '' OR al.sender = $account OR al.receiver = $account)
RETURN al.alert_id AS alert_id, al.id_transacao AS transfer_id, al.decision AS decision,
       al.score AS score, al.rules AS rules, al.reasons AS reasons, al.ring_id AS ring_id,
       al.sender AS sender, al.receiver AS receiver, al.amount AS amount,
       al.transfer_time AS transfer_time, al.rules_version AS rules_version,
       al.engine_version AS engine_version, al.decided_at AS decided_at
ORDER BY al.decided_at, al.alert_id
LIMIT $limit
