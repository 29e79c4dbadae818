// Detection-run history, newest first, with everything each run stored (parameters, counts,
// outcome, start and end).
// @param limit: integer, most runs returned (example: 200)
MATCH (r:DetectionRun)
RETURN properties(r) AS run
ORDER BY r.started DESC
LIMIT $limit
