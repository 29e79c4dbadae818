// Members of the current rings and of decided ones, with the ring's status, kind and score.
MATCH (a:Account)-[:MEMBER_OF]->(r:Ring)
WHERE r.current OR r.status <> 'open'
RETURN a.id_usuario AS id_usuario, r.ring_id AS ring_id, r.status AS status, r.kind AS kind,
       coalesce(r.score, 0.0) AS score
