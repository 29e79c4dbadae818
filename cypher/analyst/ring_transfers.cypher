// The PIX transfers between members of one ring, in time order.
// @param ring_id: string, the ring's id (example: R0001)
// @param limit: integer, most rows returned (example: 500)
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(a:Account)-[p:PIX]->(b:Account)-[:MEMBER_OF]->(r)
RETURN p.id_transacao AS id_transacao, toString(p.timestamp) AS timestamp,
       a.id_usuario AS sender, b.id_usuario AS receiver, p.valor AS valor
ORDER BY p.timestamp
LIMIT $limit
