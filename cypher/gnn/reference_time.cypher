// The latest Pix transfer time (epoch seconds, Brasilia local time): "now" for account ages.
MATCH ()-[p:PIX]->()
WHERE p.timestamp IS NOT NULL
WITH p.timestamp AS ts ORDER BY ts DESC LIMIT 1
RETURN datetime({datetime: ts, timezone: 'UTC'}).epochSeconds AS ts
