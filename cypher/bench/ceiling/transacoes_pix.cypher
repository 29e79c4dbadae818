// Graph ceiling: create Transaction events and their FROM_KEY and TO_KEY relationships to
// keys that already exist.
// @param rows: list, transacoes_pix rows as text (example: [{id_transacao: 'T00000001', timestamp: '2025-03-01T09:16:00', valor: '120.5', chave_pix_origem: 'ana@x.com', chave_pix_destino: '+5511987654321', tipo_transacao: 'transferencia', status: 'concluida'}])
UNWIND $rows AS r
CREATE (t:Transaction {id_transacao: r.id_transacao, timestamp: r.timestamp, valor: r.valor,
                       tipo: r.tipo_transacao, status: r.status})
WITH t, r
MATCH (o:PixKey {chave: r.chave_pix_origem})
MATCH (d:PixKey {chave: r.chave_pix_destino})
CREATE (t)-[:FROM_KEY]->(o), (t)-[:TO_KEY]->(d)
