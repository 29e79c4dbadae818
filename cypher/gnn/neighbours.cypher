// Accounts one hop from the given accounts in the GNN's account graph: Pix counterparties in
// either direction and accounts sharing a device, at most $fanout of each kind per account
// (GraphSAGE-style neighbour sampling keeps merchants' neighbourhoods bounded).
// @param ids: list, account ids (id_usuario) (example: ['U0000001'])
// @param fanout: integer, most neighbours of each kind taken per account (example: 200)
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
CALL (a) {
  MATCH (a)-[:PIX]-(b:Account)
  WITH DISTINCT b LIMIT $fanout
  RETURN b
  UNION
  MATCH (a)-[:REGISTERED_DEVICE]->(:Device)<-[:REGISTERED_DEVICE]-(b:Account)
  WITH DISTINCT b LIMIT $fanout
  RETURN b
  UNION
  MATCH (a)-[:USED_DEVICE]->(:Device)<-[:USED_DEVICE]-(b:Account)
  WITH DISTINCT b LIMIT $fanout
  RETURN b
}
WITH DISTINCT b WHERE b.id_usuario IS NOT NULL
RETURN b.id_usuario AS id_usuario
