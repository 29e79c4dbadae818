// Graph ceiling: the relationships of usuarios rows between nodes that already exist.
// @param rows: list, usuarios rows as text (example: [{id_usuario: 'U0000001', cpf_cnpj: '52998224725', email: 'ana@x.com', telefone: '+5511987654321'}])
UNWIND $rows AS r
MATCH (a:Account {id_usuario: r.id_usuario})
MATCH (h:Holder {cpf_cnpj: r.cpf_cnpj})
CREATE (a)-[:HELD_BY]->(h)
WITH a, r
OPTIONAL MATCH (p:Phone {number: r.telefone})
OPTIONAL MATCH (e:Email {address: r.email})
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | CREATE (a)-[:HAS_PHONE]->(p))
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END | CREATE (a)-[:HAS_EMAIL]->(e))
