// Audit events outside the hash chain (no seq): written around the app, or before the
// trail was chained. `ringwatch audit verify` counts them as a break.
MATCH (e:AuditEvent)
WHERE e.seq IS NULL
RETURN count(e) AS unchained, min(e.at) AS first_at
