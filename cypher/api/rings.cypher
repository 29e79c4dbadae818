// Rings in ring_id order, one page after a cursor, with the ring queue's filters (the REST
// API's GET /v1/rings). The app's queue (app/ring_queue) ranks by score for people; a
// client paging through every ring needs an order that a re-detection cannot reshuffle.
// @param after: string, the cursor: the last ring_id of the previous page; empty on the first page (example: R000017)
// @param statuses: list, ring statuses to keep; empty for all (example: ['open', 'escalated'])
// @param kinds: list, 'ring' and/or 'linked_accounts'; empty for both (example: ['ring'])
// @param typology: string, keep only this typology guess; empty for any (example: fan_out)
// @param min_score: float, lowest score kept (example: 0.0)
// @param min_size: integer, fewest members (example: 2)
// @param include_retired: boolean, also rings the latest detection run no longer finds (example: false)
// @param limit: integer, most rings returned (example: 101)
MATCH (r:Ring)
WHERE r.ring_id > $after
  AND (size($statuses) = 0 OR coalesce(r.status, 'open') IN $statuses)
  AND (size($kinds) = 0 OR coalesce(r.kind, 'ring') IN $kinds)
  AND ($typology = '' OR r.typology_guess = $typology)
  AND coalesce(r.score, 0.0) >= $min_score
  AND ($include_retired OR coalesce(r.current, true))
WITH r, coalesce(r.size, COUNT { (r)<-[:MEMBER_OF]-(:Account) }) AS size
WHERE size >= $min_size
RETURN r.ring_id AS ring_id, r.score AS score, coalesce(r.status, 'open') AS status,
       coalesce(r.kind, 'ring') AS kind, r.typology_guess AS typology_guess, size,
       r.total_amount AS total_amount, r.first_seen AS first_seen, r.last_seen AS last_seen,
       coalesce(r.current, true) AS current
ORDER BY r.ring_id
LIMIT $limit
