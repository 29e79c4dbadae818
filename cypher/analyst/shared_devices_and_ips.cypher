// Other accounts that used the same devices or IP addresses as an account (registered
// devices and devices or IPs seen in its logins), with what they share.
// @param id_usuario: string, the account (example: U0000001)
// @param limit: integer, most rows returned (example: 100)
MATCH (a:Account {id_usuario: $id_usuario})
CALL (a) {
  MATCH (a)-[:REGISTERED_DEVICE]->(d:Device)
  RETURN d AS thing
  UNION
  MATCH (a)<-[:BY]-(:Login)-[:ON_DEVICE]->(d:Device)
  RETURN d AS thing
  UNION
  MATCH (a)<-[:BY]-(:Login)-[:FROM_IP]->(i:IP)
  RETURN i AS thing
}
CALL (thing) {
  MATCH (thing)<-[:REGISTERED_DEVICE]-(o:Account)
  RETURN o
  UNION
  MATCH (thing)<-[:ON_DEVICE|FROM_IP]-(:Login)-[:BY]->(o:Account)
  RETURN o
}
WITH a, o, thing WHERE o <> a
RETURN o.id_usuario AS other_account,
       collect(DISTINCT coalesce(thing.id_dispositivo, thing.address)) AS shared,
       collect(DISTINCT labels(thing)[0]) AS kinds
ORDER BY size(shared) DESC, other_account
LIMIT $limit
