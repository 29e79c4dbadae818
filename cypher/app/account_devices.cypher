// The devices an account registered or logged in from, and how many other accounts use each.
// @param id_usuario: string, the account's id (example: U0000001)
MATCH (a:Account {id_usuario: $id_usuario})
CALL (a) {
  MATCH (a)-[:REGISTERED_DEVICE]->(d:Device)
  RETURN d, 'registered' AS how
  UNION
  MATCH (a)-[:USED_DEVICE]->(d:Device)
  RETURN d, 'logged in' AS how
}
WITH a, d, collect(how) AS how
CALL (a, d) {
  MATCH (o:Account)-[:REGISTERED_DEVICE]->(d) WHERE o <> a
  RETURN o
  UNION
  MATCH (o:Account)-[:USED_DEVICE]->(d) WHERE o <> a
  RETURN o
}
WITH d, how, count(o) AS other_accounts
RETURN d.id_dispositivo AS id_dispositivo, d.tipo AS tipo, d.status AS status,
       d.data_registro AS registered, how, other_accounts
ORDER BY other_accounts DESC, id_dispositivo
