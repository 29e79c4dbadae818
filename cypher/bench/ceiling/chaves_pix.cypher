// Graph ceiling: each Pix key's REGISTERED_TO relationship to its holder (both exist).
// @param rows: list, chaves_pix rows as text (example: [{chave_pix: 'ana@x.com', cpf_cnpj: '52998224725'}])
UNWIND $rows AS r
MATCH (k:PixKey {chave: r.chave_pix})
MATCH (h:Holder {cpf_cnpj: r.cpf_cnpj})
CREATE (k)-[:REGISTERED_TO]->(h)
