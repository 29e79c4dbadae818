// Every Pix transfer sent or received by the given accounts (for incremental scoring); a
// transfer between two given accounts appears twice, so callers de-duplicate on id_transacao.
// @param ids: list, account ids (id_usuario) (example: ['U0000001', 'U0000002'])
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
CALL (a) {
  MATCH (a)-[p:PIX]->(d:Account)
  RETURN p, a AS s, d
  UNION ALL
  MATCH (s:Account)-[p:PIX]->(a)
  RETURN p, s, a AS d
}
RETURN p.id_transacao AS id_transacao, s.id_usuario AS src, d.id_usuario AS dst,
       p.valor AS valor, datetime({datetime: p.timestamp, timezone: 'UTC'}).epochSeconds AS ts,
       p.status AS status
