// Accounts that received transfers confirmed as fraud, and how many confirmed cases.
MATCH (f:Fraud {status: 'confirmada'})-[:REPORTS]->(t:Transaction)
MATCH ()-[p:PIX {id_transacao: t.id_transacao}]->(a:Account)
RETURN a.id_usuario AS id_usuario, count(DISTINCT f) AS cases
