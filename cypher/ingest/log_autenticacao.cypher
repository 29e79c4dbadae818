// Insert login events: who logged in, on which device, from which IP (when the log has one).
// A login is an immutable event written in one transaction with its relationships, so a
// login already in the graph is skipped whole (a re-delivered message changes nothing) and
// the relationships of a new one are CREATEd, not MERGEd. The uniqueness constraint on
// Login.id_log still guards against two writers racing on the same id (one of them fails
// and retries). Rows must have distinct id_log values (ingest.writer de-duplicates).
// @param rows: list, one map per log_autenticacao row (example: [{id_log: 'L00000001', id_usuario: 'U0000001', timestamp: '2025-03-01T09:15:00', tipo_autenticacao: 'senha', status: 'sucesso', id_dispositivo: 'D0000001', ip: '10.1.2.3'}])
UNWIND $rows AS r
WITH r WHERE NOT EXISTS { MATCH (:Login {id_log: r.id_log}) }
CREATE (l:Login {id_log: r.id_log, timestamp: localdatetime(r.timestamp),
                 tipo: r.tipo_autenticacao, status: r.status})
MERGE (a:Account {id_usuario: r.id_usuario})
CREATE (l)-[:BY]->(a)
MERGE (d:Device {id_dispositivo: r.id_dispositivo})
CREATE (l)-[:ON_DEVICE]->(d)
FOREACH (_ IN CASE WHEN r.ip IS NULL THEN [] ELSE [1] END |
  MERGE (i:IP {address: r.ip}) CREATE (l)-[:FROM_IP]->(i))
