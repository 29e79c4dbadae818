// Night-time transfers (20h to 6h) just under the R$ 1,000 night limit for individuals,
// counted per sending account.
// @param min_amount: float, lower bound of "near the limit" in BRL (example: 800.0)
// @param min_count: integer, least such transfers per account (example: 3)
// @param limit: integer, most rows returned (example: 50)
MATCH (a:Account)-[p:PIX]->(:Account)
WHERE (p.timestamp.hour >= 20 OR p.timestamp.hour < 6)
  AND $min_amount <= p.valor <= 1000.0
WITH a, count(p) AS night_transfers, round(sum(p.valor), 2) AS total
WHERE night_transfers >= $min_count
RETURN a.id_usuario AS account, night_transfers, total
ORDER BY night_transfers DESC
LIMIT $limit
