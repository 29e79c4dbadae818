// Graph ceiling: create the USED_DEVICE login summaries (computed beforehand) between
// accounts and devices that already exist.
// @param rows: list, one summary per account and device (example: [{id_usuario: 'U0000001', id_dispositivo: 'D0000001', first_seen: '2025-03-01T09:15:00', last_seen: '2025-03-02T09:15:00', first_ok: '2025-03-01T09:15:00', logins: 2, failed: 0}])
UNWIND $rows AS r
MATCH (a:Account {id_usuario: r.id_usuario})
MATCH (d:Device {id_dispositivo: r.id_dispositivo})
CREATE (a)-[:USED_DEVICE {first_seen: r.first_seen, last_seen: r.last_seen,
                          first_ok: r.first_ok, logins: r.logins, failed: r.failed}]->(d)
