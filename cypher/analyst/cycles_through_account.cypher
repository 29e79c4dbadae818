// Round trips: PIX paths that leave an account and come back to it through 2 to 5 other
// accounts, each hop no earlier than the previous one.
// @param id_usuario: string, the account (example: U0000001)
// @param limit: integer, most cycles returned (example: 20)
MATCH p = (a:Account {id_usuario: $id_usuario})-[hops:PIX]->{3,6}(a)
WHERE all(i IN range(0, size(hops) - 2) WHERE hops[i].timestamp <= hops[i + 1].timestamp)
  AND size(reduce(seen = [], n IN nodes(p)[1..] |
      CASE WHEN n IN seen THEN seen ELSE seen + n END)) = size(hops)
RETURN [n IN nodes(p) | n.id_usuario] AS cycle, [h IN hops | h.valor] AS amounts,
       [h IN hops | toString(h.timestamp)] AS times
LIMIT $limit
