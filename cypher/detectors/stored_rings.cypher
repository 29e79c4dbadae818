// Stored rings of one kind with their members (what `ringwatch evaluate` scores).
// @param kind: string, 'ring' or 'linked_accounts' (example: ring)
MATCH (g:Ring)
WHERE coalesce(g.kind, 'ring') = $kind AND coalesce(g.current, true)
RETURN g.ring_id AS ring_id, g.score AS score, g.typology_guess AS typology_guess,
       COLLECT { MATCH (g)<-[:MEMBER_OF]-(a:Account) RETURN a.id_usuario } AS members
ORDER BY ring_id
