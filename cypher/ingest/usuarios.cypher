// Upsert account holders from usuarios rows: the Account (id_usuario), its Holder
// (CPF/CNPJ, name) and the phone and e-mail it registered, as shared-identifier nodes.
// @param rows: list, one map per usuarios row (example: [{id_usuario: 'U0000001', cpf_cnpj: '52998224725', nome: 'Ana', email: 'ana@x.com', telefone: '+5511987654321', data_cadastro: '2025-01-02T10:00:00', status: 'ativa'}])
UNWIND $rows AS r
MERGE (a:Account {id_usuario: r.id_usuario})
SET a.data_cadastro = localdatetime(r.data_cadastro), a.status = r.status
MERGE (h:Holder {cpf_cnpj: r.cpf_cnpj})
SET h.nome = r.nome, h.tipo_pessoa = CASE size(r.cpf_cnpj) WHEN 11 THEN 'PF' ELSE 'PJ' END
MERGE (a)-[:HELD_BY]->(h)
FOREACH (_ IN CASE WHEN r.telefone IS NULL THEN [] ELSE [1] END |
  MERGE (p:Phone {number: r.telefone}) MERGE (a)-[:HAS_PHONE]->(p))
FOREACH (_ IN CASE WHEN r.email IS NULL THEN [] ELSE [1] END |
  MERGE (e:Email {address: r.email}) MERGE (a)-[:HAS_EMAIL]->(e))
