// Accounts opened since a time and the distinct accounts that paid them (money moved).
// @param since: datetime, earliest opening date, Brasília local time (example: 2025-03-01T00:00:00)
MATCH (r:Account)
WHERE r.data_cadastro >= $since
MATCH (s:Account)-[p:PIX]->(r)
WHERE p.status <> 'rejeitada'
RETURN r.id_usuario AS id_usuario, collect(DISTINCT s.id_usuario) AS senders
