// Takeover logins: a successful login on a device the account had never logged in from
// successfully before (while it had logged in elsewhere more than a day earlier), preceded
// within a day by failed logins. One row per account: most
// failures before such a login, and the time of the first such login.
// @param min_failures: integer, least failed logins before the new-device login (example: 2)
MATCH (bad:Login {status: 'falha'})-[:BY]->(a:Account)
WITH a, count(bad) AS total_failures WHERE total_failures >= $min_failures
MATCH (a)<-[:BY]-(ok:Login {status: 'sucesso'})-[:ON_DEVICE]->(d:Device)
WHERE NOT EXISTS {
  MATCH (a)<-[:BY]-(prev:Login {status: 'sucesso'})-[:ON_DEVICE]->(d)
  WHERE prev.timestamp < ok.timestamp
}
  AND EXISTS {
  MATCH (a)<-[:BY]-(older:Login {status: 'sucesso'})
  WHERE older.timestamp < ok.timestamp - duration({hours: 24})
}
CALL (a, ok) {
  MATCH (a)<-[:BY]-(bad:Login {status: 'falha'})
  WHERE ok.timestamp - duration({hours: 24}) <= bad.timestamp < ok.timestamp
  RETURN count(bad) AS failures
}
WITH a, ok, failures WHERE failures >= $min_failures
RETURN a.id_usuario AS account, max(failures) AS failures,
       toString(min(ok.timestamp)) AS new_device_at
