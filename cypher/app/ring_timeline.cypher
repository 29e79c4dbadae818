// The transfers of a ring in time order: between members ('internal'), from outside into the
// ring ('in') and from the ring to outside ('out').
// @param ring_id: string, the ring's id (example: R0001)
// @param limit: integer, most transfers returned, earliest first (example: 5000)
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m:Account)
CALL (r, m) {
  MATCH (m)-[p:PIX]->(o:Account)
  RETURN m AS src, o AS dst, p,
         CASE WHEN (o)-[:MEMBER_OF]->(r) THEN 'internal' ELSE 'out' END AS direction
  UNION ALL
  MATCH (o:Account)-[p:PIX]->(m)
  WHERE NOT (o)-[:MEMBER_OF]->(r)
  RETURN o AS src, m AS dst, p, 'in' AS direction
}
RETURN p.id_transacao AS id_transacao, p.timestamp AS timestamp, p.valor AS valor,
       src.id_usuario AS source, dst.id_usuario AS target, direction, p.status AS status
ORDER BY timestamp, id_transacao
LIMIT $limit
