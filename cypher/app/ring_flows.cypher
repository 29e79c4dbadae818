// The money flow around a ring, one row per (sender, receiver) pair: transfers between members
// and with their outside counterparties, largest total first. Feeds the ring graph.
// @param ring_id: string, the ring's id (example: R0001)
// @param limit: integer, most account pairs returned (example: 5000)
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m:Account)
CALL (r, m) {
  MATCH (m)-[p:PIX]->(o:Account)
  RETURN m AS src, o AS dst, p
  UNION ALL
  MATCH (o:Account)-[p:PIX]->(m)
  WHERE NOT (o)-[:MEMBER_OF]->(r)
  RETURN o AS src, m AS dst, p
}
WITH src, dst, count(p) AS transfers, sum(p.valor) AS amount
RETURN src.id_usuario AS source, dst.id_usuario AS target, transfers, round(amount, 2) AS amount
ORDER BY amount DESC, source, target
LIMIT $limit
