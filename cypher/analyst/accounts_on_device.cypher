// Every account that registered or logged in with one device, with its login counts.
// @param id_dispositivo: string, the device (example: D0000001)
MATCH (d:Device {id_dispositivo: $id_dispositivo})
CALL (d) {
  MATCH (d)<-[:REGISTERED_DEVICE]-(a:Account) RETURN a, 'registered' AS how, 0 AS logins
  UNION
  MATCH (d)<-[u:USED_DEVICE]-(a:Account) RETURN a, 'logged in' AS how, u.logins AS logins
}
WITH a, collect(how) AS how, sum(logins) AS logins
RETURN a.id_usuario AS account, how, logins, toString(a.data_cadastro) AS opened
ORDER BY logins DESC
