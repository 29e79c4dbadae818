// Completed Pix transfers between accounts in a time window, for the detectors: one row per
// day with the day's transfers as parallel lists (columns travel much faster than rows).
// Timestamps are wall-clock seconds (local time read as if it were UTC).
// @param since: string, start of the window, inclusive, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the window, exclusive, local time (example: 2025-07-01T00:00:00)
MATCH (s:Account)-[p:PIX]->(d:Account)
WHERE p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
  AND p.status = 'concluida'
WITH date(p.timestamp) AS day, s.id_usuario AS src, d.id_usuario AS dst,
     datetime({datetime: p.timestamp, timezone: 'UTC'}).epochSeconds AS ts, p.valor AS amount
RETURN day, collect(src) AS src, collect(dst) AS dst, collect(ts) AS ts,
       collect(amount) AS amount
