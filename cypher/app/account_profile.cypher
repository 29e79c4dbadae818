// One account's profile for Account 360: its stored properties (including gnn_score and
// model_version when the GNN scored it), its holder, and its money in and out.
// @param id_usuario: string, the account's id (example: U0000001)
MATCH (a:Account {id_usuario: $id_usuario})
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
CALL (a) {
  OPTIONAL MATCH (a)<-[i:PIX]-()
  RETURN count(i) AS transfers_in, round(coalesce(sum(i.valor), 0.0), 2) AS amount_in
}
CALL (a) {
  OPTIONAL MATCH (a)-[o:PIX]->()
  RETURN count(o) AS transfers_out, round(coalesce(sum(o.valor), 0.0), 2) AS amount_out
}
RETURN properties(a) AS account, h.cpf_cnpj AS cpf_cnpj, h.nome AS nome,
       h.tipo_pessoa AS tipo_pessoa, transfers_in, amount_in, transfers_out, amount_out
