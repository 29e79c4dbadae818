// The audit trail's chain: one AuditEvent per sequence number, so two writers that read the
// same last event cannot both append after it (the second is refused and tries again).
CREATE CONSTRAINT audit_event_seq IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.seq IS UNIQUE;
