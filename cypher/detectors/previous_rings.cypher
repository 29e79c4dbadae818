// Rings stored by earlier runs, with members, status and kind (the input of stable ids).
MATCH (g:Ring)
RETURN g.ring_id AS ring_id, coalesce(g.kind, 'ring') AS kind,
       coalesce(g.status, 'open') AS status,
       COLLECT { MATCH (g)<-[:MEMBER_OF]-(a:Account) RETURN a.id_usuario } AS members
