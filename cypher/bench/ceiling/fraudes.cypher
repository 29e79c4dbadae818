// Graph ceiling: create Fraud records and their REPORTS relationship to the transaction.
// @param rows: list, fraudes rows as text (example: [{id_fraude: 'F000001', id_transacao: 'T00000001', tipo_fraude: 'golpe', data_deteccao: '2025-03-09T11:00:00', valor_fraude: '120.5', status: 'confirmada'}])
UNWIND $rows AS r
CREATE (f:Fraud {id_fraude: r.id_fraude, tipo: r.tipo_fraude, data_deteccao: r.data_deteccao,
                 valor: r.valor_fraude, status: r.status})
WITH f, r
MATCH (t:Transaction {id_transacao: r.id_transacao})
CREATE (f)-[:REPORTS]->(t)
