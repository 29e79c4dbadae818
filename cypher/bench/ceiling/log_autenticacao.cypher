// Graph ceiling: create Login events and their BY, ON_DEVICE and FROM_IP relationships to
// accounts, devices and IPs that already exist.
// @param rows: list, log_autenticacao rows as text (example: [{id_log: 'L00000001', id_usuario: 'U0000001', timestamp: '2025-03-01T09:15:00', tipo_autenticacao: 'senha', status: 'sucesso', id_dispositivo: 'D0000001', ip: '10.1.2.3'}])
UNWIND $rows AS r
CREATE (l:Login {id_log: r.id_log, timestamp: r.timestamp, tipo: r.tipo_autenticacao,
                 status: r.status})
WITH l, r
MATCH (a:Account {id_usuario: r.id_usuario})
MATCH (d:Device {id_dispositivo: r.id_dispositivo})
CREATE (l)-[:BY]->(a), (l)-[:ON_DEVICE]->(d)
WITH l, r
OPTIONAL MATCH (i:IP {address: r.ip})
FOREACH (_ IN CASE WHEN i IS NULL THEN [] ELSE [1] END | CREATE (l)-[:FROM_IP]->(i))
