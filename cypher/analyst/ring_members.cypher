// Members of a ring, with holder, account age and status, money in and out, and their current
// GNN score; largest inflow first. Also the member table of the app's ring page.
// @param ring_id: string, the ring's id (example: R0001)
// @param limit: integer, most members returned (example: 2000)
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(a:Account)
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
CALL (a) {
  OPTIONAL MATCH (a)<-[i:PIX]-()
  RETURN count(i) AS transfers_in, round(coalesce(sum(i.valor), 0.0), 2) AS amount_in
}
CALL (a) {
  OPTIONAL MATCH (a)-[o:PIX]->()
  RETURN count(o) AS transfers_out, round(coalesce(sum(o.valor), 0.0), 2) AS amount_out
}
RETURN a.id_usuario AS id_usuario, h.cpf_cnpj AS cpf_cnpj, h.nome AS nome,
       a.data_cadastro AS opened, a.status AS status, transfers_in, amount_in,
       transfers_out, amount_out, a.gnn_score AS gnn_score
ORDER BY amount_in DESC, id_usuario
LIMIT $limit
