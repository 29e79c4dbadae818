// Account pairs with completed transfers inside a time window, and how many completed
// transfers each pair made outside it (either direction): when a run reads one window of a
// longer history, a relationship that repeats across windows is not a one-off. Pairs
// without transfers outside the window are left out. Returned as columns, one record.
// @param since: string, start of the window, inclusive, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the window, exclusive, local time (example: 2025-07-01T00:00:00)
MATCH (s:Account)-[p:PIX]->(d:Account)
WHERE p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
  AND p.status = 'concluida' AND s <> d
WITH DISTINCT s, d
MATCH (s)-[q:PIX]-(d)
WHERE q.status = 'concluida'
  AND (q.timestamp < localdatetime($since) OR q.timestamp >= localdatetime($until))
WITH s.id_usuario AS src, d.id_usuario AS dst, count(q) AS transfers
RETURN collect(src) AS src, collect(dst) AS dst, collect(transfers) AS transfers
