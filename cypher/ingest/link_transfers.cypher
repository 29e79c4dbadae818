// Give every :Unlinked transaction whose origin and destination accounts are now known its
// account-to-account PIX edge, then drop the label. Idempotent: a linked transaction is never
// linked again, so re-delivered messages cannot double an edge.
// @param limit: integer, most transactions linked in one call (example: 50000)
MATCH (t:Unlinked)-[:FROM_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(src:Account)
MATCH (t)-[:TO_KEY]->(:PixKey)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(dst:Account)
WITH t, src, dst LIMIT $limit
CREATE (src)-[:PIX {id_transacao: t.id_transacao, valor: t.valor, timestamp: t.timestamp,
                    status: t.status}]->(dst)
REMOVE t:Unlinked
RETURN count(t) AS linked
