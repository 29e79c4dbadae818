// The audit trail, newest first, optionally for one user and/or one action.
// @param user: string, one user name, or empty for all (example: ana)
// @param action: string, one action, or empty for all (example: decision)
// @param limit: integer, most events returned (example: 500)
MATCH (e:AuditEvent)
WHERE ($user = '' OR e.user = $user) AND ($action = '' OR e.action = $action)
RETURN e.seq AS seq, e.at AS at, e.user AS user, e.action AS action, e.detail AS detail
ORDER BY at DESC, seq DESC
LIMIT $limit
