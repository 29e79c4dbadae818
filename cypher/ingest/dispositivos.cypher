// Upsert devices and the account that registered each one.
// @param rows: list, one map per dispositivos row (example: [{id_dispositivo: 'D0000001', id_usuario: 'U0000001', tipo_dispositivo: 'android', data_registro: '2025-01-02T10:00:00', status: 'ativo'}])
UNWIND $rows AS r
MERGE (d:Device {id_dispositivo: r.id_dispositivo})
SET d.tipo = r.tipo_dispositivo, d.status = r.status,
    d.data_registro = localdatetime(r.data_registro)
MERGE (a:Account {id_usuario: r.id_usuario})
MERGE (a)-[:REGISTERED_DEVICE]->(d)
