// Transfers that moved money since a time: the senders' velocity and daily totals at start.
// ONE record: `transfers`, a list of [id_transacao, sender, at, valor], at as ISO text.
// @param since: datetime, earliest transfer time, Brasília local time (example: 2025-03-01T00:00:00)
MATCH (s:Account)-[p:PIX]->(:Account)
WHERE p.timestamp >= $since AND p.status <> 'rejeitada'
RETURN collect([p.id_transacao, s.id_usuario, toString(p.timestamp), p.valor]) AS transfers
