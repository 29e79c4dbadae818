// Upsert the bank's fraud records and attach each to the transaction it reports.
// A fraud type ringwatch does not know arrives as tipo_fraude 'outro' with the bank's own
// value in tipo_fraude_original (stored as tipo_original; null for known types).
// @param rows: list, one map per fraudes row (example: [{id_fraude: 'F000001', id_transacao: 'T00000001', tipo_fraude: 'golpe', tipo_fraude_original: null, data_deteccao: '2025-03-09T11:00:00', valor_fraude: 120.5, status: 'confirmada'}])
UNWIND $rows AS r
MERGE (f:Fraud {id_fraude: r.id_fraude})
SET f.tipo = r.tipo_fraude, f.tipo_original = r.tipo_fraude_original,
    f.data_deteccao = localdatetime(r.data_deteccao),
    f.valor = r.valor_fraude, f.status = r.status
MERGE (t:Transaction {id_transacao: r.id_transacao})
  ON CREATE SET t:Unlinked
MERGE (f)-[:REPORTS]->(t)
