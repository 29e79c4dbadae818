// Upsert the bank's fraud records and attach each to the transaction it reports.
// @param rows: list, one map per fraudes row (example: [{id_fraude: 'F000001', id_transacao: 'T00000001', tipo_fraude: 'golpe', data_deteccao: '2025-03-09T11:00:00', valor_fraude: 120.5, status: 'confirmada'}])
UNWIND $rows AS r
MERGE (f:Fraud {id_fraude: r.id_fraude})
SET f.tipo = r.tipo_fraude, f.data_deteccao = localdatetime(r.data_deteccao),
    f.valor = r.valor_fraude, f.status = r.status
MERGE (t:Transaction {id_transacao: r.id_transacao})
  ON CREATE SET t:Unlinked
MERGE (f)-[:REPORTS]->(t)
