// Append one audit event (a login, a console or library query) as the next link of the
// hash chain: seq is the last event's seq + 1, prev_hash its hash (app/audit.py).
// @param at: datetime, when, timezone-aware (example: 2025-03-10T14:00:00Z)
// @param user: string, who (example: ana)
// @param action: string, what kind of event (example: console_query)
// @param detail: string, JSON with the event's details (example: {"cypher": "MATCH (n) RETURN n"})
// @param seq: integer, the event's place in the chain (example: 1)
// @param prev_hash: string, the previous event's hash (example: 0000000000000000000000000000000000000000000000000000000000000000)
// @param hash: string, SHA-256 of the event and prev_hash (example: 5f1c0bd7f4a1e0f6f6a3c8d2b3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2)
CREATE (e:AuditEvent {at: $at, user: $user, action: $action, detail: $detail,
                      seq: $seq, prev_hash: $prev_hash, hash: $hash})
RETURN e.seq AS seq
