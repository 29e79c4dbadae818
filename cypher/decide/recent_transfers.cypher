// Transfers that moved money since a time: the senders' velocity and daily totals at start.
// @param since: datetime, earliest transfer time, Brasília local time (example: 2025-03-01T00:00:00)
MATCH (s:Account)-[p:PIX]->(:Account)
WHERE p.timestamp >= $since AND p.status <> 'rejeitada'
RETURN p.id_transacao AS id_transacao, s.id_usuario AS sender, p.timestamp AS at,
       p.valor AS valor
