// The last link of the audit chain: the event with the highest seq (none on a new graph).
MATCH (e:AuditEvent)
WHERE e.seq IS NOT NULL
RETURN e.seq AS seq, e.hash AS hash
ORDER BY e.seq DESC
LIMIT 1
