// The latest PIX transfers in and out of an account, newest first, with the counterparty and
// whether the bank reported the transaction as fraud. Also the Transfers tab of the app's
// Account 360.
// @param id_usuario: string, the account (example: U0000001)
// @param limit: integer, most rows returned (example: 100)
MATCH (a:Account {id_usuario: $id_usuario})
CALL (a) {
  MATCH (a)-[p:PIX]->(o:Account)
  RETURN p, o, 'out' AS direction
  UNION ALL
  MATCH (a)<-[p:PIX]-(o:Account)
  RETURN p, o, 'in' AS direction
}
WITH p, o, direction
ORDER BY p.timestamp DESC, p.id_transacao
LIMIT $limit
OPTIONAL MATCH (o)-[:HELD_BY]->(h:Holder)
RETURN p.id_transacao AS id_transacao, p.timestamp AS timestamp, direction, p.valor AS valor,
       o.id_usuario AS counterparty, h.nome AS counterparty_name, p.status AS status,
       EXISTS { (:Transaction {id_transacao: p.id_transacao})<-[:REPORTS]-(:Fraud) }
         AS reported_fraud
