// Seeds of the money trace (detectors/trace.py): every transfer the bank confirmed as fraud,
// and, for each account an investigator confirmed (alone or as a member of a confirmed ring),
// the last transfer it received before that decision. Times are wall-clock seconds (local
// time read as if it were UTC), as in detectors/transfers.
// @param since: string, start of the detection window, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the detection window, exclusive (example: 2025-07-01T00:00:00)
MATCH (:Fraud {status: 'confirmada'})-[:REPORTS]->(t:Transaction)
MATCH (s:Account)-[p:PIX {id_transacao: t.id_transacao}]->(d:Account)
WHERE p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
RETURN DISTINCT s.id_usuario AS src, d.id_usuario AS dst,
       datetime({datetime: p.timestamp, timezone: 'UTC'}).epochSeconds AS ts, 'case' AS origin
UNION
MATCH (dec:Decision {decision: 'confirm'})-[:ABOUT]->(target)
WHERE target:Account OR target:Ring
MATCH (a:Account) WHERE a = target OR (a)-[:MEMBER_OF]->(target)
CALL (a, dec) {
  MATCH (s:Account)-[p:PIX]->(a)
  WHERE p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
    AND p.status = 'concluida' AND p.timestamp <= localdatetime(dec.at)
  RETURN s, p ORDER BY p.timestamp DESC LIMIT 1
}
RETURN DISTINCT s.id_usuario AS src, a.id_usuario AS dst,
       datetime({datetime: p.timestamp, timezone: 'UTC'}).epochSeconds AS ts,
       'decision' AS origin
