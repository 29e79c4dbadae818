// Where the money of one transaction went next: paths of PIX transfers leaving the receiving
// account, each hop no earlier than the previous one and within the time window, up to
// 5 hops in all (the depth MED 2.0 traces).
// @param id_transacao: string, the starting transaction (example: T00000001)
// @param max_hours: integer, how long after the first transfer a hop may happen (example: 72)
// @param limit: integer, most paths returned (example: 50)
MATCH (origin:Account)-[first:PIX {id_transacao: $id_transacao}]->(start:Account)
MATCH p = (start)-[hops:PIX]->{1,4}(last:Account)
WHERE hops[0].timestamp >= first.timestamp
  AND all(i IN range(0, size(hops) - 2) WHERE hops[i].timestamp <= hops[i + 1].timestamp)
  AND hops[-1].timestamp <= first.timestamp + duration({hours: $max_hours})
RETURN origin.id_usuario AS origin, first.valor AS first_amount,
       [n IN nodes(p) | n.id_usuario] AS trail,
       [h IN hops | h.valor] AS amounts,
       [h IN hops | toString(h.timestamp)] AS times,
       size(hops) + 1 AS hops
ORDER BY hops DESC, amounts[-1] DESC
LIMIT $limit
