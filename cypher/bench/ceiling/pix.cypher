// Graph ceiling: the account-to-account PIX edges, with origin and destination accounts
// resolved beforehand (outside the timed part).
// @param rows: list, one map per edge (example: [{src: 'U0000001', dst: 'U0000002', id_transacao: 'T00000001', valor: '120.5', timestamp: '2025-03-01T09:16:00', status: 'concluida'}])
UNWIND $rows AS r
MATCH (s:Account {id_usuario: r.src})
MATCH (d:Account {id_usuario: r.dst})
CREATE (s)-[:PIX {id_transacao: r.id_transacao, valor: r.valor, timestamp: r.timestamp,
                  status: r.status}]->(d)
