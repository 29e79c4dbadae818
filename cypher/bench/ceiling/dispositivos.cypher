// Graph ceiling: each device's REGISTERED_DEVICE relationship from its account (both exist).
// @param rows: list, dispositivos rows as text (example: [{id_dispositivo: 'D0000001', id_usuario: 'U0000001'}])
UNWIND $rows AS r
MATCH (a:Account {id_usuario: r.id_usuario})
MATCH (d:Device {id_dispositivo: r.id_dispositivo})
CREATE (a)-[:REGISTERED_DEVICE]->(d)
