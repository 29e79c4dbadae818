// Money received by an account within a time window: each distinct sender with count and total.
// Many unrelated senders within hours is the fan-in collector pattern.
// @param id_usuario: string, the receiving account (example: U0000001)
// @param start: datetime, window start, ISO local time (example: 2025-01-01T00:00:00)
// @param end: datetime, window end, ISO local time (example: 2025-12-31T23:59:59)
MATCH (s:Account)-[p:PIX]->(a:Account {id_usuario: $id_usuario})
WHERE localdatetime($start) <= p.timestamp <= localdatetime($end)
RETURN s.id_usuario AS sender, count(p) AS transfers, round(sum(p.valor), 2) AS total,
       toString(min(p.timestamp)) AS first, toString(max(p.timestamp)) AS last
ORDER BY total DESC
