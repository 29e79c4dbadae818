// Successful logins since a time, oldest first: each account's last login device at start.
// ONE record: `logins`, a list of [id_usuario, id_dispositivo, at] in time order, at as ISO text.
// @param since: datetime, earliest login time, Brasília local time (example: 2025-03-01T00:00:00)
MATCH (l:Login)
WHERE l.timestamp >= $since AND l.status = 'sucesso'
MATCH (l)-[:BY]->(a:Account)
MATCH (l)-[:ON_DEVICE]->(d:Device)
WITH a.id_usuario AS id_usuario, d.id_dispositivo AS id_dispositivo, l.timestamp AS at
ORDER BY at
RETURN collect([id_usuario, id_dispositivo, toString(at)]) AS logins
