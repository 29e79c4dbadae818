// Give every :Unlinked transaction whose origin and destination accounts are now known its
// account-to-account PIX edge, then drop the label. Idempotent: a linked transaction is never
// linked again, so re-delivered messages cannot double an edge. MERGE, not CREATE: two
// loaders (or two batches of one loader) linking at the same moment can both match the same
// Unlinked transaction before either removes the label; MERGE locks both accounts, so the
// second finds the first one's edge instead of adding another.
// @param limit: integer, most transactions linked in one call (example: 50000)
MATCH (t:Unlinked)-[:FROM_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(src:Account)
MATCH (t)-[:TO_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(dst:Account)
WITH t, src, dst LIMIT $limit
MERGE (src)-[p:PIX {id_transacao: t.id_transacao}]->(dst)
  ON CREATE SET p.valor = t.valor, p.timestamp = t.timestamp, p.status = t.status
REMOVE t:Unlinked
RETURN count(t) AS linked
