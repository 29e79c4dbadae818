// Upsert Pix keys (DICT entries) and link each to the Holder of its CPF/CNPJ.
// @param rows: list, one map per chaves_pix row (example: [{chave_pix: 'ana@x.com', tipo_chave: 'EMAIL', cpf_cnpj: '52998224725', nome_titular: 'Ana', data_cadastro: '2025-01-02T10:00:00', status: 'ativa'}])
UNWIND $rows AS r
MERGE (k:PixKey {chave: r.chave_pix})
SET k.tipo = r.tipo_chave, k.status = r.status,
    k.data_cadastro = localdatetime(r.data_cadastro)
MERGE (h:Holder {cpf_cnpj: r.cpf_cnpj})
  ON CREATE SET h.nome = r.nome_titular,
                h.tipo_pessoa = CASE size(r.cpf_cnpj) WHEN 11 THEN 'PF' ELSE 'PJ' END
MERGE (k)-[:REGISTERED_TO]->(h)
