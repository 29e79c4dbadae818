// GDS Cypher projection of the money flows around given accounts (candidate ring members and
// accounts with confirmed fraud): every completed transfer in the window into or out of them,
// aggregated per directed pair (amount, transfers). Labels: Fraud for confirmed-fraud
// receivers, Candidate for the other given accounts, Other for their counterparties.
// @param graph_name: string, name of the in-memory graph (example: ringwatch-neighbourhood)
// @param ids: list, candidate ring members (example: ['U0000001', 'U0000002'])
// @param fraud: list, accounts that received payments confirmed as fraud (example: ['U0000003'])
// @param since: string, start of the window, inclusive, local time (example: 2025-04-01T00:00:00)
// @param until: string, end of the window, exclusive, local time (example: 2025-07-01T00:00:00)
CALL () {
  UNWIND $ids + $fraud AS id
  MATCH (s:Account {id_usuario: id})-[p:PIX]->(d:Account)
  WHERE p.status = 'concluida'
    AND p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
  RETURN s, d, p
  UNION ALL
  UNWIND $ids + $fraud AS id
  MATCH (s:Account)-[p:PIX]->(d:Account {id_usuario: id})
  WHERE p.status = 'concluida' AND NOT s.id_usuario IN $ids AND NOT s.id_usuario IN $fraud
    AND p.timestamp >= localdatetime($since) AND p.timestamp < localdatetime($until)
  RETURN s, d, p
}
WITH DISTINCT s, d, p
WITH s, d, sum(p.valor) AS amount, count(p) AS transfers
RETURN gds.graph.project($graph_name, s, d, {
  sourceNodeLabels: CASE WHEN s.id_usuario IN $fraud THEN ['Fraud']
                         WHEN s.id_usuario IN $ids THEN ['Candidate'] ELSE ['Other'] END,
  targetNodeLabels: CASE WHEN d.id_usuario IN $fraud THEN ['Fraud']
                         WHEN d.id_usuario IN $ids THEN ['Candidate'] ELSE ['Other'] END,
  relationshipProperties: {amount: amount, transfers: transfers}
})
