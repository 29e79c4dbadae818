// Recently opened accounts that already receive from many distinct senders.
// @param as_of: datetime, reference time, ISO local time (example: 2025-12-31T23:59:59)
// @param max_age_days: integer, most days since the account was opened (example: 60)
// @param min_senders: integer, least distinct senders (example: 5)
// @param limit: integer, most rows returned (example: 50)
MATCH (a:Account)
WHERE a.data_cadastro >= localdatetime($as_of) - duration({days: $max_age_days})
MATCH (s:Account)-[p:PIX]->(a)
WITH a, count(DISTINCT s) AS senders, round(sum(p.valor), 2) AS received
WHERE senders >= $min_senders
RETURN a.id_usuario AS account, toString(a.data_cadastro) AS opened, senders, received
ORDER BY senders DESC
LIMIT $limit
