// The investigators' queue: rings ranked by score (highest first), with optional filters.
// @param statuses: list, ring statuses to show; empty for all (example: ['open', 'escalated'])
// @param kinds: list, 'ring' and/or 'linked_accounts'; empty for both (example: ['ring'])
// @param typology: string, keep only this typology guess; empty for any (example: fan_out)
// @param min_score: float, lowest score shown (example: 0.0)
// @param min_size: integer, fewest members (example: 2)
// @param search: string, part of a ring id to look for; empty for all (example: R00)
// @param include_retired: boolean, also rings the latest detection run no longer finds (example: false)
// @param limit: integer, most rings returned (example: 500)
MATCH (r:Ring)
WITH r, coalesce(r.size, COUNT { (r)<-[:MEMBER_OF]-(:Account) }) AS size
WHERE (size($statuses) = 0 OR coalesce(r.status, 'open') IN $statuses)
  AND (size($kinds) = 0 OR coalesce(r.kind, 'ring') IN $kinds)
  AND ($typology = '' OR r.typology_guess = $typology)
  AND coalesce(r.score, 0.0) >= $min_score
  AND size >= $min_size
  AND ($search = '' OR toLower(r.ring_id) CONTAINS toLower($search))
  AND ($include_retired OR coalesce(r.current, true))
RETURN r.ring_id AS ring_id, r.score AS score, coalesce(r.status, 'open') AS status,
       coalesce(r.kind, 'ring') AS kind, r.typology_guess AS typology_guess, size,
       r.total_amount AS total_amount, r.first_seen AS first_seen, r.last_seen AS last_seen,
       coalesce(r.current, true) AS current
ORDER BY score DESC, ring_id
LIMIT $limit
