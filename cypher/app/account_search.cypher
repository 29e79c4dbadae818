// Find accounts by account id (id_usuario), by the holder's CPF/CNPJ, or by a Pix key.
// @param term: string, what the user typed, trimmed (example: U0000001)
// @param digits: string, the term's digits only, for the CPF/CNPJ look-up (example: 52998224725)
// @param limit: integer, most accounts returned (example: 50)
CALL () {
  MATCH (a:Account {id_usuario: $term})
  RETURN a, 'account id' AS matched_by
  UNION
  MATCH (:Holder {cpf_cnpj: $digits})<-[:HELD_BY]-(a:Account)
  RETURN a, 'CPF/CNPJ' AS matched_by
  UNION
  MATCH (:PixKey {chave: $term})-[:REGISTERED_TO]->(:Holder)<-[:HELD_BY]-(a:Account)
  RETURN a, 'Pix key' AS matched_by
}
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
RETURN a.id_usuario AS id_usuario, matched_by, h.cpf_cnpj AS cpf_cnpj, h.nome AS nome,
       a.status AS status
LIMIT $limit
