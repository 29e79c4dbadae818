// Money sent by an account within a time window: each distinct receiver with count and total.
// A large inflow split to many accounts within minutes is the fan-out dispersal pattern.
// @param id_usuario: string, the sending account (example: U0000001)
// @param start: datetime, window start, ISO local time (example: 2025-01-01T00:00:00)
// @param end: datetime, window end, ISO local time (example: 2025-12-31T23:59:59)
MATCH (a:Account {id_usuario: $id_usuario})-[p:PIX]->(r:Account)
WHERE localdatetime($start) <= p.timestamp <= localdatetime($end)
RETURN r.id_usuario AS receiver, count(p) AS transfers, round(sum(p.valor), 2) AS total,
       toString(min(p.timestamp)) AS first, toString(max(p.timestamp)) AS last
ORDER BY total DESC
