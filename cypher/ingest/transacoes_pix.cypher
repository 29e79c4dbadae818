// Insert Pix transactions: the Transaction record, its origin and destination keys, and,
// when both keys already lead to an account (key -> holder <- account), the
// account-to-account PIX edge. A transaction whose accounts are not known yet is labelled
// :Unlinked, and ingest/link_transfers gives it its edge once they arrive.
// A transaction is an immutable event: one already written (it has its FROM_KEY) is skipped
// whole, so a re-delivered message can never double an edge. A Transaction node that a
// fraud report created first (no keys yet) is completed. Rows must have distinct
// id_transacao values (ingest.writer de-duplicates).
// One edge per account pair, however many times the match returns it: Neo4j's reads take no
// locks, and with a second loader changing the same nodes the key -> holder <- account match
// once returned one path 78 times (78 PIX edges for one transfer). repeated_paths counts the
// extra rows dropped; in a quiet graph each pair has exactly one path, so it is 0.
// @param rows: list, one map per transacoes_pix row (example: [{id_transacao: 'T00000001', timestamp: '2025-03-01T09:16:00', valor: 120.5, chave_pix_origem: 'ana@x.com', chave_pix_destino: '+5511987654321', tipo_transacao: 'transferencia', status: 'concluida'}])
UNWIND $rows AS r
OPTIONAL MATCH (known:Transaction {id_transacao: r.id_transacao})
WITH r, known WHERE known IS NULL OR NOT EXISTS { (known)-[:FROM_KEY]->() }
MERGE (t:Transaction {id_transacao: r.id_transacao})
SET t.timestamp = localdatetime(r.timestamp), t.valor = r.valor,
    t.tipo = r.tipo_transacao, t.status = r.status
MERGE (o:PixKey {chave: r.chave_pix_origem})
MERGE (d:PixKey {chave: r.chave_pix_destino})
CREATE (t)-[:FROM_KEY]->(o)
CREATE (t)-[:TO_KEY]->(d)
WITH t, o, d
CALL (t, o, d) {
  MATCH (o)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(src:Account)
  MATCH (d)-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(dst:Account)
  WITH src, dst, count(*) AS paths
  CREATE (src)-[:PIX {id_transacao: t.id_transacao, valor: t.valor, timestamp: t.timestamp,
                      status: t.status}]->(dst)
  RETURN count(*) AS edges, sum(paths) - count(*) AS repeats
}
FOREACH (_ IN CASE WHEN edges = 0 THEN [1] ELSE [] END | SET t:Unlinked)
FOREACH (_ IN CASE WHEN edges > 0 THEN [1] ELSE [] END | REMOVE t:Unlinked)
RETURN count(CASE WHEN edges > 0 THEN 1 END) AS linked, sum(repeats) AS repeated_paths
