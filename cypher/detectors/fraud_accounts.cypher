// Accounts that received a payment the bank confirmed as fraud, with how many such reports.
MATCH (f:Fraud {status: 'confirmada'})-[:REPORTS]->(t:Transaction)
MATCH ()-[p:PIX {id_transacao: t.id_transacao}]->(a:Account)
RETURN a.id_usuario AS account, count(DISTINCT f) AS reports
