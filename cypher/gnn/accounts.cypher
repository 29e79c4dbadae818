// Static facts of the given accounts for the GNN features: holder, opening time (epoch
// seconds of the Brasilia local time), daily limit, company or person, Pix keys of the holder,
// and other accounts sharing its phone or e-mail. Account.status is deliberately not exported:
// the bank blocks accounts of confirmed fraud cases, so it would leak the label.
// @param ids: list, account ids (id_usuario) to export (example: ['U0000001', 'U0000002'])
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
OPTIONAL MATCH (a)-[:HELD_BY]->(h:Holder)
RETURN a.id_usuario AS id_usuario,
       h.cpf_cnpj AS holder,
       CASE WHEN a.data_cadastro IS NULL THEN null
            ELSE datetime({datetime: a.data_cadastro, timezone: 'UTC'}).epochSeconds END AS opened,
       a.limite_diario AS daily_limit,
       coalesce(h.tipo_pessoa = 'PJ', false) AS is_company,
       CASE WHEN h IS NULL THEN 0 ELSE COUNT { (h)<-[:REGISTERED_TO]-(:PixKey) } END AS n_keys,
       COUNT { (a)-[:HAS_PHONE|HAS_EMAIL]->()<-[:HAS_PHONE|HAS_EMAIL]-(o:Account)
               WHERE o <> a } AS shared_contacts
