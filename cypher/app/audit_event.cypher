// Append one audit event (a login, a console or library query, a refused statement).
// @param at: datetime, when, timezone-aware (example: 2025-03-10T14:00:00Z)
// @param user: string, who (example: ana)
// @param action: string, what kind of event (example: console_query)
// @param detail: string, JSON with the event's details (example: {"cypher": "MATCH (n) RETURN n"})
CREATE (:AuditEvent {at: $at, user: $user, action: $action, detail: $detail})
