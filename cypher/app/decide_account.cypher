// Record a decision about one account, append-only: a new Decision node linked to the account
// and an AuditEvent, in one transaction. Returns no row when the account does not exist.
// @param decision_id: string, a new unique id (example: DEC-0123456789abcdef)
// @param target_id: string, the account's id_usuario (example: U0000001)
// @param decision: string, confirm, dismiss or escalate (example: escalate)
// @param note: string, why (example: Drained to three new accounts after a new-device login.)
// @param user: string, who decided (example: ana)
// @param at: datetime, when, timezone-aware (example: 2025-03-10T14:00:00Z)
// @param seq: integer, the audit event's place in the chain (example: 1)
// @param prev_hash: string, the previous audit event's hash (example: 0000000000000000000000000000000000000000000000000000000000000000)
// @param hash: string, SHA-256 of the audit event and prev_hash (example: 5f1c0bd7f4a1e0f6f6a3c8d2b3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2)
// @param detail: string, the audit event's JSON detail (example: {"decision": "escalate"})
MATCH (a:Account {id_usuario: $target_id})
CREATE (d:Decision {decision_id: $decision_id, target_type: 'account', target_id: $target_id,
                    decision: $decision, note: $note, user: $user, at: $at})
CREATE (d)-[:ABOUT]->(a)
CREATE (:AuditEvent {at: $at, user: $user, action: 'decision', detail: $detail,
                     seq: $seq, prev_hash: $prev_hash, hash: $hash})
RETURN d.decision_id AS decision_id, d.at AS at, null AS status
