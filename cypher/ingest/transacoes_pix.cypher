// Upsert Pix transactions as records linked to their origin and destination keys. A new
// transaction is labelled :Unlinked until ingest/link_transfers gives it its account-to-account
// PIX edge (its keys or holders may arrive later than the transaction itself).
// @param rows: list, one map per transacoes_pix row (example: [{id_transacao: 'T00000001', timestamp: '2025-03-01T09:16:00', valor: 120.5, chave_pix_origem: 'ana@x.com', chave_pix_destino: '+5511987654321', tipo_transacao: 'transferencia', status: 'concluida'}])
UNWIND $rows AS r
MERGE (t:Transaction {id_transacao: r.id_transacao})
  ON CREATE SET t:Unlinked
SET t.timestamp = localdatetime(r.timestamp), t.valor = r.valor,
    t.tipo = r.tipo_transacao, t.status = r.status
MERGE (o:PixKey {chave: r.chave_pix_origem})
MERGE (d:PixKey {chave: r.chave_pix_destino})
MERGE (t)-[:FROM_KEY]->(o)
MERGE (t)-[:TO_KEY]->(d)
