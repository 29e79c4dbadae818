// Upsert login events: who logged in, on which device, from which IP (when the log has one).
// @param rows: list, one map per log_autenticacao row (example: [{id_log: 'L00000001', id_usuario: 'U0000001', timestamp: '2025-03-01T09:15:00', tipo_autenticacao: 'senha', status: 'sucesso', id_dispositivo: 'D0000001', ip: '10.1.2.3'}])
UNWIND $rows AS r
MERGE (l:Login {id_log: r.id_log})
SET l.timestamp = localdatetime(r.timestamp), l.tipo = r.tipo_autenticacao, l.status = r.status
MERGE (a:Account {id_usuario: r.id_usuario})
MERGE (l)-[:BY]->(a)
MERGE (d:Device {id_dispositivo: r.id_dispositivo})
MERGE (l)-[:ON_DEVICE]->(d)
FOREACH (_ IN CASE WHEN r.ip IS NULL THEN [] ELSE [1] END |
  MERGE (i:IP {address: r.ip}) MERGE (l)-[:FROM_IP]->(i))
