// An account's logins, newest first: method, outcome, device and IP.
// @param id_usuario: string, the account's id (example: U0000001)
// @param limit: integer, most logins returned (example: 200)
MATCH (:Account {id_usuario: $id_usuario})<-[:BY]-(l:Login)
WITH l ORDER BY l.timestamp DESC, l.id_log LIMIT $limit
OPTIONAL MATCH (l)-[:ON_DEVICE]->(d:Device)
OPTIONAL MATCH (l)-[:FROM_IP]->(i:IP)
RETURN l.timestamp AS timestamp, l.tipo AS tipo, l.status AS status,
       d.id_dispositivo AS id_dispositivo, i.address AS ip, l.id_log AS id_log
