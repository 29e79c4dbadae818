// What ties a ring's members together besides money: their holders (CPF/CNPJ), the holders'
// Pix keys, the devices they registered or logged in from, and the IPs of their logins.
// @param ring_id: string, the ring's id (example: R0001)
// @param limit: integer, most links returned (example: 3000)
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(a:Account)
CALL (a) {
  MATCH (a)-[:HELD_BY]->(h:Holder)
  RETURN a.id_usuario AS source, 'account' AS source_kind, h.cpf_cnpj AS target,
         'holder' AS target_kind, h.nome AS label, h.tipo_pessoa AS detail
  UNION
  MATCH (a)-[:HELD_BY]->(h:Holder)<-[:REGISTERED_TO]-(k:PixKey)
  RETURN h.cpf_cnpj AS source, 'holder' AS source_kind, k.chave AS target,
         'key' AS target_kind, k.chave AS label, k.tipo AS detail
  UNION
  MATCH (a)-[:REGISTERED_DEVICE]->(d:Device)
  RETURN a.id_usuario AS source, 'account' AS source_kind, d.id_dispositivo AS target,
         'device' AS target_kind, d.id_dispositivo AS label, d.tipo AS detail
  UNION
  MATCH (a)-[:USED_DEVICE]->(d:Device)
  RETURN a.id_usuario AS source, 'account' AS source_kind, d.id_dispositivo AS target,
         'device' AS target_kind, d.id_dispositivo AS label, d.tipo AS detail
  UNION
  MATCH (a)<-[:BY]-(:Login)-[:FROM_IP]->(i:IP)
  RETURN a.id_usuario AS source, 'account' AS source_kind, i.address AS target,
         'ip' AS target_kind, i.address AS label, null AS detail
}
RETURN DISTINCT source, source_kind, target, target_kind, label, detail
LIMIT $limit
