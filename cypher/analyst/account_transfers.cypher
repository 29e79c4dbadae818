// The latest PIX transfers in and out of an account.
// @param id_usuario: string, the account (example: U0000001)
// @param limit: integer, most rows returned (example: 100)
MATCH (a:Account {id_usuario: $id_usuario})-[p:PIX]-(other:Account)
RETURN p.id_transacao AS id_transacao, toString(p.timestamp) AS timestamp,
       CASE WHEN startNode(p) = a THEN 'out' ELSE 'in' END AS direction,
       other.id_usuario AS counterparty, p.valor AS valor, p.status AS status
ORDER BY p.timestamp DESC
LIMIT $limit
