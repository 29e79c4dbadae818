// Accounts receiving the most money in a time window, with their distinct senders.
// @param start: datetime, window start, ISO local time (example: 2025-01-01T00:00:00)
// @param end: datetime, window end, ISO local time (example: 2025-12-31T23:59:59)
// @param limit: integer, most rows returned (example: 25)
MATCH (s:Account)-[p:PIX]->(a:Account)
WHERE localdatetime($start) <= p.timestamp <= localdatetime($end)
RETURN a.id_usuario AS account, round(sum(p.valor), 2) AS received, count(p) AS transfers,
       count(DISTINCT s) AS senders
ORDER BY received DESC
LIMIT $limit
