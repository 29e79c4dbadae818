// The rings an account belongs to.
// @param id_usuario: string, the account's id (example: U0000001)
MATCH (:Account {id_usuario: $id_usuario})-[:MEMBER_OF]->(r:Ring)
RETURN r.ring_id AS ring_id, r.score AS score, coalesce(r.status, 'open') AS status,
       coalesce(r.kind, 'ring') AS kind, r.typology_guess AS typology_guess
ORDER BY score DESC
