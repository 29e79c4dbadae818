// Devices of the given accounts, registered (dispositivos) or used to log in
// (log_autenticacao), as one record of parallel lists: one entry per account and device with
// when it was first seen (epoch seconds; NaN when unknown), whether it was registered, and
// its logins and failed logins for that account (the loaders' USED_DEVICE summaries: no
// login is read).
// @param ids: list, account ids (id_usuario) (example: ['U0000001', 'U0000002'])
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
CALL (a) {
  MATCH (a)-[:REGISTERED_DEVICE]->(d:Device)
  RETURN d.id_dispositivo AS device,
         CASE WHEN d.data_registro IS NULL THEN null
              ELSE datetime({datetime: d.data_registro, timezone: 'UTC'}).epochSeconds END
           AS first_seen,
         1 AS registered, 0 AS logins, 0 AS failed
  UNION ALL
  MATCH (a)-[u:USED_DEVICE]->(d:Device)
  RETURN d.id_dispositivo AS device,
         datetime({datetime: u.first_seen, timezone: 'UTC'}).epochSeconds AS first_seen,
         0 AS registered, u.logins AS logins, u.failed AS failed
}
WITH a.id_usuario AS id_usuario, device, min(first_seen) AS first_seen,
     max(registered) AS registered, sum(logins) AS logins, sum(failed) AS failed
RETURN collect(id_usuario) AS id_usuario, collect(device) AS device,
       collect(coalesce(toFloat(first_seen), 0.0 / 0.0)) AS first_seen,
       collect(registered) AS registered, collect(logins) AS logins, collect(failed) AS failed
