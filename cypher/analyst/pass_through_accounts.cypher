// Pass-through accounts: money that comes in and leaves again within a few hours. For each
// account, the share of its inflow matched by outflow within the window after it arrived.
// @param max_hours: integer, how soon after an inflow the outflow must leave (example: 24)
// @param min_inflow: float, least total inflow (BRL) worth reporting (example: 1000.0)
// @param min_ratio: float, least out/in ratio, 1.0 means everything forwarded (example: 0.8)
// @param limit: integer, most rows returned (example: 50)
MATCH (:Account)-[i:PIX]->(a:Account)
WITH a, sum(i.valor) AS inflow, min(i.timestamp) AS first_in, max(i.timestamp) AS last_in
WHERE inflow >= $min_inflow
MATCH (a)-[o:PIX]->(:Account)
WHERE first_in <= o.timestamp <= last_in + duration({hours: $max_hours})
WITH a, inflow, sum(o.valor) AS outflow, count(o) AS transfers_out
WITH a, inflow, outflow, transfers_out, outflow / inflow AS ratio
WHERE ratio >= $min_ratio
RETURN a.id_usuario AS account, round(inflow, 2) AS inflow, round(outflow, 2) AS outflow,
       round(ratio, 3) AS pass_through_ratio, transfers_out
ORDER BY inflow DESC
LIMIT $limit
