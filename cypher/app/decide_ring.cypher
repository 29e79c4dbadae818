// Record a decision about a ring, append-only: a new Decision node linked to the ring, holding
// the ring's members at that moment (a later detection run may change them; the GNN labels
// those the investigator saw), the ring's status and status_at set to the decision's outcome
// and time, and an AuditEvent, all in one transaction. Returns no row when the ring does not
// exist (nothing is written then).
// @param decision_id: string, a new unique id (example: DEC-0123456789abcdef)
// @param target_id: string, the ring's id (example: R0001)
// @param decision: string, confirm, dismiss or escalate (example: confirm)
// @param status: string, the ring's status after it: confirmed, dismissed or escalated (example: confirmed)
// @param note: string, why (example: Shared device and 4-hop layering within 20 minutes.)
// @param user: string, who decided (example: ana)
// @param at: datetime, when, timezone-aware (example: 2025-03-10T14:00:00Z)
// @param seq: integer, the audit event's place in the chain (example: 1)
// @param prev_hash: string, the previous audit event's hash (example: 0000000000000000000000000000000000000000000000000000000000000000)
// @param hash: string, SHA-256 of the audit event and prev_hash (example: 5f1c0bd7f4a1e0f6f6a3c8d2b3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2)
// @param detail: string, the audit event's JSON detail (example: {"decision": "confirm"})
MATCH (r:Ring {ring_id: $target_id})
WITH r, COLLECT { MATCH (r)<-[:MEMBER_OF]-(a:Account) RETURN a.id_usuario } AS members
CREATE (d:Decision {decision_id: $decision_id, target_type: 'ring', target_id: $target_id,
                    decision: $decision, note: $note, user: $user, at: $at, members: members})
CREATE (d)-[:ABOUT]->(r)
SET r.status = $status, r.status_at = $at
CREATE (:AuditEvent {at: $at, user: $user, action: 'decision', detail: $detail,
                     seq: $seq, prev_hash: $prev_hash, hash: $hash})
RETURN d.decision_id AS decision_id, d.at AS at, r.status AS status
