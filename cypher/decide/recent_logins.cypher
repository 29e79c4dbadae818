// Successful logins since a time, oldest first: each account's last login device at start.
// @param since: datetime, earliest login time, Brasília local time (example: 2025-03-01T00:00:00)
MATCH (l:Login)
WHERE l.timestamp >= $since AND l.status = 'sucesso'
MATCH (l)-[:BY]->(a:Account)
MATCH (l)-[:ON_DEVICE]->(d:Device)
RETURN a.id_usuario AS id_usuario, d.id_dispositivo AS id_dispositivo, l.timestamp AS at
ORDER BY at
