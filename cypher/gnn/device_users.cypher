// Every account (and its holder) linked to the given devices, by registration or by a login:
// tells how many holders share a device even when they are outside the scored neighbourhood.
// @param devices: list, device ids (id_dispositivo) (example: ['D0000001'])
UNWIND $devices AS dev
MATCH (d:Device {id_dispositivo: dev})
CALL (d) {
  MATCH (d)<-[:REGISTERED_DEVICE]-(o:Account)
  RETURN o
  UNION
  MATCH (d)<-[:USED_DEVICE]-(o:Account)
  RETURN o
}
OPTIONAL MATCH (o)-[:HELD_BY]->(h:Holder)
RETURN dev AS device, o.id_usuario AS id_usuario, h.cpf_cnpj AS holder
