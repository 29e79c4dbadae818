// Everything registered to one CPF/CNPJ: its accounts, Pix keys and devices.
// @param cpf_cnpj: string, the holder's CPF or CNPJ, digits only (example: 52998224725)
MATCH (h:Holder {cpf_cnpj: $cpf_cnpj})
OPTIONAL MATCH (h)<-[:HELD_BY]-(a:Account)
OPTIONAL MATCH (h)<-[:REGISTERED_TO]-(k:PixKey)
OPTIONAL MATCH (a)-[:REGISTERED_DEVICE]->(d:Device)
RETURN h.cpf_cnpj AS cpf_cnpj, h.nome AS nome, collect(DISTINCT a.id_usuario) AS accounts,
       collect(DISTINCT k.tipo + ': ' + k.chave) AS keys,
       collect(DISTINCT d.tipo + ': ' + d.id_dispositivo) AS devices
