// Where the money of one transaction came from: paths of PIX transfers into the sending
// account, each hop no later than the next one and within the time window, up to 5 hops.
// @param id_transacao: string, the transaction to trace back from (example: T00000001)
// @param max_hours: integer, how long before the transaction a hop may happen (example: 72)
// @param limit: integer, most paths returned (example: 50)
MATCH (sender:Account)-[last:PIX {id_transacao: $id_transacao}]->(receiver:Account)
MATCH p = (source:Account)-[hops:PIX]->{1,4}(sender)
WHERE hops[-1].timestamp <= last.timestamp
  AND all(i IN range(0, size(hops) - 2) WHERE hops[i].timestamp <= hops[i + 1].timestamp)
  AND hops[0].timestamp >= last.timestamp - duration({hours: $max_hours})
RETURN receiver.id_usuario AS receiver, last.valor AS amount,
       [n IN nodes(p) | n.id_usuario] AS trail,
       [h IN hops | h.valor] AS amounts,
       [h IN hops | toString(h.timestamp)] AS times,
       size(hops) + 1 AS hops
ORDER BY hops DESC
LIMIT $limit
