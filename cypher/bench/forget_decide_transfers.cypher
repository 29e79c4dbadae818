// Remove what bench/decide.py left in the graph: its transfers (ids starting with $prefix),
// their PIX edges and their Alert nodes, so that runs on one loaded graph start from the same
// state. Run in an implicit transaction.
// @param prefix: string, the first letters of the benchmark's transfer ids (example: TB)
MATCH (t:Transaction) WHERE t.id_transacao STARTS WITH $prefix
CALL (t) {
  OPTIONAL MATCH (t)-[:FROM_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(:Account)-[p:PIX]->(:Account)
  WHERE p.id_transacao = t.id_transacao
  DELETE p
  WITH DISTINCT t
  OPTIONAL MATCH (al:Alert {alert_id: t.id_transacao})
  DETACH DELETE al, t
} IN TRANSACTIONS OF 5000 ROWS
