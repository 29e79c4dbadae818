// Every account that registered or logged in with one device, with its login counts.
// @param id_dispositivo: string, the device (example: D0000001)
MATCH (d:Device {id_dispositivo: $id_dispositivo})
CALL (d) {
  MATCH (d)<-[:REGISTERED_DEVICE]-(a:Account) RETURN a, 'registered' AS how
  UNION
  MATCH (d)<-[:ON_DEVICE]-(:Login)-[:BY]->(a:Account) RETURN a, 'logged in' AS how
}
OPTIONAL MATCH (a)<-[:BY]-(l:Login)-[:ON_DEVICE]->(d)
RETURN a.id_usuario AS account, collect(DISTINCT how) AS how, count(DISTINCT l) AS logins,
       toString(a.data_cadastro) AS opened
ORDER BY logins DESC
