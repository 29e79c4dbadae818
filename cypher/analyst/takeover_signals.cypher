// Account-takeover signals: failed logins followed within hours by a successful login on a
// device the account had not used before, and the money sent after it.
// @param min_failures: integer, least failed logins before the new-device login (example: 3)
// @param max_hours: integer, hours between the failures and the new-device login (example: 24)
// @param limit: integer, most rows returned (example: 50)
MATCH (a:Account)<-[:BY]-(ok:Login {status: 'sucesso'})-[:ON_DEVICE]->(d:Device)
WHERE NOT EXISTS {
  MATCH (a)<-[:BY]-(prev:Login)-[:ON_DEVICE]->(d) WHERE prev.timestamp < ok.timestamp
}
  AND NOT EXISTS { MATCH (a)-[:REGISTERED_DEVICE]->(d) WHERE d.data_registro < ok.timestamp }
CALL (a, ok) {
  MATCH (a)<-[:BY]-(bad:Login {status: 'falha'})
  WHERE ok.timestamp - duration({hours: $max_hours}) <= bad.timestamp < ok.timestamp
  RETURN count(bad) AS failures
}
WITH a, ok, d, failures WHERE failures >= $min_failures
OPTIONAL MATCH (a)-[p:PIX]->(r:Account) WHERE p.timestamp >= ok.timestamp
RETURN a.id_usuario AS account, toString(ok.timestamp) AS new_device_login,
       d.id_dispositivo AS device, failures, count(p) AS transfers_after,
       round(coalesce(sum(p.valor), 0), 2) AS sent_after,
       collect(DISTINCT r.id_usuario)[..10] AS receivers
ORDER BY sent_after DESC
LIMIT $limit
