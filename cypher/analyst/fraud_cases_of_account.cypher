// The bank's fraud records on transfers sent or received by an account.
// @param id_usuario: string, the account (example: U0000001)
MATCH (a:Account {id_usuario: $id_usuario})-[p:PIX]-(other:Account)
MATCH (f:Fraud)-[:REPORTS]->(:Transaction {id_transacao: p.id_transacao})
RETURN f.id_fraude AS id_fraude, f.tipo AS tipo, f.status AS status,
       toString(f.data_deteccao) AS detected, p.id_transacao AS id_transacao,
       CASE WHEN startNode(p) = a THEN 'sent' ELSE 'received' END AS direction,
       other.id_usuario AS counterparty, p.valor AS valor
ORDER BY detected DESC
