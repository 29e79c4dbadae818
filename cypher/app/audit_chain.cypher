// One page of the audit chain in order, for `ringwatch audit verify`: the events after
// seq $after, and how many events have no seq at all (outside the chain).
// @param after: integer, the last seq already read (example: 0)
// @param limit: integer, most events returned (example: 5000)
MATCH (e:AuditEvent)
WHERE e.seq > $after
RETURN e.seq AS seq, e.prev_hash AS prev_hash, e.hash AS hash, e.at AS at, e.user AS user,
       e.action AS action, e.detail AS detail
ORDER BY e.seq
LIMIT $limit
