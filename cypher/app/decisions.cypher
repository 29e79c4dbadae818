// Decision history, newest first, optionally for one target (nothing is ever overwritten).
// @param target_type: string, 'ring', 'account', or empty for both (example: ring)
// @param target_id: string, one ring or account id, or empty for all (example: R0001)
// @param limit: integer, most decisions returned (example: 200)
MATCH (d:Decision)
WHERE ($target_type = '' OR d.target_type = $target_type)
  AND ($target_id = '' OR d.target_id = $target_id)
RETURN d.at AS at, d.user AS user, d.target_type AS target_type, d.target_id AS target_id,
       d.decision AS decision, d.note AS note, d.decision_id AS decision_id
ORDER BY at DESC
LIMIT $limit
